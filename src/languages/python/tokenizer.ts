/**
 * A purpose-built Python tokenizer: strings (every prefix, triple quotes, f-strings as the target version lexes
 * them), comments, brackets, line continuations, logical lines and indentation. It is what lets comply read 200 MB
 * of Python in a second or two instead of the 40 s a generated grammar costs (docs/python-syntax.md).
 *
 * It reports the errors CPython's own tokenizer raises, with CPython's messages: unterminated strings, unmatched
 * brackets, number literals, invalid characters, indentation that matches no outer level, tabs mixed
 * inconsistently. Grammar errors (including "unexpected indent" and a block without a body) are the parser's
 * (parser.ts). `scripts/python-differential.mjs` checks both against CPython's `ast` module.
 *
 * Tokens are kept in parallel number arrays (no object per token); their text is sliced from the source on demand.
 */

import { positionIn } from '../../util/text.js';
import { spend } from '../budget.js';
import { C, nameCode, opCode } from './codes.js';

export const enum Tok {
  Name = 1,
  Number = 2,
  String = 3,
  Op = 4,
}

export interface LogicalLine {
  /** index of the first token */
  first: number;
  /** index one past the last token */
  end: number;
  /** indentation width with tabs to multiples of 8 */
  indent: number;
  line: number;
  /** a `;` separates statements on it */
  semi?: boolean;
}

/**
 * How CPython treats a tokenizer error when its parser has failed earlier in the file: a `lexical` one (raised with
 * an exception set: strings, numbers, characters, brackets that do not match) is still reported, since CPython then
 * tokenizes the rest of the file looking for one; an `unclosed` bracket is reported when the parser failed on a
 * later line than the bracket's; a `plain` one (indentation, a stray continuation, end of file) never is.
 */
export type TokenizeErrorKind = 'lexical' | 'unclosed' | 'plain';

export interface TokenizeError {
  message: string;
  line: number;
  column: number;
  /** where the problem starts: the extractor keeps only facts that start before it */
  offset: number;
  /** where CPython's tokenizer raises it (the parser meets it there): the end of the file for an unclosed bracket */
  at: number;
  kind: TokenizeErrorKind;
  /** IndentationError or TabError rather than SyntaxError */
  errorType?: 'IndentationError' | 'TabError';
  /** raised while lexing a PEP 701 f-string: CPython 3.12+ then keeps an earlier parser error */
  inFString?: boolean;
  /** the innermost bracket open when the error was raised: after a parser error, CPython reports a plain error
   * inside brackets as that bracket never closed (when it opened on an earlier line than the parser's error) */
  open?: { ch: string; line: number; column: number; offset: number };
}

/**
 * Valid until the next call of tokenize() with the same buffers: the arrays are reused across files (extraction
 * is synchronous), which keeps a scan of thousands of files from allocating and collecting millions of slots.
 */
export interface Tokens {
  text: string;
  count: number;
  type: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** offset where each physical line starts (index 0 is line 1) */
  lineStarts: Int32Array;
  lineCount: number;
  /** comments (`#` to the end of the line), as offsets */
  commentStart: Int32Array;
  commentEnd: Int32Array;
  commentCount: number;
  /** lines on which a token ends: lines with code */
  codeLines: number;
  lines: LogicalLine[];
  error: TokenizeError | undefined;
  /** the replacement fields of the f-strings (PEP 701 lexing only), FIELD_STRIDE numbers each, in source order:
   * expression start, expression end (at its `!`, `:` or `}`), offset of the `!` or -1, of the `:` or -1, of the
   * closing `}` */
  fields: Int32Array;
  fieldCount: number;
  /** the Python minor version it was lexed for */
  minor: number;
  /** the parser's token stream: CPython's tokens with NEWLINE, INDENT, DEDENT and ENDMARKER, their codes (codes.ts)
   * and offsets; a tokenizer error ends it with an ERROR token where CPython's tokenizer raises the error */
  stream: TokenStream;
}

export interface TokenStream {
  c: Uint8Array;
  s: Int32Array;
  e: Int32Array;
  /** entries before the sentinels (which repeat the last one) */
  n: number;
}

export const FIELD_STRIDE = 5;

export interface TokenizeOptions {
  /** the target Python's minor version (3.x): from 12 on, f-strings are lexed as PEP 701 says; default 12 */
  minor?: number;
  /** lex only [start, end) as the inside of brackets (an f-string replacement field): no logical lines */
  range?: { start: number; end: number };
  /** buffers of its own, for a tokenization while the shared ones are in use */
  buffers?: TokenBuffers;
  /** (a range) put the parentheses CPython 3.11 puts around an f-string field's expression in the stream */
  wrap?: boolean;
}

const STRING_PREFIXES = new Set(['r', 'u', 'b', 'br', 'rb', 'f', 'fr', 'rf']);
const OPENERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
/** CPython's limits: nested brackets (tokenizer.h MAXLEVEL), indentation levels (MAXINDENT) */
const MAX_LEVEL = 200;
const MAX_INDENT = 100;

