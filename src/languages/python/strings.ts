/**
 * What CPython checks when it decodes a string literal (errors, not warnings): escapes that cannot be decoded, non-ASCII
 * characters in bytes, and, for Python 3.11 and older, the f-string scanner of Parser/string_parser.c (fields,
 * braces, backslashes and comments in expressions, conversions, nesting). Used by parser.ts.
 *
 * Not checked: the names of `\N{...}` escapes (that needs the Unicode name table); a name of letters, digits,
 * spaces and hyphens is taken as valid.
 */

/** prefix flags and body range of a string token [s, e) */
export function stringParts(text: string, s: number, e: number): { bytes: boolean; raw: boolean; fstring: boolean; body: number; bodyEnd: number } {
  let p = s;
  let bytes = false;
  let raw = false;
  let fstring = false;
  for (;;) {
    const c = text.charCodeAt(p);
    if (c === 34 || c === 39) break;
    const l = c | 32;
    if (l === 98) bytes = true;
    else if (l === 114) raw = true;
    else if (l === 102) fstring = true;
    p++;
  }
  const q = text.charCodeAt(p);
  const triple = text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q && e - p >= 6;
  const w = triple ? 3 : 1;
  return { bytes, raw, fstring, body: p + w, bodyEnd: e - w };
}

/** The decoding error of a plain (not f-) string token [s, e), as CPython words it, or undefined. */
export function stringErrors(text: string, s: number, e: number): string | undefined {
  const { bytes, raw, body, bodyEnd } = stringParts(text, s, e);
  if (bytes) {
    for (let p = body; p < bodyEnd; p++) if (text.charCodeAt(p) >= 0x80) return 'bytes can only contain ASCII literal characters';
    if (raw) return undefined;
    return escapeError(text, body, bodyEnd, true, body);
  }
  if (raw) return undefined;
  const bs = text.indexOf('\\', body);
  if (bs < 0 || bs >= bodyEnd) return undefined;
  return escapeError(text, bs, bodyEnd, false, body);
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** UTF-8 length of text[from, to) */
function utf8Length(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n++;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The first escape in text[p, end) that cannot be decoded (`origin`: where the literal's body starts, for CPython's
 * byte positions), or undefined. */
export function escapeError(text: string, p: number, end: number, bytes: boolean, origin: number): string | undefined {
  for (; p < end; p++) {
    if (text.charCodeAt(p) !== 92) continue;
    const c = text.charCodeAt(p + 1);
    // the usual escapes (\n, \t, \\, quotes, ...) decode: skip them before anything else
    if (c !== 120 && c !== 117 && c !== 85 && c !== 78) {
      p++;
      continue;
    }
    const at = p;
    const unicodeError = (q: number, what: string): string =>
      `(unicode error) 'unicodeescape' codec can't decode bytes in position ${utf8Length(text, origin, at)}-${utf8Length(text, origin, Math.min(q, end)) - 1}: ${what}`;
    if (c === 120 /* x */) {
      let q = p + 2;
      while (q < end && q < p + 4 && isHex(text.charCodeAt(q))) q++;
      if (q - (p + 2) < 2) return bytes ? `(value error) invalid \\x escape at position ${utf8Length(text, origin, at)}` : unicodeError(q, 'truncated \\xXX escape');
      p = q - 1;
      continue;
    }
    if (!bytes && (c === 117 /* u */ || c === 85 /* U */)) {
      const want = c === 117 ? 4 : 8;
      let q = p + 2;
      while (q < end && q < p + 2 + want && isHex(text.charCodeAt(q))) q++;
      if (q - (p + 2) < want) return unicodeError(q, c === 117 ? 'truncated \\uXXXX escape' : 'truncated \\UXXXXXXXX escape');
      if (c === 85 && Number.parseInt(text.slice(p + 2, q), 16) > 0x10ffff) return unicodeError(q, 'illegal Unicode character');
      p = q - 1;
      continue;
    }
    if (!bytes && c === 78 /* N */) {
      if (text.charCodeAt(p + 2) !== 123) return unicodeError(p + 2, 'malformed \\N character escape');
      const close = text.indexOf('}', p + 3);
      if (close < 0 || close >= end || close === p + 3) return unicodeError(close < 0 || close >= end ? end : close + 1, 'malformed \\N character escape');
      if (!/^[A-Za-z0-9 -]+$/.test(text.slice(p + 3, close))) return unicodeError(close + 1, 'unknown Unicode character name');
      p = close;
      continue;
    }
    p++; // any other escape decodes (or only warns)
  }
  return undefined;
}

export interface LegacyFStringError {
  message: string;
  /** an error of a field's expression, already located */
  sub?: unknown;
}

/** the state of one checkLegacyFString (module-level: the scan allocates nothing per f-string) */
let lfText = '';
let lfEnd = 0;
let lfRaw = false;
let lfPos = 0;
let lfCompile: (start: number, end: number) => unknown = () => undefined;
const lfStack: number[] = [];

/**
 * Python 3.11 and older: an f-string token [s, e) as CPython's string parser scans it. Fields' expressions go to
 * `compile(start, end)` (which returns an error object or undefined). Returns the first error.
 */
export function checkLegacyFString(text: string, s: number, e: number, compile: (start: number, end: number) => unknown): LegacyFStringError | undefined {
  // the body: after the prefix and the opening quote(s)
  let p = s;
  let raw = false;
  for (;;) {
    const c = text.charCodeAt(p);
    if (c === 34 || c === 39) break;
    if ((c | 32) === 114) raw = true;
    p++;
  }
  const q = text.charCodeAt(p);
  const w = text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q && e - p >= 6 ? 3 : 1;
  // nothing to scan: no brace (and, for a raw string, no escape to decode)
  const body = p + w;
  const end = e - w;
  let brace = false;
  let backslash = false;
  for (let k = body; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 123 || c === 125) brace = true;
    else if (c === 92) backslash = true;
  }
  if (!brace && (raw || !backslash)) return undefined;
  const saved = [lfText, lfEnd, lfRaw, lfPos, lfCompile] as const;
  lfText = text;
  lfEnd = end;
  // without a backslash there is no escape to decode: literal text is as raw text
  lfRaw = raw || !backslash;
  lfPos = body;
  lfCompile = compile;
  try {
    return lfParse(0);
  } finally {
    [lfText, lfEnd, lfRaw, lfPos, lfCompile] = saved;
  }
}

/** literal text up to an undoubled `{` or `}` (its escapes decoded): 1 after a doubled brace (scan on), 0 at a
 * brace or the end, or the error message */
function lfLiteral(recurse: number): number | string {
  const text = lfText;
  const end = lfEnd;
  const start = lfPos;
  let q = lfPos;
  while (q < end) {
    let ch = text.charCodeAt(q++);
    if (!lfRaw && ch === 92 && q < end) {
      ch = text.charCodeAt(q++);
      if (ch === 78 /* N */) {
        if (q < end && text.charCodeAt(q++) === 123) {
          while (q < end && text.charCodeAt(q++) !== 125) {
            // skip the name
          }
        }
        continue;
      }
    }
    if (ch === 123 || ch === 125) {
      if (recurse === 0) {
        if (q < end && text.charCodeAt(q) === ch) {
          const err = lfRaw ? undefined : escapeError(text, start, q - 1, false, start);
          if (err) return err;
          lfPos = q + 1;
          return 1;
        }
        if (ch === 125) return "f-string: single '}' is not allowed";
      }
      q--;
      break;
    }
  }
  const err = lfRaw ? undefined : escapeError(text, start, q, false, start);
  if (err) return err;
  lfPos = q;
  return 0;
}

/** literal text and fields; at recurse > 0 (a format spec) it ends before a `}` */
function lfParse(recurse: number): LegacyFStringError | undefined {
  for (;;) {
    const lit = lfLiteral(recurse);
    if (typeof lit === 'string') return { message: lit };
    if (lit === 1) continue; // a doubled brace
    if (lfPos >= lfEnd) return undefined;
    const ch = lfText.charCodeAt(lfPos);
    if (ch === 125) {
      if (recurse === 0) return { message: "f-string: single '}' is not allowed" };
      return undefined;
    }
    const r = lfField(recurse);
    if (r) return r;
  }
}

/** the field at lfPos (a `{`): an error, or undefined with lfPos after its `}` */
function lfField(recurse: number): LegacyFStringError | undefined {
  if (recurse >= 2) return { message: 'f-string: expressions nested too deeply' };
  const text = lfText;
  const end = lfEnd;
  let p = lfPos + 1;
  const exprStart = p;
  let quote = 0;
  let triple = false;
  const base = lfStack.length;
  try {
    for (; p < end; p++) {
      const ch = text.charCodeAt(p);
      if (ch === 92) return { message: 'f-string expression part cannot include a backslash' };
      if (quote) {
        if (ch === quote) {
          if (triple) {
            if (p + 2 < end && text.charCodeAt(p + 1) === ch && text.charCodeAt(p + 2) === ch) {
              p += 2;
              quote = 0;
            }
          } else quote = 0;
        }
        continue;
      }
      if (ch === 39 || ch === 34) {
        if (p + 2 < end && text.charCodeAt(p + 1) === ch && text.charCodeAt(p + 2) === ch) {
          triple = true;
          p += 2;
        } else triple = false;
        quote = ch;
      } else if (ch === 91 || ch === 123 || ch === 40) {
        if (lfStack.length - base >= 200) return { message: 'f-string: too many nested parenthesis' };
        lfStack.push(ch);
      } else if (ch === 35) {
        return { message: "f-string expression part cannot include '#'" };
      } else if (lfStack.length === base && (ch === 33 || ch === 58 || ch === 125 || ch === 61 || ch === 62 || ch === 60)) {
        if (p + 1 < end) {
          const next = text.charCodeAt(p + 1);
          if ((ch === 33 && next === 61) || (ch === 61 && next === 61) || (ch === 60 && next === 61) || (ch === 62 && next === 61)) {
            p++;
            continue;
          }
        }
        if (ch === 62 || ch === 60) continue;
        break;
      } else if (ch === 93 || ch === 125 || ch === 41) {
        if (lfStack.length === base) return { message: `f-string: unmatched '${String.fromCharCode(ch)}'` };
        const open = lfStack.pop()!;
        if (!((open === 40 && ch === 41) || (open === 91 && ch === 93) || (open === 123 && ch === 125))) {
          return { message: `f-string: closing parenthesis '${String.fromCharCode(ch)}' does not match opening parenthesis '${String.fromCharCode(open)}'` };
        }
      }
    }
    const exprEnd = p;
    if (quote) return { message: 'f-string: unterminated string' };
    if (lfStack.length > base) return { message: `f-string: unmatched '${String.fromCharCode(lfStack[lfStack.length - 1]!)}'` };
    if (p >= end) return { message: "f-string: expecting '}'" };
    // compile the expression first (its errors come before those of the conversion or format spec)
    let q = exprStart;
    while (q < exprEnd && (text.charCodeAt(q) === 32 || text.charCodeAt(q) === 9 || text.charCodeAt(q) === 10 || text.charCodeAt(q) === 12 || text.charCodeAt(q) === 13)) q++;
    if (q === exprEnd) {
      const ch = text.charCodeAt(exprEnd);
      if (ch === 33 || ch === 58 || ch === 61) return { message: `f-string: expression required before '${String.fromCharCode(ch)}'` };
      return { message: 'f-string: empty expression not allowed' };
    }
    const sub = lfCompile(exprStart, exprEnd);
    if (sub) return { message: '', sub };
    if (text.charCodeAt(p) === 61) {
      p++;
      while (p < end && isSpace(text.charCodeAt(p))) p++;
      if (p >= end) return { message: "f-string: expecting '}'" };
    }
    if (text.charCodeAt(p) === 33) {
      p++;
      if (p >= end) return { message: "f-string: expecting '}'" };
      const conv = text.charCodeAt(p);
      p++;
      if (!(conv === 115 || conv === 114 || conv === 97)) return { message: "f-string: invalid conversion character: expected 's', 'r', or 'a'" };
    }
    if (p >= end) return { message: "f-string: expecting '}'" };
    if (text.charCodeAt(p) === 58) {
      p++;
      if (p >= end) return { message: "f-string: expecting '}'" };
      lfPos = p;
      const r = lfParse(recurse + 1);
      if (r) return r;
      p = lfPos;
    }
    if (p >= end || text.charCodeAt(p) !== 125) return { message: "f-string: expecting '}'" };
    lfPos = p + 1;
    return undefined;
  } finally {
    lfStack.length = base;
  }
}

/** Py_ISSPACE: ASCII whitespace */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
