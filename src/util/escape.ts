/**
 * Output escaping (issue 14, "safe output"). Everything comply prints or writes that came from the scanned
 * repository (file names, import strings, subjects, messages built from them, config and ledger values) goes
 * through one of these, chosen by where it lands:
 * - `printable`: a terminal (text report, CLI messages, errors). Control characters become visible escapes.
 * - `jsonSafe`: JSON meant for stdout (`--json`, SARIF): the same characters as `\uXXXX` escapes, same value.
 * - `mdText` / `mdCode`: the markdown PR summary, which GitHub renders with HTML allowed.
 * - `uriPath`: a repo-relative path as an RFC 3986 URI reference (SARIF artifact locations).
 * The HTML report escapes for HTML itself (src/report/html.ts) and puts values in the page through textContent.
 */
import { isAscii } from 'node:buffer';
import { nameBytes } from './names.js';

/**
 * What can change how a terminal, an editor or a browser shows the text around it: C0 controls, DEL, C1 controls
 * (U+009B is CSI on some terminals), the Unicode bidirectional controls ("Trojan Source": U+061C, U+200E/F,
 * U+202A-U+202E, U+2066-U+2069), the line and paragraph separators, and lone UTF-16 surrogates.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SHORT: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0');

/** how one unsafe character shows: a short escape, `\xNN` for a byte (C0, C1, or a file name's byte that is not
 * UTF-8, kept as U+DC80-U+DCFF by src/util/names.ts), `\uNNNN` otherwise */
const shown = (c: string): string => {
  const code = c.charCodeAt(0);
  if (SHORT[c]) return SHORT[c]!;
  if (code < 0x100) return `\\x${hex(c, 2)}`;
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16).padStart(2, '0')}`;
  return `\\u${hex(c, 4)}`;
};

/**
 * `s` with every unsafe character (see UNSAFE) written as a visible escape: `\t`, `\n`, `\r`, `\x1b`, `\x9b`,
 * `\u202e`. Printable text, including every other non-ASCII character, is kept as it is. With `newlines`, `\n`
 * is kept (for multi-line text such as documentation that quotes config values).
 */
export function printable(s: string, opts: { newlines?: boolean } = {}): string {
  return s.replace(UNSAFE, (c) => (opts.newlines && c === '\n' ? c : shown(c)));
}

/**
 * JSON text (from JSON.stringify) with the unsafe characters that JSON.stringify leaves raw (DEL, C1, bidi
 * controls, separators) written as `\uXXXX`: the same JSON value, safe to print. Those characters can only be
 * inside strings, so the structure is untouched; the raw newlines of pretty-printing are kept.
 */
export function jsonSafe(json: string): string {
  return json.replace(UNSAFE, (c) => (c.charCodeAt(0) < 0x20 ? c : `\\u${hex(c, 4)}`));
}

/** ASCII punctuation that means something inline in GitHub markdown: emphasis, code, links, images, tables, math. */
const MD_INLINE = /[\\`*_[\]()!|~$#<>&]/g;
const MD_ENTITY: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/**
 * An untrusted value as markdown text (a table cell, a list item, a sentence): it renders as exactly its
 * printable form, never as markup. Markdown punctuation is backslash-escaped, `<`, `>` and `&` become entities (so
 * `<img src=x>` arrives as text), a leading list, heading or block-quote marker and a leading space are neutralised,
 * and a word joiner (U+2060, invisible) after `@` or `#` before a letter or digit keeps GitHub from turning
 * `@user` into a mention and `#12` into an issue link. No newline and no `|` survive unescaped, so a value never
 * splits a table row.
 */
export function mdText(s: string): string {
  return printable(s)
    .replace(MD_INLINE, (c) => MD_ENTITY[c] ?? `\\${c}`)
    .replace(/^[-+=]/, '\\$&')
    .replace(/^(\d+)\./, '$1\\.')
    .replace(/([@#])(?=[A-Za-z0-9])/g, '$1\u2060')
    .replace(/^ /, '&#32;');
}

/**
 * An untrusted value as a markdown code span: fenced by one backtick more than its longest run of backticks (padded
 * with spaces when it starts or ends with one), so it cannot close the span early. Inside a table cell (`table`)
 * every `|` is written `\|`, which GFM removes before it reads the span. Control characters are shown escaped.
 */
export function mdCode(s: string, opts: { table?: boolean } = {}): string {
  if (s === '') return '` `';
  let body = printable(s);
  if (opts.table) body = body.replace(/\|/g, '\\|');
  let longest = 0;
  for (const run of body.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || (body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** RFC 3986 unreserved characters: the only bytes `uriPath` leaves as they are. */
const isUnreserved = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;

/**
 * A repo-relative path (`/`-separated) as an RFC 3986 relative reference: the name's bytes (src/util/names.ts: a
 * byte that is not UTF-8 is its own byte again, not U+FFFD) percent-encoded except the unreserved characters, `/`
 * kept. `#`, `?`, `%`, `:` (which would read as a scheme in a first segment), spaces, controls and non-ASCII are
 * all encoded; decoding once gives the name's bytes back. Never throws.
 */
export function uriPath(path: string): string {
  let out = '';
  for (const b of nameBytes(path)) out += b === 0x2f || isUnreserved(b) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

const NON_ASCII = /[\u0080-\uffff]/g;

/**
 * A value as JSON bytes that are all ASCII (every other character written as `\uXXXX`, a pair's halves each): for
 * comply's own state files, which it reads on every scan. Pure ASCII reads back as latin1 (a copy, where UTF-8
 * decoding of 4.5 MB with a few non-ASCII messages took 7-8 ms) into a one-byte string, which JSON.parse also reads
 * faster.
 */
export function asciiJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value).replace(NON_ASCII, (c) => `\\u${hex(c, 4)}`), 'latin1');
}

/** JSON bytes as text: latin1 when they are ASCII (asciiJson), else UTF-8 (a file of an older comply, or by hand). */
export function jsonText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}