export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 0x80 && c !== 0xa0 && c !== 0xfeff);
}
export function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
/** ASCII characters that continue a name: letters, digits, underscore */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_NAME[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57) ? 1 : 0;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Reusable token arrays. */
export class TokenBuffers {
  type = new Uint8Array(1 << 10);
  start = new Int32Array(1 << 10);
  end = new Int32Array(1 << 10);
  lines = new Int32Array(1 << 8);
  commentStart = new Int32Array(1 << 6);
  commentEnd = new Int32Array(1 << 6);
  fields = new Int32Array(FIELD_STRIDE << 4);
  sc = new Uint8Array(1 << 10);
  ss = new Int32Array(1 << 10);
  se = new Int32Array(1 << 10);
  constructor(size = 10) {
    if (size > 10) {
      this.type = new Uint8Array(1 << size);
      this.start = new Int32Array(1 << size);
      this.end = new Int32Array(1 << size);
      this.lines = new Int32Array(1 << (size - 2));
      this.commentStart = new Int32Array(1 << (size - 4));
      this.commentEnd = new Int32Array(1 << (size - 4));
      this.sc = new Uint8Array(1 << size);
      this.ss = new Int32Array(1 << size);
      this.se = new Int32Array(1 << size);
    }
  }
}
const shared = new TokenBuffers(16);

function grow<T extends Uint8Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

