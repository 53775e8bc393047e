/**
 * File names as git holds them: any bytes but NUL and `/` between folders, tabs and newlines included, UTF-8 or
 * not. comply keeps a name as a JS string: its bytes decoded as UTF-8, and each byte that is not part of a valid
 * UTF-8 sequence mapped to the lone surrogate U+DC80–U+DCFF (0xDC00 + the byte), as Python's `surrogateescape`
 * does (PEP 383). Why this representation:
 * - A name that is valid UTF-8 (nearly all) is the same string as before: config globs, ledger paths and
 *   fingerprints do not change.
 * - It is one-to-one: valid UTF-8 never decodes to a lone surrogate, so two different names never become one
 *   string. (A `\xNN` text escape would collide with a file really named `a\xe9.py`; decoding as latin1 would
 *   garble every non-ASCII name; U+FFFD, what `toString('utf8')` gives, loses the byte, so the file was not
 *   found and dropped without a word.)
 * - The bytes come back exactly (nameBytes): Node's fs encodes a string path as UTF-8, which would turn a lone
 *   surrogate into U+FFFD, so such a file is opened by the bytes of its name (fsPath).
 * JSON carries such a byte as `\udcNN` (JSON.stringify escapes lone surrogates); a message shows it as `\xNN`
 * (showName, and src/util/escape.ts's printable). A URI percent-encodes its bytes (escape.ts's uriPath: encodeURI
 * throws on a lone surrogate).
 */
import { isUtf8 } from 'node:buffer';
import { join, sep } from 'node:path';

/** a lone low surrogate of the escaped range: one byte that was not UTF-8 (never preceded by a high surrogate) */
const ESCAPED = /(?<![\ud800-\udbff])[\udc80-\udcff]/;
const ESCAPED_ALL = new RegExp(ESCAPED.source, 'g');

/** Whether a name holds bytes that are not UTF-8. */
export function hasEscapes(name: string): boolean {
  return ESCAPED.test(name);
}

/** The length of the valid UTF-8 sequence at `i` (Unicode's table of well-formed sequences), or 0. */
function sequenceAt(b: Uint8Array, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => k < b.length && b[k]! >= lo && b[k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) return cont(i + 1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf) && cont(i + 2) ? 3 : 0;
  if (b0 >= 0xf0 && b0 <= 0xf4) return cont(i + 1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

/** A name's bytes as a string (see above). */
export function decodeName(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  let out = '';
  let start = 0;
  for (let i = 0; i < buf.length; ) {
    const n = sequenceAt(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString('utf8', start, i) + String.fromCharCode(0xdc00 + buf[i]!);
    start = ++i;
  }
  return out + buf.toString('utf8', start);
}

/** NUL-separated names (git's `-z` output) as strings, the empty ones dropped. */
export function decodeNames(out: Buffer): string[] {
  if (isUtf8(out)) return out.toString('utf8').split('\0').filter(Boolean);
  const names: string[] = [];
  for (let at = 0; at < out.length; ) {
    let end = out.indexOf(0, at);
    if (end < 0) end = out.length;
    if (end > at) names.push(decodeName(out.subarray(at, end)));
    at = end + 1;
  }
  return names;
}

/** The bytes of a name: the inverse of decodeName. */
export function nameBytes(name: string): Buffer {
  if (!hasEscapes(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    // a code point of the escaped range is a lone surrogate (a pair is one code point above U+FFFF)
    if (cp >= 0xdc80 && cp <= 0xdcff) {
      parts.push(Buffer.from(run, 'utf8'), Buffer.from([cp - 0xdc00]));
      run = '';
    } else run += ch;
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** a name with nothing for `join` to normalize: no empty, `.` or `..` segment, not absolute (what git lists) */
const PLAIN = /^(?!\.\.?(?:\/|$))(?:[^/]|\/(?!\/|\.\.?(?:\/|$)))+$/;
let plainRoot: [string, boolean] = ['', false];

/** The path to give fs for a repo-relative name: a string, or the bytes when the name is not UTF-8. */
export function fsPath(root: string, name: string): string | Buffer {
  if (hasEscapes(name)) return Buffer.concat([Buffer.from(root.endsWith(sep) ? root : root + sep, 'utf8'), nameBytes(name)]);
  // a scan asks this of every file: a plain name below a plain absolute root is appended, which is what join makes
  // of it, for less
  if (plainRoot[0] !== root) plainRoot = [root, sep === '/' && root.length > 1 && root.startsWith('/') && PLAIN.test(root.slice(1)) && !root.endsWith('/')];
  return plainRoot[1] && PLAIN.test(name) && name[0] !== '/' && !name.endsWith('/') ? `${root}/${name}` : join(root, name);
}

/** A name for a message: each byte that is not UTF-8 as `\xNN`. */
export function showName(name: string): string {
  return name.replace(ESCAPED_ALL, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).padStart(2, '0')}`);
}
