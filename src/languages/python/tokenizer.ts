/**
 * A purpose-built Python tokenizer: strings (every prefix, triple quotes, PEP 701 f-strings with nested quotes),
 * comments, brackets, line continuations, logical lines and indentation. It is what lets comply read 200 MB of
 * Python in a second or two instead of the 40 s a full grammar costs (README, "Python parser").
 *
 * It also reports the syntax errors a tokenizer can see (unterminated strings, unbalanced brackets, bad
 * indentation, tabs mixed inconsistently, invalid characters, Python 2 numbers). Statement-level errors are found
 * by the extractor. `scripts/python-differential.mjs` checks both against CPython's own `ast` module.
 *
 * Tokens are kept in parallel number arrays (no object per token); their text is sliced from the source on demand.
 */

import { positionIn } from '../../util/text.js';
import { spend } from '../budget.js';

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
  /** indentation width with tabs to multiples of 8, and with tabs as 1 (for CPython's TabError check) */
  indent: number;
  line: number;
  /** a `;` separates statements on it */
  semi?: boolean;
}

export interface TokenizeError {
  message: string;
  line: number;
  column: number;
  /** offset in the source; the extractor keeps only facts that start before it */
  offset: number;
  /** raised by CPython's own tokenizer (strings, brackets, numbers, non-ASCII characters): CPython reports it even
   * when the parser failed earlier in the file, since it tokenizes the rest of the file then. The other errors
   * are the parser's, and the first in the file wins. */
  lexical?: boolean;
}

