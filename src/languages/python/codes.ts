/**
 * The codes of the parser's tokens (CPython's token types, keywords apart), made by the tokenizer as it reads: a
 * keyword or an operator is told apart once, when its token is made.
 */
/** token codes of the parser's stream */
export const enum C {
  END = 0,
  NEWLINE,
  INDENT,
  DEDENT,
  ERROR,
  NAME,
  NUMBER,
  STRING,
  FSTRING,
  // keywords
  FALSE = 10,
  NONE,
  TRUE,
  AND,
  AS,
  ASSERT,
  ASYNC,
  AWAIT,
  BREAK,
  CLASS,
  CONTINUE,
  DEF,
  DEL,
  ELIF,
  ELSE,
  EXCEPT,
  FINALLY,
  FOR,
  FROM,
  GLOBAL,
  IF,
  IMPORT,
  IN,
  IS,
  LAMBDA,
  NONLOCAL,
  NOT,
  OR,
  PASS,
  RAISE,
  RETURN,
  TRY,
  WHILE,
  WITH,
  YIELD,
  // soft keywords: names everywhere else
  MATCH = 50,
  CASE,
  TYPE,
  // operators
  LPAR = 60,
  RPAR,
  LSQB,
  RSQB,
  LBRACE,
  RBRACE,
  COMMA,
  COLON,
  SEMI,
  DOT,
  ELLIPSIS,
  EQUAL,
  RARROW,
  COLONEQUAL,
  AT,
  PLUSEQUAL,
  MINEQUAL,
  STAREQUAL,
  SLASHEQUAL,
  PERCENTEQUAL,
  AMPEREQUAL,
  VBAREQUAL,
  CIRCUMFLEXEQUAL,
  LEFTSHIFTEQUAL,
  RIGHTSHIFTEQUAL,
  DOUBLESTAREQUAL,
  DOUBLESLASHEQUAL,
  ATEQUAL,
  EQEQUAL,
  NOTEQUAL,
  LESS,
  GREATER,
  LESSEQUAL,
  GREATEREQUAL,
  LTGT,
  PLUS,
  MINUS,
  STAR,
  SLASH,
  DOUBLESLASH,
  PERCENT,
  DOUBLESTAR,
  AMPER,
  VBAR,
  CIRCUMFLEX,
  TILDE,
  LEFTSHIFT,
  RIGHTSHIFT,
  EXCLAMATION,
  /** `$`, `?`, a backtick: no rule takes it */
  OTHER,
}

/** Python's keywords and soft keywords, with their codes. */
const KEYWORDS: readonly (readonly [string, number])[] = [
  ['False', C.FALSE], ['None', C.NONE], ['True', C.TRUE], ['and', C.AND], ['as', C.AS], ['assert', C.ASSERT],
  ['async', C.ASYNC], ['await', C.AWAIT], ['break', C.BREAK], ['class', C.CLASS], ['continue', C.CONTINUE],
  ['def', C.DEF], ['del', C.DEL], ['elif', C.ELIF], ['else', C.ELSE], ['except', C.EXCEPT], ['finally', C.FINALLY],
  ['for', C.FOR], ['from', C.FROM], ['global', C.GLOBAL], ['if', C.IF], ['import', C.IMPORT], ['in', C.IN],
  ['is', C.IS], ['lambda', C.LAMBDA], ['nonlocal', C.NONLOCAL], ['not', C.NOT], ['or', C.OR], ['pass', C.PASS],
  ['raise', C.RAISE], ['return', C.RETURN], ['try', C.TRY], ['while', C.WHILE], ['with', C.WITH], ['yield', C.YIELD],
  ['match', C.MATCH], ['case', C.CASE], ['type', C.TYPE],
];
const MAX_KEYWORD = 8;
/** the keywords by length and first character (`len << 7 | c0`): a name is compared with the few that share both */
const BY_SIGNATURE: (readonly (readonly [string, number])[] | undefined)[] = new Array((MAX_KEYWORD + 1) << 7);
for (const kw of KEYWORDS) ((BY_SIGNATURE[(kw[0].length << 7) | kw[0].charCodeAt(0)] ??= []) as (readonly [string, number])[]).push(kw);

/** The code of a name: a keyword's, a soft keyword's, or NAME. */
export function nameCode(text: string, s: number, len: number): number {
  const c0 = text.charCodeAt(s);
  if (len > MAX_KEYWORD || c0 > 127) return C.NAME;
  const bucket = BY_SIGNATURE[(len << 7) | c0];
  if (bucket !== undefined) for (const [word, code] of bucket) if (text.startsWith(word, s)) return code;
  return C.NAME;
}

/** The code of an operator token. */
export function opCode(text: string, s: number, len: number): number {
  const a = text.charCodeAt(s);
  if (len === 1) {
    switch (a) {
      case 40: return C.LPAR;
      case 41: return C.RPAR;
      case 91: return C.LSQB;
      case 93: return C.RSQB;
      case 123: return C.LBRACE;
      case 125: return C.RBRACE;
      case 44: return C.COMMA;
      case 58: return C.COLON;
      case 59: return C.SEMI;
      case 46: return C.DOT;
      case 61: return C.EQUAL;
      case 64: return C.AT;
      case 60: return C.LESS;
      case 62: return C.GREATER;
      case 43: return C.PLUS;
      case 45: return C.MINUS;
      case 42: return C.STAR;
      case 47: return C.SLASH;
      case 37: return C.PERCENT;
      case 38: return C.AMPER;
      case 124: return C.VBAR;
      case 94: return C.CIRCUMFLEX;
      case 126: return C.TILDE;
      case 33: return C.EXCLAMATION;
      default: return C.OTHER;
    }
  }
  const b = text.charCodeAt(s + 1);
  if (len === 3) {
    if (a === 46) return C.ELLIPSIS;
    if (a === 42) return C.DOUBLESTAREQUAL;
    if (a === 47) return C.DOUBLESLASHEQUAL;
    if (a === 60) return C.LEFTSHIFTEQUAL;
    return C.RIGHTSHIFTEQUAL;
  }
  if (b === 61) {
    switch (a) {
      case 61: return C.EQEQUAL;
      case 33: return C.NOTEQUAL;
      case 60: return C.LESSEQUAL;
      case 62: return C.GREATEREQUAL;
      case 58: return C.COLONEQUAL;
      case 43: return C.PLUSEQUAL;
      case 45: return C.MINEQUAL;
      case 42: return C.STAREQUAL;
      case 47: return C.SLASHEQUAL;
      case 37: return C.PERCENTEQUAL;
      case 38: return C.AMPEREQUAL;
      case 124: return C.VBAREQUAL;
      case 94: return C.CIRCUMFLEXEQUAL;
      case 64: return C.ATEQUAL;
      default: return C.OTHER;
    }
  }
  if (a === 45) return C.RARROW;
  if (a === 42) return C.DOUBLESTAR;
  if (a === 47) return C.DOUBLESLASH;
  if (a === 60) return b === 62 ? C.LTGT : C.LEFTSHIFT;
  return C.RIGHTSHIFT;
}