export function tokenize(text: string, opts: TokenizeOptions = {}): Tokens {
  const minor = opts.minor ?? 12;
  const pep701 = minor >= 12;
  const bufs = opts.buffers ?? shared;
  const inner = opts.range !== undefined;
  const n = inner ? opts.range!.end : text.length;
  // without a carriage return in the file, a comment ends at the next '\n' (found natively)
  const noCR = text.indexOf('\r') < 0;
  let type = bufs.type;
  let start = bufs.start;
  let end = bufs.end;
  let lineStarts = bufs.lines;
  let count = 0;
  let lineCount = 1;
  let commentStart = bufs.commentStart;
  let commentEnd = bufs.commentEnd;
  let commentCount = 0;
  let fields = bufs.fields;
  let fieldCount = 0;
  let codeLines = 0;
  let lastCodeLine = 0;
  // the parser's stream, and where the first error cuts it
  let sc = bufs.sc;
  let ss = bufs.ss;
  let se = bufs.se;
  let sn = 0;
  let cut = -1;
  lineStarts[0] = 0;
  const lines: LogicalLine[] = [];
  let error: TokenizeError | undefined;

  let pos = inner ? opts.range!.start : text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = 0;
  const brackets: { ch: string; line: number; col: number; offset: number }[] = [];
  // an f-string replacement field is inside brackets: no logical lines, no indentation
  if (inner) brackets.push({ ch: '(', line: 1, col: 0, offset: pos });
  let atLineStart = !inner;
  let current: LogicalLine | undefined;
  // indentation stack (tabsize 8 and tabsize 1)
  const indents: number[] = [0];
  const indents1: number[] = [0];
  /** nesting of PEP 701 f-strings being lexed (their fields are recorded only at depth 1) */
  let fdepth = 0;

  const fail = (message: string, l: number, c: number, offset: number, kind: TokenizeErrorKind, at = offset, errorType?: TokenizeError['errorType']): void => {
    if (error) return;
    // inside an f-string, the stream keeps the f-string's token (its fields before the error are parsed): the cut
    // is made once the token is pushed
    cut = fdepth > 0 ? -2 : sn;
    error = { message, line: l, column: c, offset, at, kind };
    if (errorType) error.errorType = errorType;
    if (brackets.length > (inner ? 1 : 0)) {
      const b = brackets[brackets.length - 1]!;
      error.open = { ch: b.ch, line: b.line, column: b.col, offset: b.offset };
    }
    if (fdepth > 0) error.inFString = true;
  };
  const push = (t: Tok, s: number, e: number, code: number): void => {
    if (count === type.length) {
      bufs.type = type = grow(type);
      bufs.start = start = grow(start);
      bufs.end = end = grow(end);
    }
    type[count] = t;
    start[count] = s;
    end[count] = e;
    count++;
    if (line !== lastCodeLine) {
      lastCodeLine = line;
      codeLines++;
    }
    emit(code, s, e);
  };
  const emit = (code: number, s: number, e: number): void => {
    if (sn >= sc.length - 4) {
      bufs.sc = sc = grow(sc);
      bufs.ss = ss = grow(ss);
      bufs.se = se = grow(se);
    }
    sc[sn] = code;
    ss[sn] = s;
    se[sn] = e;
    sn++;
  };
  const newline = (at: number, width: number): void => {
    line++;
    lineStart = at + width;
    if (lineCount === lineStarts.length) bufs.lines = lineStarts = grow(lineStarts);
    lineStarts[lineCount++] = lineStart;
  };
  const closeLogical = (): void => {
    if (!current) return;
    current.end = count;
    if (current.end > current.first) {
      lines.push(current);
      emit(C.NEWLINE, end[count - 1]!, end[count - 1]!);
    }
    current = undefined;
  };
  const lineStartOf = (l: number): number => lineStarts[l - 1] ?? 0;
  /** line of the last character of the text (a final newline does not start a line) */
  const lastLine = (): number => (n > 0 && isEol(text.charCodeAt(n - 1)) ? line - 1 : line);

  /** Scan a string literal whose opening quote is at `p` (prefix already read); returns the offset after it. */
  const scanString = (p: number, s: number): number => {
    const q = text.charCodeAt(p);
    const sLine = line;
    const sCol = s - lineStart;
    const triple = text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q;
    p += triple ? 3 : 1;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === q) {
        if (!triple) return p + 1;
        if (text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q) return p + 3;
        p++;
      } else if (c === 92 /* \ */) {
        const d = text.charCodeAt(p + 1);
        if (d === 13 || d === 10) {
          const w = d === 13 && text.charCodeAt(p + 2) === 10 ? 2 : 1;
          newline(p + 1, w);
          p += 1 + w;
        } else p += 2;
      } else if (c === 10 || c === 13) {
        if (!triple) {
          unterminated(false, sLine, sCol, s);
          return p;
        }
        const w = c === 13 && text.charCodeAt(p + 1) === 10 ? 2 : 1;
        newline(p, w);
        p += w;
      } else p++;
    }
    if (triple) unterminated(true, sLine, sCol, s);
    else unterminated(false, sLine, sCol, s);
    return n;
  };

  /** An unterminated string at `s`: inside a PEP 701 f-string's field, one that opens with the f-string's own
   * quotes is its missing `}` (CPython's message). */
  const unterminated = (triple: boolean, sLine: number, sCol: number, s: number, fstring = false): void => {
    let p = s;
    while (text.charCodeAt(p) !== 34 && text.charCodeAt(p) !== 39) p++;
    const q = text.charCodeAt(p);
    if (!fstring && fdepth > 0 && fq === q && ftriple === triple) {
      fail("f-string: expecting '}'", sLine, p - (s - sCol), s, 'lexical');
      return;
    }
    const what = fstring ? 'f-string literal' : 'string literal';
    fail(
      triple ? `unterminated triple-quoted ${what} (detected at line ${lastLine()})` : `unterminated ${what} (detected at line ${sLine})`,
      sLine,
      sCol,
      s,
      'lexical',
    );
  };

  /** the PEP 701 f-string being lexed (its quote, triple-quoted, raw); saved and restored around nested ones */
  let fq = 0;
  let ftriple = false;
  let fraw = false;

  /**
   * A PEP 701 f-string whose opening quote is at `p` (prefix from `s`); returns the offset after it. Literal text,
   * `{{` and `}}`, and replacement fields, whose expressions are lexed as code (nested strings of any quotes,
   * brackets, comments, newlines). Records the fields of a top-level f-string for the parser.
   */
  const scanFString = (p: number, s: number, raw: boolean): number => {
    const q = text.charCodeAt(p);
    const sLine = line;
    const sCol = s - lineStart;
    const triple = text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q;
    p += triple ? 3 : 1;
    const outerQ = fq;
    const outerTriple = ftriple;
    const outerRaw = fraw;
    fq = q;
    ftriple = triple;
    fraw = raw;
    fdepth++;
    const r = fLiteral(p, false);
    fdepth--;
    fq = outerQ;
    ftriple = outerTriple;
    fraw = outerRaw;
    if (r >= 0) return r + (triple ? 3 : 1);
    if (!error) {
      unterminated(triple, sLine, sCol, s, true);
      // raised in CPython's f-string mode: an earlier parser error stands (3.12+)
      if (error) (error as TokenizeError).inFString = true;
    }
    return Math.min(-r - 1, n);
  };

  /** literal text of the current f-string (and of a format spec, `inSpec`): the offset of its closing quote (of
   * the `}` ending the spec), or -offset-1 where it failed */
  const fLiteral = (p: number, inSpec: boolean): number => {
    const q = fq;
    const triple = ftriple;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === q && (!triple || (text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q))) return inSpec ? -p - 1 : p;
      if (c === 92 /* \ */) {
        const d = text.charCodeAt(p + 1);
        if (d === 123 || d === 125) {
          p++; // `\{`: the brace is read next
          continue;
        }
        if (d === 13 || d === 10) {
          const w = d === 13 && text.charCodeAt(p + 2) === 10 ? 2 : 1;
          newline(p + 1, w);
          p += 1 + w;
          continue;
        }
        if (!fraw && d === 78 /* N */ && text.charCodeAt(p + 2) === 123) {
          // a named escape: its braces are not a field
          const close = text.indexOf('}', p + 3);
          const eol = nextEol(text, p + 3, n);
          p = close >= 0 && close < eol ? close + 1 : p + 3;
          continue;
        }
        p += 2;
        continue;
      }
      if (c === 10 || c === 13) {
        if (!triple && !inSpec) return -p - 1;
        const w = c === 13 && text.charCodeAt(p + 1) === 10 ? 2 : 1;
        newline(p, w);
        p += w;
        continue;
      }
      if (c === 123 /* { */) {
        if (text.charCodeAt(p + 1) === 123 && !inSpec) {
          p += 2;
          continue;
        }
        p = fField(p);
        if (p < 0) return p;
        continue;
      }
      if (c === 125 /* } */) {
        if (inSpec) return p;
        if (text.charCodeAt(p + 1) === 125) {
          p += 2;
          continue;
        }
        fail("f-string: single '}' is not allowed", line, p - lineStart, p, 'lexical');
        return -p - 1;
      }
      p++;
    }
    return -n - 1;
  };

  /** a replacement field from its `{` at `p`: returns the offset after its `}` (negative: failed there) */
  const fField = (p: number): number => {
    const openLine = line;
    const openCol = p - lineStart;
    const openAt = p;
    const record = fdepth === 1 && !error;
    const slot = fieldCount;
    if (record) {
      if ((fieldCount + 1) * FIELD_STRIDE > fields.length) bufs.fields = fields = grow(fields);
      const b = fieldCount * FIELD_STRIDE;
      fields[b] = p + 1;
      fields[b + 1] = -1;
      fields[b + 2] = -1;
      fields[b + 3] = -1;
      fields[b + 4] = -1;
      fieldCount++;
    }
    const b = slot * FIELD_STRIDE;
    p++;
    let depth = 0;
    let exprEnd = -1;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c < 128 && ASCII_NAME[c] === 1 && !isDigit(c)) {
        const s0 = p;
        while (p < n && text.charCodeAt(p) < 128 && ASCII_NAME[text.charCodeAt(p)] === 1) p++;
        const nc = text.charCodeAt(p);
        if (nc >= 0x80) {
          p = s0;
        } else {
          if ((nc === 34 || nc === 39) && p - s0 <= 2 && STRING_PREFIXES.has(text.slice(s0, p).toLowerCase())) {
            p = stringAt(s0, p);
            if (error) return -p - 1;
          }
          continue;
        }
      }
      if (c === 32 || c === 9 || c === 12) {
        p++;
      } else if (c === 10 || c === 13) {
        const w = c === 13 && text.charCodeAt(p + 1) === 10 ? 2 : 1;
        newline(p, w);
        p += w;
      } else if (c === 35 /* # */) {
        p = nextEol(text, p, n);
      } else if (c === 92 /* \ */) {
        const d = text.charCodeAt(p + 1);
        if (!isEol(d)) {
          fail('unexpected character after line continuation character', line, p - lineStart + 1, p, 'plain');
          return -p - 1;
        }
        const w = d === 13 && text.charCodeAt(p + 2) === 10 ? 2 : 1;
        newline(p + 1, w);
        p += 1 + w;
      } else if (c === 34 || c === 39) {
        p = stringAt(p, p);
        if (error) return -p - 1;
      } else if (c < 0x80 ? isIdentStart(c) : unicodeIdentWidth(text, p, true) > 0) {
        const s0 = p;
        p += c < 0x80 ? 1 : unicodeIdentWidth(text, p, true);
        p = nameTail(p);
        const nc = text.charCodeAt(p);
        if ((nc === 34 || nc === 39) && p - s0 <= 2 && STRING_PREFIXES.has(text.slice(s0, p).toLowerCase())) {
          p = stringAt(s0, p);
          if (error) return -p - 1;
        }
      } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(p + 1)))) {
        const r = scanNumber(text, p, n);
        if (r.error) {
          fail(r.error, line, r.errorAt - lineStart, r.errorAt, 'lexical');
          return -p - 1;
        }
        p = r.end;
      } else if (c === 40 || c === 91 || c === 123) {
        depth++;
        p++;
      } else if (c === 41 || c === 93) {
        if (depth === 0) {
          fail(`f-string: unmatched '${String.fromCharCode(c)}'`, line, p - lineStart, p, 'lexical');
          return -p - 1;
        }
        depth--;
        p++;
      } else if (c === 125 /* } */) {
        if (depth > 0) {
          depth--;
          p++;
          continue;
        }
        if (record) {
          if (exprEnd < 0) fields[b + 1] = p;
          fields[b + 4] = p;
        }
        return p + 1;
      } else if (c === 33 /* ! */ && depth === 0 && text.charCodeAt(p + 1) !== 61) {
        if (record && exprEnd < 0) {
          fields[b + 1] = p;
          fields[b + 2] = p;
        }
        if (exprEnd < 0) exprEnd = p;
        p++;
      } else if (c === 58 /* : */ && depth === 0) {
        if (record) {
          if (exprEnd < 0) fields[b + 1] = p;
          fields[b + 3] = p;
        }
        if (exprEnd < 0) exprEnd = p;
        // the format spec: literal text and nested fields, up to this field's `}`
        const r = fLiteral(p + 1, true);
        if (r < 0) {
          if (!error) fail("f-string: expecting '}'", line, -r - 1 - lineStart, -r - 1, 'lexical');
          return r;
        }
        if (record) fields[b + 4] = r;
        return r + 1;
      } else if (c < 0x80) {
        const len = opLength(text, p, c);
        p += len || 1;
      } else {
        const cp = text.codePointAt(p)!;
        fail(`invalid character '${String.fromCodePoint(cp)}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`, line, p - lineStart, p, 'lexical');
        return -p - 1;
      }
    }
    // end of the file inside the field: CPython's bracket error
    fail("'{' was never closed", openLine, openCol, openAt, 'unclosed', n);
    return -n - 1;
  };

  /** whether the last string stringAt read is an f-string */
  let lastF = false;
  /** a string (any prefix from `s`, quote at `p`) */
  const stringAt = (s: number, p: number): number => {
    let f = false;
    let raw = false;
    for (let k = s; k < p; k++) {
      const c = text.charCodeAt(k) | 32;
      if (c === 102) f = true;
      else if (c === 114) raw = true;
    }
    const r = f && pep701 ? scanFString(p, s, raw) : scanString(p, s);
    lastF = f;
    return r;
  };

  const nameTail = (p: number): number => {
    for (;;) {
      let d = text.charCodeAt(p);
      while (d < 128 && ASCII_NAME[d] === 1) d = text.charCodeAt(++p);
      if (!(d >= 0x80) || p >= n) return p;
      const w = unicodeIdentWidth(text, p, false);
      if (w === 0) return p; // not part of a name: the operator branch reports it
      p += w;
    }
  };

  if (inner && opts.wrap) emit(C.LPAR, pos - 1, pos);
  while (pos < n) {
    spend();
    if (atLineStart && brackets.length === 0) {
      // measure indentation
      // spaces first (nearly every line), then tabs and form feeds if any
      let p = pos;
      while (text.charCodeAt(p) === 32) p++;
      let col = p - pos;
      let col1 = col;
      // a continuation `\` in the indentation: the first one sets the indentation of what follows (CPython)
      let contCol = -1;
      let contCol1 = -1;
      for (;;) {
        const c = text.charCodeAt(p);
        if (c === 32) {
          col++;
          col1++;
        } else if (c === 9) {
          col = (Math.floor(col / 8) + 1) * 8;
          col1++;
        } else if (c === 12) {
          col = 0;
          col1 = 0;
        } else if (c === 92 && isEol(text.charCodeAt(p + 1))) {
          if (contCol < 0) {
            contCol = col;
            contCol1 = col1;
          }
          const w = text.charCodeAt(p + 1) === 13 && text.charCodeAt(p + 2) === 10 ? 2 : 1;
          newline(p + 1, w);
          p += w;
          if (p + 1 >= n) {
            pos = p + 1;
            fail('unexpected EOF while parsing', line - 1, 0, pos, 'plain');
            break;
          }
        } else break;
        p++;
      }
      if (contCol >= 0) {
        col = contCol;
        col1 = contCol1;
      }
      const c = text.charCodeAt(p);
      if (p >= n || c === 10 || c === 13 || c === 35 /* # */) {
        // blank or comment-only line: no logical line, no indentation change
        pos = p;
        atLineStart = false;
        continue;
      }
      atLineStart = false;
      pos = p;
      // CPython reports an indentation error of a line continued from a `\`-only line where the code is
      const errLine = line;
      const top = indents[indents.length - 1]!;
      const top1 = indents1[indents1.length - 1]!;
      if (col > top) {
        // an indent the grammar does not expect is the parser's error ("unexpected indent")
        if (indents.length >= MAX_INDENT) fail('too many levels of indentation', errLine, 0, lineStart, 'plain', lineStart, 'IndentationError');
        else if (col1 <= top1) fail('inconsistent use of tabs and spaces in indentation', errLine, 0, lineStart, 'plain', lineStart, 'TabError');
        indents.push(col);
        indents1.push(col1);
        emit(C.INDENT, pos, pos);
      } else {
        let dedents = 0;
        while (indents.length > 1 && indents[indents.length - 1]! > col) {
          indents.pop();
          indents1.pop();
          dedents++;
        }
        if (indents[indents.length - 1] !== col) {
          fail('unindent does not match any outer indentation level', errLine, pos - lineStart, lineStart, 'plain', lineStart, 'IndentationError');
        } else if (indents1[indents1.length - 1] !== col1) {
          fail('inconsistent use of tabs and spaces in indentation', errLine, 0, lineStart, 'plain', lineStart, 'TabError');
        }
        // (after the check: CPython raises the error before the dedents)
        for (; dedents > 0; dedents--) emit(C.DEDENT, pos, pos);
      }
      current = { first: count, end: count, indent: col, line };
      continue;
    }

    const c = text.charCodeAt(pos);
    if (c === 32 || c === 9 || c === 12) {
      pos++;
    } else if (c === 10 || c === 13) {
      const w = c === 13 && text.charCodeAt(pos + 1) === 10 ? 2 : 1;
      newline(pos, w);
      pos += w;
      if (brackets.length === 0) {
        closeLogical();
        atLineStart = true;
      }
    } else if (c === 35 /* # */) {
      if (commentCount === commentStart.length) {
        bufs.commentStart = commentStart = grow(commentStart);
        bufs.commentEnd = commentEnd = grow(commentEnd);
      }
      commentStart[commentCount] = pos;
      if (noCR && !inner) {
        const nl = text.indexOf('\n', pos);
        pos = nl < 0 ? n : nl;
      } else while (pos < n && !isEol(text.charCodeAt(pos))) pos++;
      commentEnd[commentCount++] = pos;
    } else if (c === 92 /* \ */) {
      const d = text.charCodeAt(pos + 1);
      if (isEol(d)) {
        const w = d === 13 && text.charCodeAt(pos + 2) === 10 ? 2 : 1;
        newline(pos + 1, w);
        pos += 1 + w;
        if (pos >= n && brackets.length === 0) fail('unexpected EOF while parsing', line - 1, pos - w - 1 - lineStartOf(line - 1), pos, 'plain');
      } else {
        fail('unexpected character after line continuation character', line, pos - lineStart + 1, pos, 'plain');
        pos++;
      }
    } else if (c < 0x80 ? isIdentStart(c) : unicodeIdentWidth(text, pos, true) > 0) {
      const s = pos;
      pos += c < 0x80 ? 1 : unicodeIdentWidth(text, pos, true);
      for (;;) {
        let d = text.charCodeAt(pos);
        while (d < 128 && ASCII_NAME[d] === 1) d = text.charCodeAt(++pos);
        if (!(d >= 0x80) || pos >= n) break;
        const w = unicodeIdentWidth(text, pos, false);
        if (w === 0) break; // not part of a name: the operator branch reports it
        pos += w;
      }
      const q = text.charCodeAt(pos);
      if ((q === 34 || q === 39) && pos - s <= 2 && STRING_PREFIXES.has(text.slice(s, pos).toLowerCase())) {
        pos = stringAt(s, pos);
        push(Tok.String, s, pos, lastF ? C.FSTRING : C.STRING);
        if (cut === -2) cut = sn;
        continue;
      }
      push(Tok.Name, s, pos, nameCode(text, s, pos - s));
    } else if (c === 34 || c === 39) {
      const s = pos;
      pos = scanString(pos, pos);
      push(Tok.String, s, pos, C.STRING);
    } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(pos + 1)))) {
      const s = pos;
      // the common case, a plain integer (`0` or no leading zero) followed by no name character, `.`, `_`, `e` or `j`
      let p = pos;
      while (isDigit(text.charCodeAt(p))) p++;
      const d = text.charCodeAt(p);
      if (c !== 46 && (c !== 48 || p === pos + 1) && !(d < 128 ? ASCII_NAME[d] === 1 || d === 46 : d >= 0x80 && p < n)) {
        pos = p;
      } else {
        const r = scanNumber(text, pos, n);
        if (r.error) fail(r.error, line, r.errorAt - lineStart, s, 'lexical');
        pos = r.end;
      }
      push(Tok.Number, s, pos, C.NUMBER);
    } else {
      const col = pos - lineStart;
      const len = c < 0x80 ? opLength(text, pos, c) : 0;
      if (len === 0) {
        if (c >= 0x80 || c < 32 || c === 127) {
          // a character no token can hold: CPython's tokenizer error
          const cp = text.codePointAt(pos)!;
          const hex = cp.toString(16).toUpperCase().padStart(4, '0');
          const printable = cp >= 0x80 && !/^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]$/u.test(String.fromCodePoint(cp));
          if (printable) fail(`invalid character '${String.fromCodePoint(cp)}' (U+${hex})`, line, col, pos, 'lexical');
          else fail(`invalid non-printable character U+${hex}`, line, col, pos, cp >= 0x80 ? 'lexical' : 'plain');
          pos += cp > 0xffff ? 2 : 1;
          continue;
        }
        // `$`, `?`, a backtick, `!` alone: an operator no rule takes (the parser's "invalid syntax")
        push(Tok.Op, pos, pos + 1, opCode(text, pos, 1));
        pos++;
        continue;
      }
      if (len === 1) {
        if (c === 59 /* ; */ && current && brackets.length === 0) current.semi = true;
        if (c === 40 || c === 91 || c === 123) {
          if (brackets.length >= MAX_LEVEL) fail('too many nested parentheses', line, col, pos, 'lexical');
          brackets.push({ ch: String.fromCharCode(c), line, col, offset: pos });
        } else if (c === 41 || c === 93 || c === 125) {
          const op = String.fromCharCode(c);
          const open = brackets.length > (inner ? 1 : 0) ? brackets.pop() : undefined;
          if (!open) fail(`unmatched '${op}'`, line, col, pos, 'lexical');
          else if (open.ch !== OPENERS[op]) {
            fail(
              `closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'${open.line !== line ? ` on line ${open.line}` : ''}`,
              line,
              col,
              pos,
              'lexical',
            );
          }
        }
      }
      push(Tok.Op, pos, pos + len, opCode(text, pos, len));
      pos += len;
    }
  }
  if (brackets.length > (inner ? 1 : 0)) {
    const open = brackets[brackets.length - 1]!;
    fail(`'${open.ch}' was never closed`, open.line, open.col, open.offset, 'unclosed', n);
  }
  closeLogical();
  // the end of the stream: the dedents still open and ENDMARKER, or the tokenizer's error where it cut
  if (inner && opts.wrap) emit(C.RPAR, n, n + 1);
  for (let k = indents.length - 1; k > 0; k--) emit(C.DEDENT, n, n);
  emit(C.END, n, n);
  if (error) {
    sn = cut;
    const at = Math.min((error as TokenizeError).at, n);
    emit(C.ERROR, at, at);
  }
  // sentinels: a lookahead past the end reads the last token again
  for (let k = 0; k < 3; k++) {
    sc[sn + k] = sc[sn - 1]!;
    ss[sn + k] = ss[sn - 1]!;
    se[sn + k] = se[sn - 1]!;
  }
  const stream = { c: sc, s: ss, e: se, n: sn };
  return { text, count, type, start, end, lineStarts, lineCount, commentStart, commentEnd, commentCount, codeLines, lines, error, fields, fieldCount, minor, stream };
}