/**
 * Valid until the next call of tokenize(): the arrays are reused across files (extraction is synchronous), which
 * keeps a scan of thousands of files from allocating and collecting millions of array slots.
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
}

const STRING_PREFIXES = new Set(['r', 'u', 'b', 'br', 'rb', 'f', 'fr', 'rf']);
const OPENERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

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

let typeBuf = new Uint8Array(1 << 16);
let startBuf = new Int32Array(1 << 16);
let endBuf = new Int32Array(1 << 16);
let lineBuf = new Int32Array(1 << 14);
let commentStartBuf = new Int32Array(1 << 12);
let commentEndBuf = new Int32Array(1 << 12);

function grow<T extends Uint8Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

export function tokenize(text: string): Tokens {
  const n = text.length;
  // without a carriage return in the file, a comment ends at the next '\n' (found natively)
  const noCR = text.indexOf('\r') < 0;
  let type = typeBuf;
  let start = startBuf;
  let end = endBuf;
  let lineStarts = lineBuf;
  let count = 0;
  let lineCount = 1;
  let commentStart = commentStartBuf;
  let commentEnd = commentEndBuf;
  let commentCount = 0;
  let codeLines = 0;
  let lastCodeLine = 0;
  lineStarts[0] = 0;
  const lines: LogicalLine[] = [];
  let error: TokenizeError | undefined;

  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = 0;
  const brackets: { ch: string; line: number; col: number; offset: number }[] = [];
  let atLineStart = true;
  let current: LogicalLine | undefined;
  // indentation stack (tabsize 8 and tabsize 1)
  const indents: number[] = [0];
  const indents1: number[] = [0];
  let expectIndent = false;
  let expectIndentLine = 0;

  const fail = (message: string, l: number, c: number, offset: number, lexical = false): void => {
    if (!error) error = lexical ? { message, line: l, column: c, offset, lexical } : { message, line: l, column: c, offset };
  };
  const push = (t: Tok, s: number, e: number): void => {
    if (count === type.length) {
      typeBuf = type = grow(type);
      startBuf = start = grow(start);
      endBuf = end = grow(end);
    }
    type[count] = t;
    start[count] = s;
    end[count] = e;
    count++;
    if (line !== lastCodeLine) {
      lastCodeLine = line;
      codeLines++;
    }
  };
  const newline = (at: number, width: number): void => {
    line++;
    lineStart = at + width;
    if (lineCount === lineStarts.length) lineBuf = lineStarts = grow(lineStarts);
    lineStarts[lineCount++] = lineStart;
  };
  const closeLogical = (): void => {
    if (!current) return;
    current.end = count;
    const lastTok = current.end - 1;
    expectIndent = lastTok >= current.first && type[lastTok] === Tok.Op && text.charCodeAt(start[lastTok]!) === 58 && end[lastTok]! - start[lastTok]! === 1;
    expectIndentLine = current.line;
    lines.push(current);
    current = undefined;
  };

  /** Scan a string literal whose opening quote is at `p`; returns the offset after it. */
  const scanString = (p: number, fstring: boolean, raw: boolean): number => {
    const q = text.charCodeAt(p);
    const sLine = line;
    const sCol = p - lineStart;
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
          fail(`unterminated string literal (detected at line ${sLine})`, sLine, sCol, p, true);
          return p;
        }
        const w = c === 13 && text.charCodeAt(p + 1) === 10 ? 2 : 1;
        newline(p, w);
        p += w;
      } else if (fstring && c === 123 /* { */) {
        if (text.charCodeAt(p + 1) === 123) p += 2;
        else p = scanField(p + 1, q, triple);
      } else p++;
    }
    const lastLine = n > 0 && isEol(text.charCodeAt(n - 1)) ? line - 1 : line;
    fail(
      triple ? `unterminated triple-quoted string literal (detected at line ${lastLine})` : `unterminated string literal (detected at line ${sLine})`,
      sLine,
      sCol,
      p,
      true,
    );
    return n;
  };

  /** Scan an f-string replacement field after its `{`; returns the offset after its `}`. */
  const scanField = (p: number, q: number, triple: boolean): number => {
    let depth = 0;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === 10 || c === 13) {
        const w = c === 13 && text.charCodeAt(p + 1) === 10 ? 2 : 1;
        newline(p, w);
        p += w;
        continue;
      }
      if (c === 34 || c === 39) {
        if (c === q && !triple && depth === 0) return p; // the enclosing string ends: let it close
        p = scanPrefixedString(p, p);
        continue;
      }
      if (isIdentStart(c)) {
        const s = p;
        while (p < n && isIdentChar(text.charCodeAt(p))) p++;
        const nc = text.charCodeAt(p);
        if ((nc === 34 || nc === 39) && STRING_PREFIXES.has(text.slice(s, p).toLowerCase())) p = scanPrefixedString(s, p);
        continue;
      }
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93) depth--;
      else if (c === 125 /* } */) {
        if (depth === 0) return p + 1;
        depth--;
      } else if (c === 58 /* : */ && depth === 0) {
        // format spec: literal text with nested fields, up to the closing brace
        p++;
        while (p < n) {
          const d = text.charCodeAt(p);
          if (d === 125) return p + 1;
          if (d === 123) p = scanField(p + 1, q, triple);
          else if (d === q && !triple) return p;
          else if (d === 10 || d === 13) {
            if (!triple) return p;
            const w = d === 13 && text.charCodeAt(p + 1) === 10 ? 2 : 1;
            newline(p, w);
            p += w;
          } else p++;
        }
        return p;
      }
      p++;
    }
    return p;
  };

  /** `s` is where the prefix starts, `p` the quote. */
  const scanPrefixedString = (s: number, p: number): number => {
    const prefix = text.slice(s, p).toLowerCase();
    return scanString(p, prefix.includes('f'), prefix.includes('r'));
  };

  while (pos < n) {
    spend();
    if (atLineStart && brackets.length === 0) {
      // measure indentation
      // spaces first (nearly every line), then tabs and form feeds if any
      let p = pos;
      while (text.charCodeAt(p) === 32) p++;
      let col = p - pos;
      let col1 = col;
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
        } else break;
        p++;
      }
      const c = text.charCodeAt(p);
      if (p >= n || c === 10 || c === 13 || c === 35 /* # */ || (c === 92 && isEol(text.charCodeAt(p + 1)))) {
        // blank or comment-only line: no logical line, no indentation change
        pos = p;
        atLineStart = false;
        if (c === 92) {
          // a lone continuation at the start of a line joins the next one; treat as blank
          const w = text.charCodeAt(p + 1) === 13 && text.charCodeAt(p + 2) === 10 ? 2 : 1;
          newline(p + 1, w);
          pos = p + 1 + w;
          atLineStart = true;
        }
        continue;
      }
      atLineStart = false;
      pos = p;
      const top = indents[indents.length - 1]!;
      const top1 = indents1[indents1.length - 1]!;
      const here = pos - lineStart;
      if (col > top) {
        if (!expectIndent) fail('unexpected indent', line, here, pos);
        else if (col1 <= top1) fail('inconsistent use of tabs and spaces in indentation', line, here, pos);
        indents.push(col);
        indents1.push(col1);
      } else {
        if (expectIndent) fail(`expected an indented block after line ${expectIndentLine}`, line, here, pos);
        while (indents.length > 1 && indents[indents.length - 1]! > col) {
          indents.pop();
          indents1.pop();
        }
        if (indents[indents.length - 1] !== col) fail('unindent does not match any outer indentation level', line, here, pos);
        else if (indents1[indents1.length - 1] !== col1) fail('inconsistent use of tabs and spaces in indentation', line, here, pos);
      }
      expectIndent = false;
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
        commentStartBuf = commentStart = grow(commentStart);
        commentEndBuf = commentEnd = grow(commentEnd);
      }
      commentStart[commentCount] = pos;
      if (noCR) {
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
        if (pos >= n) fail('unexpected EOF while parsing', line, 0, pos);
      } else {
        fail('unexpected character after line continuation character', line, pos - lineStart, pos);
        pos++;
      }
    } else if (c < 0x80 ? isIdentStart(c) : unicodeIdentWidth(text, pos, true) > 0) {
      const s = pos;
      const l = line;
      const col = pos - lineStart;
      pos += c < 0x80 ? 1 : unicodeIdentWidth(text, pos, true);
      for (;;) {
        let d = text.charCodeAt(pos);
        while (d < 128 && ASCII_NAME[d] === 1) d = text.charCodeAt(++pos);
        if (!(d >= 0x80)) break;
        const w = unicodeIdentWidth(text, pos, false);
        if (w === 0) break; // not part of a name: the operator branch reports it
        pos += w;
      }
      const q = text.charCodeAt(pos);
      if ((q === 34 || q === 39) && pos - s <= 2) {
        const prefix = text.slice(s, pos).toLowerCase();
        if (STRING_PREFIXES.has(prefix)) {
          pos = scanPrefixedString(s, pos);
          push(Tok.String, s, pos);
          continue;
        }
        if (prefix === 'ur') fail('invalid syntax: the "ur" string prefix is Python 2 only', l, col, s);
      }
      push(Tok.Name, s, pos);
    } else if (c === 34 || c === 39) {
      const s = pos;
      pos = scanString(pos, false, false);
      push(Tok.String, s, pos);
    } else if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(pos + 1)))) {
      const s = pos;
      pos = scanNumber(text, pos);
      const last = text.charCodeAt(pos - 1) | 32;
      const num = c === 48 || last === 108 ? text.slice(s, pos) : '';
      if (c === 48 && /^0[0-9_]*[1-9]/.test(num) && /^[0-9_]+$/.test(num)) {
        fail('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', line, s - lineStart, s, true);
      } else if (last === 108 && /^[0-9][0-9a-fA-FxXoObB_]*[lL]$/.test(num)) {
        fail('invalid decimal literal (Python 2 long suffix)', line, s - lineStart, s, true);
      }
      push(Tok.Number, s, pos);
    } else {
      const col = pos - lineStart;
      const len = opLength(text, pos, c);
      if (len === 0) {
        const ch = String.fromCodePoint(text.codePointAt(pos)!);
        const shown = ch === '`' ? 'invalid character \'`\' (backticks are Python 2 repr)' : `invalid character '${ch === '\0' ? '\\0' : ch}' (U+${text.codePointAt(pos)!.toString(16).toUpperCase().padStart(4, '0')})`;
        fail(shown, line, col, pos, ch.charCodeAt(0) >= 0x80);
        pos += ch.length;
        continue;
      }
      if (len === 1) {
        if (c === 59 /* ; */ && current && brackets.length === 0) current.semi = true;
        if (c === 40 || c === 91 || c === 123) brackets.push({ ch: String.fromCharCode(c), line, col, offset: pos });
        else if (c === 41 || c === 93 || c === 125) {
          const op = String.fromCharCode(c);
          const open = brackets.pop();
          if (!open) fail(`unmatched '${op}'`, line, col, pos, true);
          else if (open.ch !== OPENERS[op]) {
            fail(
              `closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'${open.line !== line ? ` on line ${open.line}` : ''}`,
              line,
              col,
              pos,
              true,
            );
          }
        }
      }
      push(Tok.Op, pos, pos + len);
      pos += len;
    }
  }
  if (brackets.length > 0) {
    const open = brackets[brackets.length - 1]!;
    fail(`'${open.ch}' was never closed`, open.line, open.col, open.offset);
  }
  closeLogical();
  // at the end of the file CPython points at the header itself
  if (expectIndent) fail(`expected an indented block after line ${expectIndentLine}`, expectIndentLine, 0, n);
  return { text, count, type, start, end, lineStarts, lineCount, commentStart, commentEnd, commentCount, codeLines, lines, error };
}

/** The text of token i. */
export function tokText(t: Tokens, i: number): string {
  return t.text.slice(t.start[i]!, t.end[i]!);
}

export function isOp(t: Tokens, i: number, op: string): boolean {
  return t.type[i] === Tok.Op && t.end[i]! - t.start[i]! === op.length && t.text.startsWith(op, t.start[i]!);
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
    case 42: case 47: case 60: case 62: // * ** **= / // //= < << <<= <= > >> >>= >=
      if (d === c) return text.charCodeAt(pos + 2) === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    default:
      return 0;
  }
}

function isEol(c: number): boolean {
  return c === 10 || c === 13;
}

function scanNumber(text: string, pos: number): number {
  const n = text.length;
  let prev = 0;
  const hex = text.charCodeAt(pos) === 48 && (text.charCodeAt(pos + 1) | 32) === 120;
  while (pos < n) {
    const c = text.charCodeAt(pos);
    if (isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 46) {
      prev = c;
      pos++;
    } else if ((c === 43 || c === 45) && !hex && (prev === 101 || prev === 69)) {
      prev = c;
      pos++;
    } else break;
  }
  return pos;
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
