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

/** The code of a name: a keyword's, a soft keyword's, or NAME. */
export function nameCode(text: string, s: number, len: number): number {
  const c0 = text.charCodeAt(s);
  switch (len) {
    case 2:
      if (c0 === 105) return text.charCodeAt(s + 1) === 102 ? C.IF : text.charCodeAt(s + 1) === 110 ? C.IN : text.charCodeAt(s + 1) === 115 ? C.IS : C.NAME;
      if (c0 === 97) return text.charCodeAt(s + 1) === 115 ? C.AS : C.NAME;
      if (c0 === 111) return text.charCodeAt(s + 1) === 114 ? C.OR : C.NAME;
      return C.NAME;
    case 3:
      if (c0 === 97) return text.startsWith('and', s) ? C.AND : C.NAME;
      if (c0 === 100) return text.startsWith('def', s) ? C.DEF : text.startsWith('del', s) ? C.DEL : C.NAME;
      if (c0 === 102) return text.startsWith('for', s) ? C.FOR : C.NAME;
      if (c0 === 110) return text.startsWith('not', s) ? C.NOT : C.NAME;
      if (c0 === 116) return text.startsWith('try', s) ? C.TRY : C.NAME;
      return C.NAME;
    case 4:
      switch (c0) {
        case 78:
          return text.startsWith('None', s) ? C.NONE : C.NAME;
        case 84:
          return text.startsWith('True', s) ? C.TRUE : C.NAME;
        case 101:
          return text.startsWith('elif', s) ? C.ELIF : text.startsWith('else', s) ? C.ELSE : C.NAME;
        case 102:
          return text.startsWith('from', s) ? C.FROM : C.NAME;
        case 112:
          return text.startsWith('pass', s) ? C.PASS : C.NAME;
        case 119:
          return text.startsWith('with', s) ? C.WITH : C.NAME;
        case 99:
          return text.startsWith('case', s) ? C.CASE : C.NAME;
        case 116:
          return text.startsWith('type', s) ? C.TYPE : C.NAME;
        default:
          return C.NAME;
      }
    case 5:
      switch (c0) {
        case 70:
          return text.startsWith('False', s) ? C.FALSE : C.NAME;
        case 97:
          return text.startsWith('async', s) ? C.ASYNC : text.startsWith('await', s) ? C.AWAIT : C.NAME;
        case 98:
          return text.startsWith('break', s) ? C.BREAK : C.NAME;
        case 99:
          return text.startsWith('class', s) ? C.CLASS : C.NAME;
        case 114:
          return text.startsWith('raise', s) ? C.RAISE : C.NAME;
        case 119:
          return text.startsWith('while', s) ? C.WHILE : C.NAME;
        case 121:
          return text.startsWith('yield', s) ? C.YIELD : C.NAME;
        case 109:
          return text.startsWith('match', s) ? C.MATCH : C.NAME;
        default:
          return C.NAME;
      }
    case 6:
      switch (c0) {
        case 97:
          return text.startsWith('assert', s) ? C.ASSERT : C.NAME;
        case 101:
          return text.startsWith('except', s) ? C.EXCEPT : C.NAME;
        case 103:
          return text.startsWith('global', s) ? C.GLOBAL : C.NAME;
        case 105:
          return text.startsWith('import', s) ? C.IMPORT : C.NAME;
        case 108:
          return text.startsWith('lambda', s) ? C.LAMBDA : C.NAME;
        case 114:
          return text.startsWith('return', s) ? C.RETURN : C.NAME;
        default:
          return C.NAME;
      }
    case 7:
      return c0 === 102 && text.startsWith('finally', s) ? C.FINALLY : C.NAME;
    case 8:
      if (c0 === 99) return text.startsWith('continue', s) ? C.CONTINUE : C.NAME;
      if (c0 === 110) return text.startsWith('nonlocal', s) ? C.NONLOCAL : C.NAME;
      return C.NAME;
    default:
      return C.NAME;
  }
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