/** The text of token i. */
export function tokText(t: Tokens, i: number): string {
  return t.text.slice(t.start[i]!, t.end[i]!);
}

export function isOp(t: Tokens, i: number, op: string): boolean {
  return t.type[i] === Tok.Op && t.end[i]! - t.start[i]! === op.length && t.text.startsWith(op, t.start[i]!);
}

/** The character of token i when it is a one-character operator (`=`, `:`, `(`), else 0. */
export function op1(t: Tokens, i: number): number {
  return t.type[i] === Tok.Op && t.end[i]! - t.start[i]! === 1 ? t.text.charCodeAt(t.start[i]!) : 0;
}

/** The first one-character operator `ch` (a character code) in tokens [a, b) outside brackets, or -1: the `=` of
 * an assignment or a default, the `:` before an annotation. */
export function topLevelOp(t: Tokens, a: number, b: number, ch: number): number {
  for (let i = a, depth = 0; i < b; i++) {
    const c = op1(t, i);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) depth--;
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}

export function isName(t: Tokens, i: number, name: string): boolean {
  return t.type[i] === Tok.Name && t.end[i]! - t.start[i]! === name.length && t.text.startsWith(name, t.start[i]!);
}

/** The dotted name at token i (`a.b.c`; a trailing dot is not part of it) and the index after it, within [i, b). */
export function dottedAt(t: Tokens, i: number, b: number): { name: string; next: number } {
  if (i >= b || t.type[i] !== Tok.Name) return { name: '', next: i };
  let name = tokText(t, i);
  while (i + 2 < b && isOp(t, i + 1, '.') && t.type[i + 2] === Tok.Name) {
    i += 2;
    name += `.${tokText(t, i)}`;
  }
  return { name, next: i + 1 };
}

/** 1-based line and 0-based column of an offset. */
export function position(toks: Tokens, offset: number): { line: number; column: number } {
  return positionIn(toks.lineStarts, toks.lineCount, offset);
}

const XID_START = /^\p{XID_Start}$/u;
const XID_CONTINUE = /^\p{XID_Continue}$/u;
/** code point → 1 (XID_Start), 2 (XID_Continue only), 0 (neither); non-ASCII characters outside strings and
 * comments are rare, so each is tested once per process */
const unicodeIdentCache = new Map<number, number>();

/** The width in UTF-16 units of the non-ASCII character at `pos` if a Python name may start (`start`) or go on
 * with it, else 0 (then it is an invalid character, like `→` or an emoji outside a string). */
function unicodeIdentWidth(text: string, pos: number, start: boolean): number {
  const cp = text.codePointAt(pos)!;
  let kind = unicodeIdentCache.get(cp);
  if (kind === undefined) {
    const ch = String.fromCodePoint(cp);
    kind = XID_START.test(ch) ? 1 : XID_CONTINUE.test(ch) ? 2 : 0;
    unicodeIdentCache.set(cp, kind);
  }
  if (kind === 0 || (start && kind === 2)) return 0;
  return cp > 0xffff ? 2 : 1;
}

/**
 * The length of the operator or delimiter at `pos` whose first character is `c` (0: not one). Python's operators
 * are at most three characters; `!` alone and `$`, `?`, backticks are not operators.
 */
function opLength(text: string, pos: number, c: number): number {
  const d = text.charCodeAt(pos + 1);
  switch (c) {
    case 40: case 41: case 91: case 93: case 123: case 125: case 44: case 59: case 126: // ( ) [ ] { } , ; ~
      return 1;
    case 46: // . ...
      return d === 46 && text.charCodeAt(pos + 2) === 46 ? 3 : 1;
    case 58: // : :=
    case 61: // = ==
    case 43: case 37: case 64: case 38: case 124: case 94: // + % @ & | ^ and their augmented forms
      return d === 61 ? 2 : 1;
    case 33: // !=
      return d === 61 ? 2 : 0;
    case 45: // - -= ->
      return d === 61 || d === 62 ? 2 : 1;
    case 60: // < << <<= <= <>
      if (d === 60) return text.charCodeAt(pos + 2) === 61 ? 3 : 2;
      return d === 61 || d === 62 ? 2 : 1;
    case 42: case 47: case 62: // * ** **= / // //= > >> >>= >=
      if (d === c) return text.charCodeAt(pos + 2) === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    default:
      return 0;
  }
}

function isEol(c: number): boolean {
  return c === 10 || c === 13;
}

function nextEol(text: string, p: number, n: number): number {
  while (p < n && !isEol(text.charCodeAt(p))) p++;
  return p;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** a character that may continue a name: what may not follow a number (CPython's is_potential_identifier_char) */
function identLike(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || isDigit(c) || c >= 128;
}

/**
 * A number literal at `pos`, as CPython's tokenizer reads it: its end, or the error it raises (with the offset it
 * points at). A keyword glued to a number (`1if x else y`) ends the number: only a warning in CPython.
 */
export function scanNumber(text: string, pos: number, n = text.length): { end: number; error?: string; errorAt: number } {
  let p = pos;
  const at = (i: number): number => (i < n ? text.charCodeAt(i) : -1);
  const err = (message: string, where: number): { end: number; error: string; errorAt: number } => {
    let e = where;
    while (e < n && identLike(text.charCodeAt(e))) e++;
    return { end: Math.max(e, where + 1), error: message, errorAt: where };
  };
  /** verify_end_of_number: a keyword that may follow a number in valid code ends it; any other name char is an error */
  const endOf = (p: number, kind: string): { end: number; error?: string; errorAt: number } => {
    const c = at(p);
    const follows = (s: string): boolean => text.startsWith(s, p);
    const keyword =
      (c === 97 && follows('and')) ||
      (c === 101 && follows('else')) ||
      (c === 102 && follows('for')) ||
      (c === 105 && (at(p + 1) === 102 || at(p + 1) === 110 || at(p + 1) === 115)) ||
      (c === 111 && follows('or')) ||
      (c === 110 && follows('not'));
    if (!keyword && c >= 0 && identLike(c)) return err(`invalid ${kind} literal`, p);
    return { end: p, errorAt: -1 };
  };
  /** digits and single underscores between digits (tok_decimal_tail); -1-position on a bad underscore */
  const decimalTail = (p: number): number => {
    for (;;) {
      while (isDigit(at(p))) p++;
      if (at(p) !== 95) return p;
      if (!isDigit(at(p + 1))) return -(p + 1) - 1;
      p++;
    }
  };
  const fraction = (p: number): { end: number; error?: string; errorAt: number } => {
    if (isDigit(at(p))) {
      p = decimalTail(p);
      if (p < 0) return err('invalid decimal literal', -p - 1);
    }
    return exponent(p);
  };
  const exponent = (p: number): { end: number; error?: string; errorAt: number } => {
    let c = at(p);
    if (c === 101 || c === 69) {
      const e = p;
      p++;
      c = at(p);
      if (c === 43 || c === 45) {
        p++;
        if (!isDigit(at(p))) return err('invalid decimal literal', p);
      } else if (!isDigit(c)) {
        // `1else`: the number ends before the `e`
        const r = endOf(e, 'decimal');
        return r.error ? r : { end: e, errorAt: -1 };
      }
      p = decimalTail(p);
      if (p < 0) return err('invalid decimal literal', -p - 1);
      c = at(p);
    }
    if (c === 106 || c === 74) return endOf(p + 1, 'imaginary');
    return endOf(p, 'decimal');
  };

  const c0 = at(p);
  if (c0 === 46) return fraction(p + 1);
  if (c0 === 48) {
    p++;
    const c = at(p);
    if (c === 120 || c === 88 || c === 111 || c === 79 || c === 98 || c === 66) {
      const kind = c === 120 || c === 88 ? 'hexadecimal' : c === 111 || c === 79 ? 'octal' : 'binary';
      const ok = kind === 'hexadecimal' ? isHex : kind === 'octal' ? (d: number) => d >= 48 && d <= 55 : (d: number) => d === 48 || d === 49;
      p++;
      do {
        if (at(p) === 95) p++;
        const d = at(p);
        if (!ok(d)) {
          if (kind !== 'hexadecimal' && isDigit(d)) return err(`invalid digit '${String.fromCharCode(d)}' in ${kind} literal`, p);
          return err(`invalid ${kind} literal`, p);
        }
        while (ok(at(p))) p++;
      } while (at(p) === 95);
      if (kind !== 'hexadecimal' && isDigit(at(p))) return err(`invalid digit '${String.fromCharCode(at(p))}' in ${kind} literal`, p);
      return endOf(p, kind);
    }
    // zeros, maybe an old-style octal
    let nonzero = false;
    for (;;) {
      if (at(p) === 95) {
        p++;
        if (!isDigit(at(p))) return err('invalid decimal literal', p);
      }
      if (at(p) !== 48) break;
      p++;
    }
    const zerosEnd = p;
    if (isDigit(at(p))) {
      nonzero = true;
      p = decimalTail(p);
      if (p < 0) return err('invalid decimal literal', -p - 1);
    }
    const d = at(p);
    if (d === 46) return fraction(p + 1);
    if (d === 101 || d === 69 || d === 106 || d === 74) return exponent(p);
    if (nonzero) {
      const r = err('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', pos);
      return { ...r, end: Math.max(r.end, zerosEnd) };
    }
    return endOf(p, 'decimal');
  }
  p = decimalTail(p);
  if (p < 0) return err('invalid decimal literal', -p - 1);
  if (at(p) === 46) return fraction(p + 1);
  return exponent(p);
}

/** The value of a plain string literal token (`'a.b'`, `"a.b"`, `r'a.b'`), or undefined for f/b-strings,
 * strings with escapes, and implicit concatenations. */
export function plainStringValue(tok: string): string | undefined {
  let i = 0;
  while (i < tok.length && tok[i] !== '"' && tok[i] !== "'") i++;
  const prefix = tok.slice(0, i).toLowerCase();
  if (prefix.includes('f') || prefix.includes('b')) return undefined;
  const q = tok[i]!;
  const triple = tok.startsWith(q.repeat(3), i);
  const w = triple ? 3 : 1;
  if (tok.length < i + 2 * w) return undefined;
  const body = tok.slice(i + w, tok.length - w);
  if (!prefix.includes('r') && body.includes('\\')) return undefined;
  return body;
}
