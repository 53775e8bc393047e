/**
 * Python's grammar, checked the way CPython's parser checks it (Grammar/python.gram of 3.10 to 3.13), so that comply
 * rejects a file exactly when `ast.parse` of the target version does, at the line CPython reports.
 *
 * A recogniser: it builds no tree. It walks the tokenizer's tokens (as CPython's token stream, with NEWLINE,
 * INDENT and DEDENT made from the logical lines) with one function per grammar rule, deciding by lookahead where
 * CPython's PEG parser backtracks, and describes each expression by its kind (name, attribute, call, tuple, ...) so
 * that assignment, `del`, `for` and `with` targets are checked as CPython's target rules check them.
 *
 * Errors are placed as CPython places them: a first pass without the `invalid_*` rules; when it fails, a second pass
 * with them, whose specific messages point where CPython's do; otherwise "invalid syntax" at the furthest token the
 * first pass read. A tokenizer error is reported when the parser reaches it, or, if it is lexical, even when the
 * parser failed earlier (CPython tokenizes the rest of the file then). docs/python-syntax.md has the details and
 * what is not modelled.
 */
import { checkLegacyFString, escapeError, stringErrors, stringParts } from './strings.js';
import { C, nameCode } from './codes.js';
import { FIELD_STRIDE, TokenBuffers, tokenize, type TokenizeError, type Tokens, type TokenStream } from './tokenizer.js';
import { positionIn } from '../../util/text.js';
import { spend } from '../budget.js';

export interface PythonSyntaxError {
  message: string;
  line: number;
  column: number;
  /** where the error is: facts from the logical line holding it on are dropped */
  offset: number;
  type: 'SyntaxError' | 'IndentationError' | 'TabError';
}

/** expression kinds: what a target rule would make of the expression, and its name in CPython's messages */
const enum K {
  FAIL = 0,
  NAME,
  ATTR,
  SUB,
  TUPLE,
  LIST,
  STARRED,
  CALL,
  LITERAL,
  TRUE,
  FALSE,
  NONE,
  ELLIPSIS,
  FSTRING,
  EXPR,
  COMPARE,
  IFEXP,
  LAMBDA,
  NAMED,
  AWAIT,
  YIELD,
  GENEXP,
  LISTCOMP,
  SETCOMP,
  DICTCOMP,
  DICT,
  SET,
}

const KIND_NAMES: string[] = [
  '',
  'name',
  'attribute',
  'subscript',
  'tuple',
  'list',
  'starred',
  'function call',
  'literal',
  'True',
  'False',
  'None',
  'ellipsis',
  'f-string expression',
  'expression',
  'comparison',
  'conditional expression',
  'lambda',
  'named expression',
  'await expression',
  'yield expression',
  'generator expression',
  'list comprehension',
  'set comprehension',
  'dict comprehension',
  'dict literal',
  'set display',
];

/** binary operator precedence (bitwise_or and below) */
const BINARY = new Uint8Array(128);
BINARY[C.VBAR] = 1;
BINARY[C.CIRCUMFLEX] = 2;
BINARY[C.AMPER] = 3;
BINARY[C.LEFTSHIFT] = 4;
BINARY[C.RIGHTSHIFT] = 4;
BINARY[C.PLUS] = 5;
BINARY[C.MINUS] = 5;
BINARY[C.STAR] = 6;
BINARY[C.SLASH] = 6;
BINARY[C.DOUBLESLASH] = 6;
BINARY[C.PERCENT] = 6;
BINARY[C.AT] = 6;

/** tokens that can start an expression (a star_expression after a comma) */
const STARTS = new Uint8Array(128);
for (const c of [C.NAME, C.NUMBER, C.STRING, C.FSTRING, C.FALSE, C.NONE, C.TRUE, C.AWAIT, C.LAMBDA, C.NOT, C.MATCH, C.CASE, C.TYPE, C.LPAR, C.LSQB, C.LBRACE, C.ELLIPSIS, C.PLUS, C.MINUS, C.TILDE, C.STAR]) {
  STARTS[c] = 1;
}

/** the kind of a one-token atom (a name, a number, a constant), 0 for any other token */
const ATOM_KIND = new Uint8Array(128);
for (const c of [C.NAME, C.MATCH, C.CASE, C.TYPE]) ATOM_KIND[c] = K.NAME;
ATOM_KIND[C.NUMBER] = K.LITERAL;
ATOM_KIND[C.TRUE] = K.TRUE;
ATOM_KIND[C.FALSE] = K.FALSE;
ATOM_KIND[C.NONE] = K.NONE;
ATOM_KIND[C.ELLIPSIS] = K.ELLIPSIS;

/** tokens a primary starts with (not a prefix operator, `not`, `await` or `lambda`) */
const PRIMARY_START = new Uint8Array(128);
for (const c of [C.NAME, C.MATCH, C.CASE, C.TYPE, C.NUMBER, C.STRING, C.FSTRING, C.TRUE, C.FALSE, C.NONE, C.ELLIPSIS, C.LPAR, C.LSQB, C.LBRACE]) {
  PRIMARY_START[c] = 1;
}

/** tokens that no expression rule continues with after an atom: an atom followed by one is the whole expression */
const ENDS_EXPRESSION = new Uint8Array(128);
for (const c of [C.COMMA, C.RPAR, C.RSQB, C.RBRACE, C.COLON, C.NEWLINE, C.EQUAL, C.SEMI, C.FOR, C.ELSE, C.AS, C.FROM, C.END, C.RARROW]) {
  ENDS_EXPRESSION[c] = 1;
}
for (let c: number = C.PLUSEQUAL; c <= C.ATEQUAL; c++) ENDS_EXPRESSION[c] = 1;

const isNameCode = (c: number): boolean => c === C.NAME || (c >= C.MATCH && c <= C.TYPE);
const isAugassign = (c: number): boolean => c >= C.PLUSEQUAL && c <= C.ATEQUAL;
const isTargetKind = (k: number): boolean => k === K.NAME || k === K.ATTR || k === K.SUB;

/** A syntax error found: thrown through the rules. `at` is a stream index (or -1 with `offset`). */
class Raise {
  constructor(
    readonly message: string,
    readonly at: number,
    readonly type: PythonSyntaxError['type'] = 'SyntaxError',
    readonly offset = -1,
    readonly line = 0,
    /** the tokenizer's error (CPython does not prefix it with "f-string: ") */
    readonly lexical = false,
  ) {}
}

type Stream = TokenStream;

/** token buffers for f-string fields, per nesting depth */
const subTokens: TokenBuffers[] = [];

/**
 * Check a Python file's tokens as CPython of `toks.minor` parses them; the first error as CPython reports it, or
 * undefined when the file parses.
 */
export function checkSyntax(toks: Tokens): PythonSyntaxError | undefined {
  const p = new Parser(toks.text, toks.stream, toks.minor, toks, 0, 0);
  return p.check(toks.error);
}

/** the rules memoized in the second pass (Parser.memoized) */
const enum M {
  EXPRESSION = 0,
  DISJUNCTION = 1,
  BITWISE_OR = 2,
}

class Parser {
  pos = 0;
  /** the furthest token read */
  far = 0;
  /** the second pass: `invalid_*` rules on */
  p2 = false;
  /** >0 inside a rule CPython runs without its invalid_* alternatives */
  noInvalid = 0;
  private readonly c: Uint8Array;
  private levels: Uint16Array | undefined;
  /** the furthest token of the first pass */
  far1 = 0;
  /** the last resolve() returned the tokenizer's error */
  private lexicalResult = false;

  constructor(
    private readonly text: string,
    private readonly st: Stream,
    private readonly minor: number,
    /** the tokens the stream was made from (f-string fields, line numbers) */
    private readonly toks: Tokens,
    /** nesting depth of f-string fields (0: the file) */
    private readonly depth: number,
    /** bracket level the stream starts at (1 in an f-string field) */
    private readonly baseLevel: number,
    /** an f-string field of Python 3.11 and older: errors are "f-string: ..." */
    private readonly legacy = false,
  ) {
    this.c = st.c;
  }

  // ---------------------------------------------------------------- driver

  check(tokError: TokenizeError | undefined): PythonSyntaxError | undefined {
    const fail = this.run();
    if (!fail) return undefined;
    return this.resolve(fail, tokError);
  }

  /** Both passes: undefined when the stream parses, else the error as the parser sees it (a Raise). */
  run(): Raise | undefined {
    try {
      if (this.file()) return undefined;
    } catch (e) {
      if (!(e instanceof Raise)) throw e;
      // an error raised in the first pass (a forced token, a string): CPython's second pass stops at once
      this.far1 = Math.max(this.far, this.pos);
      return e;
    }
    this.far = Math.max(this.far, this.pos);
    this.far1 = this.far;
    if (this.c[this.far1] === C.ERROR) return new Raise('', this.far1); // the tokenizer's error, reached
    this.p2 = true;
    this.pos = 0;
    try {
      this.file();
    } catch (e) {
      if (!(e instanceof Raise)) throw e;
      return e;
    }
    const at = this.far1;
    const code = this.c[at];
    if (code === C.INDENT) return new Raise('unexpected indent', at, 'IndentationError');
    if (code === C.DEDENT) return new Raise('unexpected unindent', at, 'IndentationError');
    return new Raise('invalid syntax', at);
  }

  /** The error CPython reports, given the parser's and the tokenizer's. */
  private resolve(r: Raise, tokError: TokenizeError | undefined): PythonSyntaxError {
    const toks = this.toks;
    const line = (off: number): number => positionIn(toks.lineStarts, toks.lineCount, off).line;
    const fromTokenizer = (): PythonSyntaxError => {
      // an f-string field's own tokenizer counts lines from the field: place its error in the file
      const where = this.depth > 0 ? positionIn(toks.lineStarts, toks.lineCount, tokError!.offset) : { line: tokError!.line, column: tokError!.column };
      const e: PythonSyntaxError = { message: tokError!.message, ...where, offset: tokError!.offset, type: tokError!.errorType ?? 'SyntaxError' };
      this.lexicalResult = true;
      return e;
    };
    if (r.at >= 0 && this.c[r.at] === C.ERROR && tokError) return fromTokenizer();
    const own = this.located(r);
    // the generic indentation and end-of-file errors are final; anything else loses to a tokenizer error that
    // CPython's check of the rest of the file finds
    const generic = r.message === 'unexpected indent' || r.message === 'unexpected unindent';
    if (tokError && !generic) {
      // CPython reports the tokenizer's error found in the rest of the file; the facts still stop at the first problem
      const later = (): PythonSyntaxError => ({ ...fromTokenizer(), offset: Math.min(own.offset, tokError.offset) });
      // 3.12+: an error inside an f-string does not replace the parser's (CPython keeps an error of the expression)
      if (tokError.kind === 'lexical' && !(tokError.inFString && this.minor >= 12)) return later();
      const farLine = line(this.st.s[Math.min(Math.max(this.far1, this.far), this.st.n - 1)]!);
      if (tokError.kind === 'unclosed') {
        if (farLine > tokError.line) return later();
      } else if (tokError.kind === 'plain' && tokError.open && farLine > tokError.open.line) {
        // CPython's check of the rest of the file stops at this error with a bracket open: that bracket is the error
        const o = tokError.open;
        return { message: `'${o.ch}' was never closed`, line: o.line, column: o.column, offset: Math.min(own.offset, o.offset), type: 'SyntaxError' };
      }
    }
    return own;
  }

  /** A Raise as a located error. */
  located(r: Raise): PythonSyntaxError {
    const toks = this.toks;
    let offset: number;
    let lineNo: number;
    if (r.offset >= 0) {
      offset = r.offset;
      lineNo = r.line || positionIn(toks.lineStarts, toks.lineCount, offset).line;
    } else {
      const at = Math.min(r.at, this.st.n);
      const code = this.c[at];
      offset = this.st.s[at]!;
      if (code === C.END || (code === C.DEDENT && offset >= this.text.length)) {
        // CPython's end of file is on the last line read
        lineNo = lastLine(toks);
      } else lineNo = positionIn(toks.lineStarts, toks.lineCount, offset).line;
    }
    const column = offset - (toks.lineStarts[lineNo - 1] ?? 0);
    const message = this.legacy && !r.lexical ? `f-string: ${r.message}` : r.message;
    return { message, line: lineNo, column: Math.max(0, column), offset, type: r.type };
  }

  // ---------------------------------------------------------------- helpers

  /**
   * CPython memoizes expression, disjunction and bitwise_or (`(memo)` and left recursion in its grammar): without
   * that, the second pass's invalid_* rules, which parse the same tokens again at every level of nested brackets,
   * cost exponential time (`((((f())))) = 1`). The same here, in the second pass, keyed by rule, token and whether
   * invalid_* rules are on; a hit restores what the call left: the position, the furthest token read, and what it
   * said about targets (read only after a call that returned a tuple, list or starred kind, which sets them). A call
   * that raised is not stored (the error ends the parse, or is caught and raised again).
   */
  private memoized(rule: number, run: () => number): number {
    const key = (this.pos * 4 + rule) * 2 + (this.noInvalid > 0 ? 1 : 0);
    const hit = this.memo.get(key);
    if (hit) {
      this.pos = hit[1]!;
      if (hit[2]! > this.far) this.far = hit[2]!;
      this.lastTargetsOk = hit[3] === 1;
      this.lastDelOk = hit[4] === 1;
      return hit[0]!;
    }
    const k = run();
    this.memo.set(key, [k, this.pos, this.far, this.lastTargetsOk ? 1 : 0, this.lastDelOk ? 1 : 0]);
    return k;
  }

  private readonly memo = new Map<number, number[]>();

  private fail(): false {
    if (this.pos > this.far) this.far = this.pos;
    return false;
  }

  /** back to `p` after a failed alternative (what it read counts as read) */
  private back(p: number): void {
    if (this.pos > this.far) this.far = this.pos;
    this.pos = p;
  }

  private expect(code: number): boolean {
    if (this.c[this.pos] === code) {
      this.pos++;
      return true;
    }
    return this.fail();
  }

  private peek2(): number {
    const p = this.pos + 1;
    if (p > this.far) this.far = p;
    return this.c[p]!;
  }

  /** CPython's forced token (`&&':'`): its absence is an error at once, in the first pass too */
  private forced(code: number, shown: string): void {
    if (this.c[this.pos] === code) {
      this.pos++;
      return;
    }
    throw new Raise(`expected '${shown}'`, this.pos);
  }

  private raise(message: string, at: number, type: PythonSyntaxError['type'] = 'SyntaxError'): never {
    throw new Raise(message, at, type);
  }

  /** an error where CPython's RAISE_SYNTAX_ERROR puts it: the last token read */
  private raiseHere(message: string, type: PythonSyntaxError['type'] = 'SyntaxError'): never {
    throw new Raise(message, Math.max(this.far, this.pos), type);
  }

  private get checking(): boolean {
    return this.p2 && this.noInvalid === 0;
  }

  private tokText(i: number): string {
    return this.text.slice(this.st.s[i]!, this.st.e[i]!);
  }

  private lineOf(i: number): number {
    const code = this.c[i];
    const off = this.st.s[i]!;
    if (code === C.END || (code === C.DEDENT && off >= this.text.length)) return lastLine(this.toks);
    return positionIn(this.toks.lineStarts, this.toks.lineCount, off).line;
  }

  /** bracket level after token i (CPython's token level), for "Perhaps you forgot a comma?" */
  private level(i: number): number {
    if (!this.levels) {
      const lv = new Uint16Array(this.st.n + 1);
      let d = this.baseLevel;
      for (let k = 0; k <= this.st.n; k++) {
        const c = this.c[k];
        if (c === C.LPAR || c === C.LSQB || c === C.LBRACE) d++;
        else if ((c === C.RPAR || c === C.RSQB || c === C.RBRACE) && d > 0) d--;
        lv[k] = d;
      }
      this.levels = lv;
    }
    return this.levels[i] ?? 0;
  }

  // ---------------------------------------------------------------- statements

  private file(): boolean {
    while (this.c[this.pos] !== C.END) {
      if (!this.statement()) return this.fail();
    }
    return true;
  }

  private statement(): boolean {
    spend();
    switch (this.c[this.pos]) {
      case C.DEF:
        return this.functionDef();
      case C.AT:
        return this.decorated();
      case C.CLASS:
        return this.classDef(this.pos);
      case C.IF:
        return this.ifStmt();
      case C.WHILE:
        return this.whileStmt();
      case C.FOR:
        return this.forStmt();
      case C.TRY:
        return this.tryStmt();
      case C.WITH:
        return this.withStmt();
      case C.ASYNC: {
        const next = this.peek2();
        if (next === C.DEF) return this.functionDef();
        if (next === C.WITH) return this.withStmt();
        if (next === C.FOR) return this.forStmt();
        return this.simpleStmts();
      }
      case C.MATCH: {
        const s = this.pos;
        if (this.matchStmt()) return true;
        this.back(s);
        return this.simpleStmts();
      }
      default:
        return this.simpleStmts();
    }
  }

  private simpleStmts(): boolean {
    for (;;) {
      if (!this.simpleStmt()) return false;
      if (this.c[this.pos] === C.SEMI) {
        this.pos++;
        if (this.c[this.pos] === C.NEWLINE) break;
        continue;
      }
      break;
    }
    return this.expect(C.NEWLINE);
  }

  private simpleStmt(): boolean {
    const s = this.pos;
    switch (this.c[s]) {
      case C.RETURN:
        this.pos++;
        if (STARTS[this.c[this.pos]!]) return this.starExpressions() !== K.FAIL;
        return true;
      case C.IMPORT:
        return this.importName();
      case C.FROM:
        return this.importFrom();
      case C.RAISE:
        this.pos++;
        if (!STARTS[this.c[this.pos]!] || this.c[this.pos] === C.STAR) return true;
        if (!this.expression()) return false;
        if (this.c[this.pos] === C.FROM) {
          this.pos++;
          return this.expression() !== K.FAIL;
        }
        return true;
      case C.PASS:
      case C.BREAK:
      case C.CONTINUE:
        this.pos++;
        return true;
      case C.DEL:
        return this.delStmt();
      case C.YIELD: {
        if (!this.yieldExpr()) return false;
        if (this.c[this.pos] === C.EQUAL && this.checking) this.raise('assignment to yield expression not possible', s);
        return true;
      }
      case C.ASSERT:
        this.pos++;
        if (!this.expression()) return false;
        if (this.c[this.pos] === C.COMMA) {
          this.pos++;
          return this.expression() !== K.FAIL;
        }
        return true;
      case C.GLOBAL:
      case C.NONLOCAL:
        this.pos++;
        for (;;) {
          if (!isNameCode(this.c[this.pos]!)) return this.fail();
          this.pos++;
          if (this.c[this.pos] !== C.COMMA) return true;
          this.pos++;
        }
      case C.TYPE:
        if (this.minor >= 12 && isNameCode(this.peek2())) return this.typeAlias();
        return this.assignmentOrExpression();
      default:
        return this.assignmentOrExpression();
    }
  }

  /**
   * assignment | star_expressions: the left side is parsed as an expression and then checked as the target rule
   * that the token after it calls for (`=`, `:`, an augmented assignment).
   */
  private assignmentOrExpression(): boolean {
    const s = this.pos;
    const ok = this.assignmentOrExpressionFirst();
    if (ok || !this.checking) return ok;
    // second pass: invalid_assignment, then invalid_* rules inside star_expressions
    this.back(s);
    this.invalidAssignment(s);
    this.back(s);
    this.starExpressions();
    return this.fail();
  }

  private assignmentOrExpressionFirst(): boolean {
    const s = this.pos;
    const c0 = this.c[s]!;
    if (c0 === C.YIELD) return this.yieldExpr() !== K.FAIL;
    const k = this.starExpressions();
    if (!k) return false;
    const next = this.c[this.pos]!;
    if (next === C.EQUAL) {
      // (star_targets '=')+ (yield_expr | star_expressions) !'='
      if (!this.validStarTargets(k)) return this.fail();
      for (;;) {
        this.pos++;
        const r = this.c[this.pos] === C.YIELD ? this.yieldExpr() : this.starExpressions();
        if (!r) return false;
        if (this.c[this.pos] !== C.EQUAL) return true;
        if (r === K.YIELD || !this.validStarTargets(r)) return this.fail();
      }
    }
    if (next === C.COLON) {
      // NAME ':' expression ['=' annotated_rhs] | ('(' single_target ')' | single_subscript_attribute_target) ':' ...
      if (!isTargetKind(k)) return this.fail();
      this.pos++;
      if (!this.expression()) return false;
      if (this.c[this.pos] === C.EQUAL) {
        this.pos++;
        return (this.c[this.pos] === C.YIELD ? this.yieldExpr() : this.starExpressions()) !== K.FAIL;
      }
      return true;
    }
    if (isAugassign(next)) {
      if (!isTargetKind(k)) return this.fail();
      this.pos++;
      return (this.c[this.pos] === C.YIELD ? this.yieldExpr() : this.starExpressions()) !== K.FAIL;
    }
    return true;
  }

  /** invalid_assignment (the second pass, after the valid forms failed), from token s */
  private invalidAssignment(s: number): void {
    const ann = (): boolean => {
      if (this.c[this.pos] !== C.COLON) return false;
      this.pos++;
      return this.expression() !== K.FAIL;
    };
    // a=invalid_ann_assign_target ':' expression (a list or tuple display, maybe in parentheses)
    if (this.c[s] === C.LSQB || this.c[s] === C.LPAR) {
      let open = s;
      while (this.c[open] === C.LPAR && this.c[open + 1] === C.LPAR) open++;
      const k = this.atom();
      if ((k === K.LIST || k === K.TUPLE) && ann()) this.raise(`only single target (not ${KIND_NAMES[k]}) can be annotated`, s);
      this.back(s);
    }
    // a=star_named_expression ',' star_named_expressions* ':' expression
    if (this.starNamedExpression() && this.c[this.pos] === C.COMMA) {
      while (this.c[this.pos] === C.COMMA) {
        this.pos++;
        if (!STARTS[this.c[this.pos]!] || !this.starNamedExpression()) break;
      }
      if (ann()) this.raise('only single target (not tuple) can be annotated', s);
    }
    this.back(s);
    // a=expression ':' expression
    if (this.expression() && ann()) this.raise('illegal target for annotation', s);
    this.back(s);
    // (star_targets '=')* a=star_expressions '='  |  (star_targets '=')* a=yield_expr '='
    let a = s;
    for (;;) {
      const t = this.pos;
      if (this.starTargets() && this.c[this.pos] === C.EQUAL) {
        this.pos++;
        a = this.pos;
        continue;
      }
      this.back(t);
      break;
    }
    const k = this.starExpressions();
    if (k && this.c[this.pos] === C.EQUAL) this.invalidTarget(k, a, 'assign');
    this.back(a);
    if (this.c[a] === C.YIELD && this.yieldExpr() && this.c[this.pos] === C.EQUAL) this.raise('assignment to yield expression not possible', a);
    this.back(s);
    // a=star_expressions augassign (yield_expr | star_expressions)
    const k2 = this.starExpressions();
    if (k2 && isAugassign(this.c[this.pos]!)) {
      this.pos++;
      if (this.c[this.pos] === C.YIELD ? this.yieldExpr() : this.starExpressions()) {
        this.raise(`'${KIND_NAMES[k2]}' is an illegal expression for augmented assignment`, s);
      }
    }
    this.back(s);
  }

  /**
   * RAISE_SYNTAX_ERROR_INVALID_TARGET: the expression of kind k parsed from token s is not a valid target; report
   * its first invalid part ("cannot assign to function call", "cannot delete starred"), if it has one.
   */
  private invalidTarget(k: number, s: number, mode: 'assign' | 'del' | 'for'): void {
    const save = this.pos;
    this.noInvalid++;
    let found: [number, number] | undefined;
    try {
      found = this.firstInvalidTarget(k, s, this.pos, mode);
    } finally {
      this.noInvalid--;
      this.pos = save;
    }
    if (found) this.raise(`${mode === 'del' ? 'cannot delete' : 'cannot assign to'} ${KIND_NAMES[found[1]]}`, found[0]);
  }

  /** _PyPegen_get_invalid_target for the expression of kind k in tokens [s, e): [token, kind] of the culprit */
  private firstInvalidTarget(k: number, s: number, e: number, mode: 'assign' | 'del' | 'for'): [number, number] | undefined {
    switch (k) {
      case K.NAME:
      case K.ATTR:
      case K.SUB:
        return undefined;
      case K.STARRED: {
        if (mode === 'del') return [s, K.STARRED];
        this.pos = s + 1;
        const v = this.bitwiseOr();
        return v ? this.firstInvalidTarget(v, s + 1, this.pos, mode) : undefined;
      }
      case K.TUPLE:
      case K.LIST: {
        // the elements: inside the brackets of a display, or the whole range of an unparenthesized tuple
        const display = (this.c[s] === C.LPAR || this.c[s] === C.LSQB) && this.closes(s) === e - 1;
        let p = display ? s + 1 : s;
        const stop = display ? e - 1 : e;
        while (p < stop) {
          this.pos = p;
          const ek = this.starNamedExpression();
          if (!ek) return undefined;
          const r = this.firstInvalidTarget(ek, p, this.pos, mode);
          if (r) return r;
          if (this.c[this.pos] !== C.COMMA) break;
          p = this.pos + 1;
        }
        return undefined;
      }
      case K.COMPARE: {
        if (mode !== 'for') return [s, k];
        // `for a in b` parses as a comparison: look at its left side when the first operator is `in`
        this.pos = s;
        const left = this.bitwiseOr();
        if (!left || this.c[this.pos] !== C.IN) return undefined;
        return this.firstInvalidTarget(left, s, this.pos, mode);
      }
      default:
        return [s, k];
    }
  }

  /** the index of the bracket closing the one at token s */
  private closes(s: number): number {
    let d = 0;
    for (let i = s; i < this.st.n; i++) {
      const c = this.c[i];
      if (c === C.LPAR || c === C.LSQB || c === C.LBRACE) d++;
      else if (c === C.RPAR || c === C.RSQB || c === C.RBRACE) {
        d--;
        if (d === 0) return i;
      }
    }
    return -1;
  }

  /** Star targets: the expression (kind k just parsed) is a valid assignment target. */
  private validStarTargets(k: number): boolean {
    if (k === K.NAME || k === K.ATTR || k === K.SUB) return true;
    if (k === K.TUPLE || k === K.LIST || k === K.STARRED) return this.lastTargetsOk;
    return false;
  }

  /** set by the parsers of tuples, lists and starred expressions: whether every element is a valid star target */
  private lastTargetsOk = true;

  private typeAlias(): boolean {
    // "type" NAME [type_params] '=' expression
    this.pos += 2;
    if (this.c[this.pos] === C.LSQB && !this.typeParams()) return false;
    if (!this.expect(C.EQUAL)) return false;
    return this.expression() !== K.FAIL;
  }

  private typeParams(): boolean {
    // '[' type_param_seq ']'
    this.pos++;
    if (this.c[this.pos] === C.RSQB) {
      if (this.checking && this.minor >= 13) this.raise('Type parameter list cannot be empty', this.pos - 1);
      return this.fail();
    }
    for (;;) {
      const c = this.c[this.pos]!;
      if (c === C.STAR || c === C.DOUBLESTAR) {
        this.pos++;
        if (!isNameCode(this.c[this.pos]!)) return this.fail();
        this.pos++;
        if (this.c[this.pos] === C.COLON) {
          if (this.checking) this.raise(c === C.STAR ? 'cannot use constraints with TypeVarTuple' : 'cannot use constraints with ParamSpec', this.pos);
          return this.fail();
        }
        if (this.minor >= 13 && this.c[this.pos] === C.EQUAL) {
          this.pos++;
          if (!(c === C.STAR ? this.starExpression() : this.expression())) return false;
        }
      } else if (isNameCode(c)) {
        this.pos++;
        if (this.c[this.pos] === C.COLON) {
          this.pos++;
          if (!this.expression()) return false;
        }
        if (this.minor >= 13 && this.c[this.pos] === C.EQUAL) {
          this.pos++;
          if (!this.expression()) return false;
        }
      } else return this.fail();
      if (this.c[this.pos] === C.COMMA) {
        this.pos++;
        if (this.c[this.pos] === C.RSQB) break;
        continue;
      }
      break;
    }
    return this.expect(C.RSQB);
  }

  private importName(): boolean {
    // 'import' dotted_as_names
    const s = this.pos;
    this.pos++;
    for (;;) {
      if (!this.dottedName()) {
        if (this.checking && this.minor >= 13 && this.c[this.pos] === C.NEWLINE && this.pos === s + 1) {
          this.raiseHere("Expected one or more names after 'import'");
        }
        return false;
      }
      if (this.c[this.pos] === C.AS) {
        this.pos++;
        if (!isNameCode(this.c[this.pos]!)) return this.fail();
        this.pos++;
      }
      if (this.c[this.pos] !== C.COMMA) break;
      this.pos++;
    }
    if (this.checking && this.minor >= 12 && this.c[this.pos] === C.FROM) {
      // invalid_import: 'import' dotted_name 'from' dotted_name
      const at = this.pos;
      this.pos++;
      if (this.dottedName() && this.c[this.pos] === C.NEWLINE) this.raise("Did you mean to use 'from ... import ...' instead?", s);
      this.pos = at;
    }
    return true;
  }

  private dottedName(): boolean {
    if (!isNameCode(this.c[this.pos]!)) return this.fail();
    this.pos++;
    while (this.c[this.pos] === C.DOT) {
      this.pos++;
      if (!isNameCode(this.c[this.pos]!)) return this.fail();
      this.pos++;
    }
    return true;
  }

  private importFrom(): boolean {
    this.pos++;
    let dots = 0;
    while (this.c[this.pos] === C.DOT || this.c[this.pos] === C.ELLIPSIS) {
      this.pos++;
      dots++;
    }
    if (this.c[this.pos] !== C.IMPORT || dots === 0) {
      if (!this.dottedName()) return false;
    }
    if (!this.expect(C.IMPORT)) return false;
    // import_from_targets
    if (this.c[this.pos] === C.STAR) {
      this.pos++;
      return true;
    }
    const paren = this.c[this.pos] === C.LPAR;
    if (paren) this.pos++;
    const listStart = this.pos;
    for (;;) {
      if (!isNameCode(this.c[this.pos]!)) {
        if (this.checking && this.minor >= 13 && this.pos === listStart && !paren && this.c[this.pos] === C.NEWLINE) {
          this.raiseHere("Expected one or more names after 'import'");
        }
        return this.fail();
      }
      this.pos++;
      if (this.c[this.pos] === C.AS) {
        this.pos++;
        if (!isNameCode(this.c[this.pos]!)) return this.fail();
        this.pos++;
      }
      if (this.c[this.pos] !== C.COMMA) break;
      this.pos++;
      if (paren && this.c[this.pos] === C.RPAR) break;
      if (!paren && this.c[this.pos] === C.NEWLINE) {
        if (this.checking) this.raiseHere('trailing comma not allowed without surrounding parentheses');
        return this.fail();
      }
    }
    if (paren) return this.expect(C.RPAR);
    return true;
  }

  private delStmt(): boolean {
    const s = this.pos;
    this.pos++;
    const ok = this.delTargets() && (this.c[this.pos] === C.SEMI || this.c[this.pos] === C.NEWLINE);
    if (ok) return true;
    if (this.checking) {
      // invalid_del_stmt: 'del' star_expressions
      this.back(s + 1);
      const k = this.starExpressions();
      if (k) this.invalidTarget(k, s + 1, 'del');
    }
    return this.fail();
  }

  /** del_targets: ','.del_target+ [','] */
  private delTargets(): boolean {
    for (;;) {
      const start = this.pos;
      const k = this.bitwiseOr();
      if (!k) return false;
      if (!this.validDelTarget(k, start)) return this.fail();
      if (this.c[this.pos] !== C.COMMA) return true;
      this.pos++;
      if (!STARTS[this.c[this.pos]!] || this.c[this.pos] === C.STAR) return true;
    }
  }

  private validDelTarget(k: number, start: number): boolean {
    if (k === K.NAME || k === K.ATTR || k === K.SUB) return true;
    if ((k === K.TUPLE || k === K.LIST) && (this.c[start] === C.LPAR || this.c[start] === C.LSQB)) return this.lastDelOk;
    return false;
  }

  private lastDelOk = true;

  private yieldExpr(): number {
    // 'yield' 'from' expression | 'yield' [star_expressions]
    this.pos++;
    if (this.c[this.pos] === C.FROM) {
      this.pos++;
      return this.expression() ? K.YIELD : K.FAIL;
    }
    if (STARTS[this.c[this.pos]!]) return this.starExpressions() ? K.YIELD : K.FAIL;
    return K.YIELD;
  }

  // ---------------------------------------------------------------- compound statements

  /** block: NEWLINE INDENT statements DEDENT | simple_stmts */
  private block(): boolean {
    if (this.c[this.pos] === C.NEWLINE) {
      this.pos++;
      if (!this.expect(C.INDENT)) {
        if (this.checking) this.raiseHere('expected an indented block', 'IndentationError');
        return false;
      }
      do {
        if (!this.statement()) return false;
      } while (this.c[this.pos] !== C.DEDENT && this.c[this.pos] !== C.END);
      return this.expect(C.DEDENT);
    }
    return this.simpleStmts();
  }

  /** the invalid_X_stmt alternatives shared by if/elif/while/for/with/class/def/...: "expected ':'" when the header
   * ends at NEWLINE, an indentation error when the block is missing */
  private headerEnd(kw: number, what: string, colonMissing: boolean): boolean {
    // called in the second pass at the point where ':' is expected
    if (this.c[this.pos] === C.NEWLINE && colonMissing) this.raiseHere("expected ':'");
    if (this.c[this.pos] === C.COLON && this.c[this.pos + 1] === C.NEWLINE) {
      const save = this.pos;
      this.pos += 2;
      if (this.pos > this.far) this.far = this.pos;
      if (this.c[this.pos] !== C.INDENT) this.raiseHere(`expected an indented block after ${what} on line ${this.lineOf(kw)}`, 'IndentationError');
      this.pos = save;
    }
    return false;
  }

  private ifStmt(): boolean {
    const kw = this.pos;
    this.pos++;
    if (!this.namedExpression()) return false;
    if (this.checking) this.headerEnd(kw, "'if' statement", true);
    if (!this.expect(C.COLON) || !this.block()) return false;
    for (;;) {
      const c = this.c[this.pos];
      if (c === C.ELIF) {
        const k2 = this.pos;
        this.pos++;
        if (!this.namedExpression()) return false;
        if (this.checking) this.headerEnd(k2, "'elif' statement", true);
        if (!this.expect(C.COLON) || !this.block()) return false;
        continue;
      }
      if (c === C.ELSE) return this.elseBlock();
      return true;
    }
  }

  private elseBlock(): boolean {
    const kw = this.pos;
    this.pos++;
    if (this.checking) this.headerEnd(kw, "'else' statement", false);
    this.forced(C.COLON, ':');
    return this.block();
  }

  private whileStmt(): boolean {
    const kw = this.pos;
    this.pos++;
    if (!this.namedExpression()) return false;
    if (this.checking) this.headerEnd(kw, "'while' statement", true);
    if (!this.expect(C.COLON) || !this.block()) return false;
    if (this.c[this.pos] === C.ELSE) return this.elseBlock();
    return true;
  }

  private forStmt(): boolean {
    if (this.c[this.pos] === C.ASYNC) this.pos++;
    const kw = this.pos;
    this.pos++;
    const targetsAt = this.pos;
    if (!this.starTargets() || this.c[this.pos] !== C.IN) {
      if (this.checking) this.invalidForTarget(targetsAt);
      return this.fail();
    }
    this.pos++;
    // cut: from here on, no other alternative
    if (!this.starExpressions()) return false;
    if (this.checking) this.headerEnd(kw, "'for' statement", true);
    if (!this.expect(C.COLON) || !this.block()) return false;
    if (this.c[this.pos] === C.ELSE) return this.elseBlock();
    return true;
  }

  /** invalid_for_target: ASYNC? 'for' a=star_expressions → "cannot assign to ..." */
  private invalidForTarget(targetsAt: number): void {
    this.back(targetsAt);
    const k = this.starExpressions();
    if (k) this.invalidTarget(k, targetsAt, 'for');
    this.back(targetsAt);
  }

  /**
   * star_targets: star_target (',' star_target)* [','] — each a '*'? target; parsed as expressions at
   * bitwise_or level (a target never holds a comparison) and checked.
   */
  private starTargets(): boolean {
    for (;;) {
      let k: number;
      if (this.c[this.pos] === C.STAR) {
        this.pos++;
        if (this.c[this.pos] === C.STAR) return this.fail();
        k = this.bitwiseOr();
        if (!k) return false;
        if (!this.validStarTargets(k)) return this.fail();
      } else {
        k = this.bitwiseOr();
        if (!k) return false;
        if (!this.validStarTargets(k)) return this.fail();
      }
      if (this.c[this.pos] !== C.COMMA) return true;
      this.pos++;
      if (!STARTS[this.c[this.pos]!]) return true;
    }
  }

  /** star_target (one, with an optional star) */
  private starTarget(): boolean {
    if (this.c[this.pos] === C.STAR) {
      this.pos++;
      if (this.c[this.pos] === C.STAR) return this.fail();
    }
    const k = this.bitwiseOr();
    if (!k) return false;
    return this.validStarTargets(k) || this.fail();
  }

  private withStmt(): boolean {
    if (this.c[this.pos] === C.ASYNC) this.pos++;
    const kw = this.pos;
    this.pos++;
    if (this.checking) this.invalidWithStmt(kw);
    if (this.c[this.pos] === C.LPAR) {
      // 'with' '(' ','.with_item+ ','? ')' ':' block
      const at = this.pos;
      this.pos++;
      let ok = false;
      for (;;) {
        if (!this.withItem()) break;
        if (this.c[this.pos] === C.COMMA) {
          this.pos++;
          if (this.c[this.pos] === C.RPAR) {
            this.pos++;
            ok = true;
            break;
          }
          continue;
        }
        if (this.c[this.pos] === C.RPAR) {
          this.pos++;
          ok = true;
        }
        break;
      }
      if (ok && this.c[this.pos] === C.COLON) {
        this.pos++;
        return this.block();
      }
      this.back(at);
    }
    for (;;) {
      if (!this.withItem()) return false;
      if (this.c[this.pos] !== C.COMMA) break;
      this.pos++;
    }
    if (!this.expect(C.COLON)) return false;
    return this.block();
  }

  private invalidWithStmt(kw: number): void {
    const save = this.pos;
    // invalid_with_stmt_indent / invalid_with_stmt, either form
    const items = (): boolean => {
      for (;;) {
        if (!this.expression()) return false;
        if (this.c[this.pos] === C.AS) {
          this.pos++;
          if (!this.starTarget()) return false;
        }
        if (this.c[this.pos] !== C.COMMA) return true;
        this.pos++;
      }
    };
    const tryForm = (paren: boolean): void => {
      this.back(save);
      this.noInvalid++;
      let ok: boolean;
      try {
        if (paren) {
          ok = this.c[this.pos] === C.LPAR;
          if (ok) {
            this.pos++;
            ok = items();
            if (ok && this.c[this.pos] === C.COMMA) this.pos++;
            ok = ok && this.c[this.pos] === C.RPAR;
            if (ok) this.pos++;
          }
        } else ok = items();
      } finally {
        this.noInvalid--;
      }
      if (!ok) return;
      if (this.c[this.pos] === C.COLON && this.c[this.pos + 1] === C.NEWLINE) {
        this.pos += 2;
        if (this.pos > this.far) this.far = this.pos;
        if (this.c[this.pos] !== C.INDENT) this.raiseHere(`expected an indented block after 'with' statement on line ${this.lineOf(kw)}`, 'IndentationError');
      } else if (this.c[this.pos] === C.NEWLINE) {
        if (this.pos > this.far) this.far = this.pos;
        this.raiseHere("expected ':'");
      }
    };
    tryForm(false);
    tryForm(true);
    this.back(save);
  }

  private withItem(): boolean {
    // expression 'as' star_target &(',' | ')' | ':') | expression
    if (!this.expression()) return false;
    if (this.c[this.pos] === C.AS) {
      const as = this.pos;
      this.pos++;
      const t = this.pos;
      if (this.starTarget()) {
        const c = this.c[this.pos];
        if (c === C.COMMA || c === C.RPAR || c === C.COLON) return true;
      }
      if (this.checking) {
        // invalid_with_item: expression 'as' a=expression &(',' | ')' | ':')
        this.back(t);
        const k = this.expression();
        const c = this.c[this.pos];
        if (k && (c === C.COMMA || c === C.RPAR || c === C.COLON)) this.invalidTarget(k, t, 'assign');
      }
      this.back(as);
      return true;
    }
    return true;
  }

  private tryStmt(): boolean {
    const kw = this.pos;
    this.pos++;
    if (this.checking && this.c[this.pos] === C.COLON && this.c[this.pos + 1] === C.NEWLINE) {
      if (this.pos + 2 > this.far) this.far = this.pos + 2;
      if (this.c[this.pos + 2] !== C.INDENT) {
        this.pos += 2;
        this.raiseHere(`expected an indented block after 'try' statement on line ${this.lineOf(kw)}`, 'IndentationError');
      }
    }
    this.forced(C.COLON, ':');
    if (!this.block()) return false;
    let c = this.c[this.pos];
    if (c === C.FINALLY) return this.finallyBlock();
    if (c !== C.EXCEPT) {
      if (this.checking) this.raiseHere("expected 'except' or 'finally' block");
      return this.fail();
    }
    let star = -1; // whether the handlers are except* (decided by the first)
    while (this.c[this.pos] === C.EXCEPT) {
      const ex = this.pos;
      const isStar = this.c[this.pos + 1] === C.STAR;
      if (star === -1) star = isStar ? 1 : 0;
      else if ((star === 1) !== isStar) {
        if (this.checking) {
          if (star === 0) this.raise("cannot have both 'except' and 'except*' on the same 'try'", ex);
          this.raise("cannot have both 'except' and 'except*' on the same 'try'", ex);
        }
        return this.fail();
      }
      if (!this.exceptBlock()) return false;
    }
    c = this.c[this.pos];
    if (c === C.ELSE && !this.elseBlock()) return false;
    if (this.c[this.pos] === C.FINALLY) return this.finallyBlock();
    return true;
  }

  private exceptBlock(): boolean {
    const kw = this.pos;
    this.pos++;
    const star = this.c[this.pos] === C.STAR;
    if (star) {
      if (this.minor < 11) return this.fail();
      this.pos++;
    }
    if (this.checking) this.invalidExcept(kw, star);
    if (this.c[this.pos] === C.COLON && !star) {
      this.pos++;
      return this.block();
    }
    if (!this.expression()) return false;
    if (this.c[this.pos] === C.AS) {
      this.pos++;
      if (!isNameCode(this.c[this.pos]!)) return this.fail();
      this.pos++;
    }
    if (!this.expect(C.COLON)) return false;
    return this.block();
  }

  private invalidExcept(kw: number, star: boolean): void {
    const save = this.pos;
    const what = star ? "'except*' statement" : "'except' statement";
    // invalid_except_stmt_indent: a='except' [expression ['as' NAME]] ':' NEWLINE !INDENT
    this.noInvalid++;
    try {
      let ok = true;
      if (this.c[this.pos] !== C.COLON) {
        ok = this.expression() !== K.FAIL;
        if (ok && this.c[this.pos] === C.AS) {
          this.pos++;
          ok = isNameCode(this.c[this.pos]!);
          if (ok) this.pos++;
        }
      } else if (star) ok = false;
      if (ok && this.c[this.pos] === C.COLON && this.c[this.pos + 1] === C.NEWLINE) {
        this.pos += 2;
        if (this.pos > this.far) this.far = this.pos;
        if (this.c[this.pos] !== C.INDENT) this.raiseHere(`expected an indented block after ${what} on line ${this.lineOf(kw)}`, 'IndentationError');
      }
    } finally {
      this.noInvalid--;
    }
    this.back(save);
    // invalid_except_stmt
    if (star && (this.c[this.pos] === C.NEWLINE || this.c[this.pos] === C.COLON)) this.raiseHere('expected one or more exception types');
    if (this.c[this.pos] === C.NEWLINE) {
      if (this.pos > this.far) this.far = this.pos;
      this.raiseHere("expected ':'");
    }
    const a = this.pos;
    const k = this.expression();
    if (k) {
      if (this.c[this.pos] === C.COMMA) {
        this.pos++;
        if (this.expressions()) {
          if (this.c[this.pos] === C.AS) {
            this.pos++;
            if (isNameCode(this.c[this.pos]!)) this.pos++;
          }
          if (this.c[this.pos] === C.COLON) this.raise('multiple exception types must be parenthesized', a);
        }
        this.back(a);
        this.expression();
      }
      if (this.c[this.pos] === C.AS) {
        this.pos++;
        if (isNameCode(this.c[this.pos]!)) this.pos++;
      }
      if (this.c[this.pos] === C.NEWLINE) {
        if (this.pos > this.far) this.far = this.pos;
        this.raiseHere("expected ':'");
      }
    }
    this.back(save);
  }

  /** expressions: expression (',' expression)* [','] */
  private expressions(): number {
    const k = this.expression();
    if (!k) return K.FAIL;
    if (this.c[this.pos] !== C.COMMA) return k;
    while (this.c[this.pos] === C.COMMA) {
      this.pos++;
      if (!STARTS[this.c[this.pos]!] || this.c[this.pos] === C.STAR) break;
      if (!this.expression()) return K.FAIL;
    }
    return K.TUPLE;
  }

  private finallyBlock(): boolean {
    const kw = this.pos;
    this.pos++;
    if (this.checking && this.c[this.pos] === C.COLON && this.c[this.pos + 1] === C.NEWLINE) {
      if (this.pos + 2 > this.far) this.far = this.pos + 2;
      if (this.c[this.pos + 2] !== C.INDENT) {
        this.pos += 2;
        this.raiseHere(`expected an indented block after 'finally' statement on line ${this.lineOf(kw)}`, 'IndentationError');
      }
    }
    this.forced(C.COLON, ':');
    return this.block();
  }

  private decorated(): boolean {
    // ('@' named_expression NEWLINE)+ (function_def_raw | class_def_raw)
    while (this.c[this.pos] === C.AT) {
      this.pos++;
      if (!this.namedExpression()) return false;
      if (!this.expect(C.NEWLINE)) return false;
    }
    const c = this.c[this.pos];
    if (c === C.DEF) return this.functionDef();
    if (c === C.CLASS) return this.classDef(this.pos);
    if (c === C.ASYNC && this.peek2() === C.DEF) return this.functionDef();
    return this.fail();
  }

  private classDef(kw: number): boolean {
    this.pos++;
    if (!isNameCode(this.c[this.pos]!)) return this.fail();
    this.pos++;
    if (this.c[this.pos] === C.LSQB && this.minor >= 12) {
      if (!this.typeParams()) return false;
    }
    if (this.c[this.pos] === C.LPAR) {
      this.pos++;
      if (!this.callArguments(false)) return false;
    }
    if (this.checking) this.headerEnd(kw, 'class definition', true);
    if (!this.expect(C.COLON)) return false;
    return this.block();
  }

  private functionDef(): boolean {
    if (this.c[this.pos] === C.ASYNC) this.pos++;
    const kw = this.pos;
    this.pos++;
    if (!isNameCode(this.c[this.pos]!)) return this.fail();
    this.pos++;
    if (this.c[this.pos] === C.LSQB && this.minor >= 12) {
      if (!this.typeParams()) return false;
    }
    if (this.checking && this.c[this.pos] === C.LPAR) {
      // invalid_def_raw: the header complete, then NEWLINE !INDENT
      const save = this.pos;
      this.noInvalid++;
      try {
        this.pos++;
        if (this.parameters(C.RPAR, true) && this.c[this.pos] === C.RPAR) {
          this.pos++;
          let ok = true;
          if (this.c[this.pos] === C.RARROW) {
            this.pos++;
            ok = this.expression() !== K.FAIL;
          }
          if (ok && this.c[this.pos] === C.COLON && this.c[this.pos + 1] === C.NEWLINE) {
            this.pos += 2;
            if (this.pos > this.far) this.far = this.pos;
            if (this.c[this.pos] !== C.INDENT) this.raiseHere(`expected an indented block after function definition on line ${this.lineOf(kw)}`, 'IndentationError');
          }
        }
      } catch (e) {
        if (!(e instanceof Raise) || e.type !== 'IndentationError') {
          // the parameters' own errors come from the rules below
        } else throw e;
      } finally {
        this.noInvalid--;
      }
      this.back(save);
    }
    // 3.11 made the `(` of a def a forced token ("expected '('")
    if (this.minor >= 11) this.forced(C.LPAR, '(');
    else if (!this.expect(C.LPAR)) return false;
    if (!this.parameters(C.RPAR, true)) return false;
    if (!this.expect(C.RPAR)) return false;
    if (this.c[this.pos] === C.RARROW) {
      this.pos++;
      if (!this.expression()) return false;
    }
    this.forced(C.COLON, ':');
    return this.block();
  }

  /**
   * Parameters up to `close` (`)` of a def, `:` of a lambda): plain, with defaults, `/`, `*` or `*args`, keyword-only,
   * `**kwargs`, in the order the grammar allows. Stops before `close`.
   */
  private parameters(close: number, annotations: boolean): boolean {
    const s = this.pos;
    if (this.checking) this.invalidParameters(close, annotations);
    this.back(s);
    if (this.c[this.pos] === close) return true;
    let sawDefault = false;
    let sawSlash = false;
    let star = 0; // 0 none, 1 `*name`, 2 bare `*`
    let kwonly = 0;
    let plain = 0;
    for (;;) {
      const c = this.c[this.pos]!;
      if (c === C.SLASH) {
        if (sawSlash || star || plain === 0) return this.fail();
        sawSlash = true;
        this.pos++;
      } else if (c === C.STAR) {
        if (star) return this.fail();
        this.pos++;
        if (isNameCode(this.c[this.pos]!)) {
          star = 1;
          this.pos++;
          if (annotations && this.c[this.pos] === C.COLON) {
            this.pos++;
            const ok = this.minor >= 11 && this.c[this.pos] === C.STAR ? this.starExpression() : this.expression();
            if (!ok) return false;
          }
          if (this.c[this.pos] === C.EQUAL) return this.fail();
        } else {
          star = 2;
          if (this.c[this.pos] !== C.COMMA) return this.fail();
        }
      } else if (c === C.DOUBLESTAR) {
        this.pos++;
        if (!isNameCode(this.c[this.pos]!)) return this.fail();
        this.pos++;
        if (annotations && this.c[this.pos] === C.COLON) {
          this.pos++;
          if (!this.expression()) return false;
        }
        if (this.c[this.pos] === C.COMMA) this.pos++;
        if (star === 2 && kwonly === 0) return this.fail();
        return this.c[this.pos] === close || this.fail();
      } else if (isNameCode(c)) {
        this.pos++;
        if (annotations && this.c[this.pos] === C.COLON) {
          this.pos++;
          if (!this.expression()) return false;
        }
        if (this.c[this.pos] === C.EQUAL) {
          this.pos++;
          if (!this.expression()) return false;
          if (!star) sawDefault = true;
        } else if (sawDefault && !star) return this.fail();
        if (star) kwonly++;
        else plain++;
      } else return this.fail();
      if (this.c[this.pos] === close) break;
      if (this.c[this.pos] !== C.COMMA) return this.fail();
      this.pos++;
      if (this.c[this.pos] === close) break;
    }
    if (star === 2 && kwonly === 0) return this.fail();
    return true;
  }

  /** invalid_parameters / invalid_lambda_parameters, invalid_star_etc, invalid_kwds, invalid_default */
  private invalidParameters(close: number, annotations: boolean): void {
    const s = this.pos;
    const lambda = !annotations;
    const param = (): boolean => {
      if (!isNameCode(this.c[this.pos]!)) return false;
      this.pos++;
      if (annotations && this.c[this.pos] === C.COLON) {
        this.pos++;
        this.noInvalid++;
        try {
          return this.expression() !== K.FAIL;
        } finally {
          this.noInvalid--;
        }
      }
      return true;
    };
    // walk the parameters once, noting what CPython's invalid rules look for
    let sawDefault = false;
    let sawSlash = -1;
    let star = -1; // index of `*`
    let starBare = false;
    let afterStar = false;
    let n = 0;
    for (;;) {
      const c = this.c[this.pos]!;
      const at = this.pos;
      if (c === close) break;
      if (c === C.SLASH) {
        // CPython tries `'/' ','` first, then '/' twice with only parameters between, then '/' after '*'
        if (n === 0 && sawSlash < 0 && star < 0 && this.c[this.pos + 1] === C.COMMA) this.raise('at least one argument must precede /', at);
        if (star >= 0) this.raise('/ must be ahead of *', at);
        if (sawSlash >= 0) this.raise('/ may appear only once', at);
        sawSlash = at;
        this.pos++;
        // param_maybe_default+ '/' '*'
        if (this.c[this.pos] === C.STAR && n > 0) this.raise('expected comma between / and *', this.pos);
      } else if (c === C.STAR) {
        if (star >= 0 && (afterStar || starBare)) this.raise('* argument may appear only once', at);
        star = at;
        this.pos++;
        if (this.c[this.pos] === close || (this.c[this.pos] === C.COMMA && (this.c[this.pos + 1] === close || this.c[this.pos + 1] === C.DOUBLESTAR))) {
          if (lambda) this.raiseHere('named arguments must follow bare *');
          this.raise('named arguments must follow bare *', at);
        }
        if (this.c[this.pos] === C.COMMA) starBare = true;
        else {
          if (!param()) break;
          if (this.c[this.pos] === C.EQUAL) this.raise('var-positional argument cannot have default value', this.pos);
          afterStar = true;
        }
      } else if (c === C.DOUBLESTAR) {
        this.pos++;
        if (!param()) break;
        if (this.c[this.pos] === C.EQUAL) this.raise('var-keyword argument cannot have default value', this.pos);
        if (this.c[this.pos] === C.COMMA) {
          const next = this.c[this.pos + 1]!;
          if (isNameCode(next)) this.raise('arguments cannot follow var-keyword argument', this.pos + 1);
          if (next === C.STAR || next === C.DOUBLESTAR || next === C.SLASH) this.raise('arguments cannot follow var-keyword argument', this.pos + 1);
        }
        break;
      } else if (c === C.LPAR && star < 0) {
        // param_no_default* '(' param_no_default+ ','? ')'
        const open = this.pos;
        this.pos++;
        let k = 0;
        while (isNameCode(this.c[this.pos]!)) {
          this.pos++;
          k++;
          if (this.c[this.pos] !== C.COMMA) break;
          this.pos++;
        }
        if (k > 0 && this.c[this.pos] === C.RPAR && !sawDefault) {
          this.raise(lambda ? 'Lambda expression parameters cannot be parenthesized' : 'Function parameters cannot be parenthesized', open);
        }
        break;
      } else if (isNameCode(c)) {
        if (!param()) break;
        if (this.c[this.pos] === C.EQUAL) {
          this.pos++;
          if (this.c[this.pos] === C.RPAR || this.c[this.pos] === C.COMMA || (lambda && this.c[this.pos] === C.COLON)) {
            if (!lambda || this.c[this.pos] !== C.COLON) this.raise('expected default value expression', this.pos - 1);
          }
          this.noInvalid++;
          let ok: boolean;
          try {
            ok = this.expression() !== K.FAIL;
          } finally {
            this.noInvalid--;
          }
          if (!ok) break;
          if (star < 0) sawDefault = true;
        } else if (sawDefault && star < 0) {
          this.raise(this.minor >= 12 ? 'parameter without a default follows parameter with a default' : 'non-default argument follows default argument', at);
        }
        n++;
      } else break;
      if (this.c[this.pos] !== C.COMMA) break;
      this.pos++;
    }
    this.back(s);
  }

  // ---------------------------------------------------------------- match

  private matchStmt(): boolean {
    // "match" subject_expr ':' NEWLINE INDENT case_block+ DEDENT
    const kw = this.pos;
    this.pos++;
    if (!this.subjectExpr()) return false;
    if (this.checking) {
      if (this.c[this.pos] === C.NEWLINE) {
        if (this.pos > this.far) this.far = this.pos;
        this.raiseHere("expected ':'");
      }
      if (this.c[this.pos] === C.COLON && this.c[this.pos + 1] === C.NEWLINE && this.c[this.pos + 2] !== C.INDENT) {
        this.pos += 2;
        if (this.pos > this.far) this.far = this.pos;
        this.raiseHere(`expected an indented block after 'match' statement on line ${this.lineOf(kw)}`, 'IndentationError');
      }
    }
    if (!this.expect(C.COLON) || !this.expect(C.NEWLINE) || !this.expect(C.INDENT)) return false;
    let cases = 0;
    while (this.c[this.pos] === C.CASE) {
      if (!this.caseBlock()) return false;
      cases++;
    }
    if (cases === 0) return this.fail();
    return this.expect(C.DEDENT);
  }

  private subjectExpr(): boolean {
    // star_named_expression ',' star_named_expressions? | named_expression
    const s = this.pos;
    if (this.c[this.pos] === C.STAR) {
      if (!this.starNamedExpression()) return false;
      if (this.c[this.pos] !== C.COMMA) return this.fail();
    } else if (!this.namedExpression()) return false;
    if (this.c[this.pos] === C.COMMA) {
      this.pos++;
      while (STARTS[this.c[this.pos]!]) {
        if (!this.starNamedExpression()) return false;
        if (this.c[this.pos] !== C.COMMA) break;
        this.pos++;
      }
    }
    return s >= 0;
  }

  private caseBlock(): boolean {
    const kw = this.pos;
    this.pos++;
    if (!this.patterns()) {
      return false;
    }
    if (this.c[this.pos] === C.IF) {
      this.pos++;
      if (!this.namedExpression()) return false;
    }
    if (this.checking) {
      if (this.c[this.pos] === C.NEWLINE) {
        if (this.pos > this.far) this.far = this.pos;
        this.raiseHere("expected ':'");
      }
      if (this.c[this.pos] === C.COLON && this.c[this.pos + 1] === C.NEWLINE && this.c[this.pos + 2] !== C.INDENT) {
        this.pos += 2;
        if (this.pos > this.far) this.far = this.pos;
        this.raiseHere(`expected an indented block after 'case' statement on line ${this.lineOf(kw)}`, 'IndentationError');
      }
    }
    if (!this.expect(C.COLON)) return false;
    return this.block();
  }

  /** patterns: open_sequence_pattern | pattern */
  private patterns(): boolean {
    const s = this.pos;
    const star = this.c[this.pos] === C.STAR;
    if (star) {
      if (!this.starPattern()) return false;
      if (this.c[this.pos] !== C.COMMA) return this.fail();
    } else if (!this.pattern()) return false;
    if (this.c[this.pos] === C.COMMA) {
      this.pos++;
      while (this.c[this.pos] !== C.COLON && this.c[this.pos] !== C.IF) {
        if (!this.maybeStarPattern()) return false;
        if (this.c[this.pos] !== C.COMMA) break;
        this.pos++;
      }
    }
    return s >= 0;
  }

  private maybeStarPattern(): boolean {
    return this.c[this.pos] === C.STAR ? this.starPattern() : this.pattern();
  }

  private starPattern(): boolean {
    this.pos++;
    if (!isNameCode(this.c[this.pos]!)) return this.fail();
    this.pos++;
    return true;
  }

  /** pattern: or_pattern ['as' NAME] */
  private pattern(): boolean {
    if (!this.orPattern()) return false;
    if (this.c[this.pos] === C.AS) {
      this.pos++;
      const t = this.pos;
      if (isNameCode(this.c[this.pos]!) && this.tokText(this.pos) !== '_') {
        this.pos++;
        const c = this.c[this.pos];
        if (c !== C.DOT && c !== C.LPAR && c !== C.EQUAL) return true;
      }
      if (this.checking) {
        if (isNameCode(this.c[t]!) && this.tokText(t) === '_') this.raise("cannot use '_' as a target", t);
        this.back(t);
        if (!isNameCode(this.c[t]!) && this.expression()) this.raise('invalid pattern target', t);
      }
      return this.fail();
    }
    return true;
  }

  private orPattern(): boolean {
    for (;;) {
      if (!this.closedPattern()) return false;
      if (this.c[this.pos] !== C.VBAR) return true;
      this.pos++;
    }
  }

  private closedPattern(): boolean {
    const c = this.c[this.pos]!;
    switch (c) {
      case C.NONE:
      case C.TRUE:
      case C.FALSE:
        this.pos++;
        return true;
      case C.STRING:
      case C.FSTRING:
        return this.strings() !== K.FAIL;
      case C.MINUS:
      case C.NUMBER:
        return this.numberPattern();
      case C.LPAR: {
        // group_pattern | sequence_pattern
        this.pos++;
        if (this.c[this.pos] === C.RPAR) {
          this.pos++;
          return true;
        }
        const first = this.c[this.pos] === C.STAR;
        if (!this.maybeStarPattern()) return false;
        if (this.c[this.pos] === C.RPAR) {
          if (first) return this.fail();
          this.pos++;
          return true;
        }
        if (!this.expect(C.COMMA)) return false;
        while (this.c[this.pos] !== C.RPAR) {
          if (!this.maybeStarPattern()) return false;
          if (this.c[this.pos] !== C.COMMA) break;
          this.pos++;
        }
        return this.expect(C.RPAR);
      }
      case C.LSQB:
        this.pos++;
        while (this.c[this.pos] !== C.RSQB) {
          if (!this.maybeStarPattern()) return false;
          if (this.c[this.pos] !== C.COMMA) break;
          this.pos++;
        }
        return this.expect(C.RSQB);
      case C.LBRACE:
        return this.mappingPattern();
      default:
        if (isNameCode(c)) return this.namePattern();
        return this.fail();
    }
  }

  /** signed_number, complex_number */
  private numberPattern(): boolean {
    if (this.c[this.pos] === C.MINUS) this.pos++;
    if (!this.expect(C.NUMBER)) return false;
    const real = this.st.e[this.pos - 1]!;
    const lastChar = this.text.charCodeAt(real - 1) | 32;
    if (this.c[this.pos] === C.PLUS || this.c[this.pos] === C.MINUS) {
      // real '+' imaginary: the left must be real, the right imaginary
      if (lastChar === 106) return this.fail();
      this.pos++;
      if (!this.expect(C.NUMBER)) return false;
      const im = this.text.charCodeAt(this.st.e[this.pos - 1]! - 1) | 32;
      if (im !== 106) {
        if (this.checking) this.raise('imaginary number required in complex literal', this.pos - 1);
        return this.fail();
      }
      if (this.c[this.pos] === C.PLUS || this.c[this.pos] === C.MINUS) return this.fail();
    }
    return true;
  }

  /** capture, wildcard, value (dotted) or class pattern */
  private namePattern(): boolean {
    const s = this.pos;
    this.pos++;
    let dotted = false;
    while (this.c[this.pos] === C.DOT) {
      this.pos++;
      if (!isNameCode(this.c[this.pos]!)) return this.fail();
      this.pos++;
      dotted = true;
    }
    const c = this.c[this.pos];
    if (c === C.LPAR) return this.classPatternArgs();
    if (c === C.EQUAL || (!dotted && c === C.DOT)) return this.fail();
    return s >= 0;
  }

  private classPatternArgs(): boolean {
    this.pos++;
    let keywords = false;
    let firstKeyword = -1;
    while (this.c[this.pos] !== C.RPAR) {
      const at = this.pos;
      if (isNameCode(this.c[this.pos]!) && this.peek2() === C.EQUAL) {
        this.pos += 2;
        if (!this.pattern()) return false;
        if (!keywords) firstKeyword = at;
        keywords = true;
      } else {
        if (keywords) {
          if (this.checking) {
            // positional patterns follow keyword patterns
            if (this.pattern()) this.raise('positional patterns follow keyword patterns', at);
          }
          return this.fail();
        }
        if (!this.pattern()) return false;
      }
      if (this.c[this.pos] !== C.COMMA) break;
      this.pos++;
    }
    return this.expect(C.RPAR) && firstKeyword >= -1;
  }

  private mappingPattern(): boolean {
    this.pos++;
    while (this.c[this.pos] !== C.RBRACE) {
      if (this.c[this.pos] === C.DOUBLESTAR) {
        // '**' pattern_capture_target (not `_`)
        this.pos++;
        if (!isNameCode(this.c[this.pos]!) || this.tokText(this.pos) === '_') return this.fail();
        this.pos++;
        if (this.c[this.pos] === C.COMMA) this.pos++;
        return this.expect(C.RBRACE);
      }
      // key: literal_expr | attr
      const c = this.c[this.pos]!;
      if (c === C.STRING || c === C.FSTRING) {
        if (!this.strings()) return false;
      } else if (c === C.NUMBER || c === C.MINUS) {
        if (!this.numberPattern()) return false;
      } else if (c === C.NONE || c === C.TRUE || c === C.FALSE) this.pos++;
      else if (isNameCode(c)) {
        // attr: name_or_attr '.' NAME (a bare name is not a key)
        this.pos++;
        if (this.c[this.pos] !== C.DOT) return this.fail();
        while (this.c[this.pos] === C.DOT) {
          this.pos++;
          if (!isNameCode(this.c[this.pos]!)) return this.fail();
          this.pos++;
        }
      } else return this.fail();
      if (!this.expect(C.COLON)) return false;
      if (!this.pattern()) return false;
      if (this.c[this.pos] !== C.COMMA) break;
      this.pos++;
    }
    return this.expect(C.RBRACE);
  }

  // ---------------------------------------------------------------- expressions

  /** star_expressions: a tuple when a comma follows the first */
  private starExpressions(): number {
    const s = this.pos;
    const k = this.starExpression();
    if (!k) return K.FAIL;
    if (this.c[this.pos] !== C.COMMA) return k;
    return this.sequenceRest(s, k, C.END, false);
  }

  /**
   * The rest of a comma-separated sequence whose first element (kind k, from token s) is parsed: elements are
   * star_expression (`named` false) or star_named_expression; stops before `close` (or at a token that cannot
   * start one). Notes whether all elements are valid targets. Returns TUPLE.
   */
  private sequenceRest(s: number, k: number, close: number, named: boolean): number {
    let ok = this.elementOk(k);
    let delOk = this.elementDelOk(k, s);
    while (this.c[this.pos] === C.COMMA) {
      this.pos++;
      const c = this.c[this.pos]!;
      if (c === close || !STARTS[c]) break;
      const e = this.pos;
      const k2 = named ? this.starNamedExpression() : this.starExpression();
      if (!k2) {
        this.back(e);
        break;
      }
      ok = this.elementOk(k2) && ok;
      delOk = this.elementDelOk(k2, e) && delOk;
    }
    this.lastTargetsOk = ok;
    this.lastDelOk = delOk;
    return K.TUPLE;
  }

  /** an element (kind k) of a tuple or list that is a valid star target */
  private elementOk(k: number): boolean {
    if (k === K.NAME || k === K.ATTR || k === K.SUB) return true;
    if (k === K.TUPLE || k === K.LIST || k === K.STARRED) return this.lastTargetsOk;
    return false;
  }

  private elementDelOk(k: number, start: number): boolean {
    if (k === K.NAME || k === K.ATTR || k === K.SUB) return true;
    if ((k === K.TUPLE || k === K.LIST) && (this.c[start] === C.LPAR || this.c[start] === C.LSQB)) return this.lastDelOk;
    return false;
  }

  /** star_expression: '*' bitwise_or | expression */
  private starExpression(): number {
    if (this.c[this.pos] === C.STAR) {
      const s = this.pos;
      this.pos++;
      const e = this.pos;
      const k = this.bitwiseOr();
      if (!k) return K.FAIL;
      this.lastTargetsOk = isTargetKind(k) || ((k === K.TUPLE || k === K.LIST) && this.lastTargetsOk);
      this.lastDelOk = false;
      return K.STARRED;
    }
    return this.expression();
  }

  /** star_named_expression: '*' bitwise_or | named_expression */
  private starNamedExpression(): number {
    if (this.c[this.pos] === C.STAR) return this.starExpression();
    return this.namedExpression();
  }

  /** named_expression: NAME ':=' expression | expression !':=' */
  private namedExpression(): number {
    const s = this.pos;
    if (isNameCode(this.c[s]!) && this.peek2() === C.COLONEQUAL) {
      this.pos += 2;
      return this.expression() ? K.NAMED : K.FAIL;
    }
    if (this.checking) this.invalidNamedExpression(s);
    const k = this.expression();
    if (!k) return K.FAIL;
    if (this.c[this.pos] === C.COLONEQUAL) return this.fail() as never as number;
    return k;
  }

  /** invalid_named_expression */
  private invalidNamedExpression(s: number): void {
    // a=expression ':=' expression
    const k = this.expression();
    if (k && this.c[this.pos] === C.COLONEQUAL) {
      this.pos++;
      if (this.expression()) this.raise(`cannot use assignment expressions with ${KIND_NAMES[k]}`, s);
    }
    this.back(s);
    // a=NAME '=' b=bitwise_or !('='|':=')
    if (isNameCode(this.c[s]!) && this.peek2() === C.EQUAL) {
      this.pos += 2;
      if (this.bitwiseOr() && this.c[this.pos] !== C.EQUAL && this.c[this.pos] !== C.COLONEQUAL) {
        this.raise("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", s);
      }
      this.back(s);
    }
    // !(list|tuple|genexp|'True'|'None'|'False') a=bitwise_or b='=' bitwise_or !('='|':=')
    const c = this.c[s];
    if (c === C.TRUE || c === C.NONE || c === C.FALSE) return;
    if (c === C.LSQB || c === C.LPAR) {
      const a = this.atom();
      const excluded = a === K.LIST || a === K.TUPLE || a === K.GENEXP;
      this.back(s);
      if (excluded) return;
    }
    const k2 = this.bitwiseOr();
    if (k2 && this.c[this.pos] === C.EQUAL) {
      this.pos++;
      if (this.bitwiseOr() && this.c[this.pos] !== C.EQUAL && this.c[this.pos] !== C.COLONEQUAL) {
        this.raise(`cannot assign to ${KIND_NAMES[k2]} here. Maybe you meant '==' instead of '='?`, s);
      }
    }
    this.back(s);
  }

  /** expression: disjunction ['if' disjunction 'else' expression] | lambdef */
  private expression(): number {
    return this.p2 ? this.memoized(M.EXPRESSION, () => this.expressionRule()) : this.expressionRule();
  }

  private expressionRule(): number {
    const s = this.pos;
    // the first pass starts at the primary most expressions are: a name or number that a token no operator can
    // continue ends (most arguments, values, targets); else the operators after a primary are taken as they come
    if (!this.p2) {
      const c0 = this.c[s]!;
      const k = ATOM_KIND[c0]!;
      if (k !== 0 && ENDS_EXPRESSION[this.c[s + 1]!] === 1) {
        this.pos = s + 1;
        return k;
      }
      if (PRIMARY_START[c0] === 1) {
        const p = this.primary();
        if (!p || ENDS_EXPRESSION[this.c[this.pos]!] === 1) return p;
        return this.ternaryTail(this.disjunctionTail(this.conjunctionTail(this.comparisonTail(this.binaryTail(1, this.powerTail(p))))));
      }
    }
    if (this.checking) this.invalidExpression(s);
    if (this.c[s] === C.LAMBDA) return this.lambdef();
    const k = this.disjunction();
    if (!k) return K.FAIL;
    return this.ternaryTail(k);
  }

  /** `if` disjunction `else` expression after a disjunction of kind k */
  private ternaryTail(k: number): number {
    if (k === K.FAIL || this.c[this.pos] !== C.IF) return k;
    // a failed suffix is not part of the expression (PEG: the next alternative is the disjunction alone)
    const at = this.pos;
    this.pos++;
    if (this.disjunction() && this.expect(C.ELSE) && this.expression()) return K.IFEXP;
    this.back(at);
    return k;
  }

  /** invalid_expression and invalid_legacy_expression */
  private invalidExpression(s: number): void {
    const c0 = this.c[s]!;
    const c1 = this.c[s + 1]!;
    this.noInvalid++;
    try {
      // !(NAME STRING | SOFT_KEYWORD) a=disjunction b=expression_without_invalid
      if (!(c0 === C.NAME && (c1 === C.STRING || c1 === C.FSTRING)) && !(c0 >= C.MATCH && c0 <= C.TYPE) && !(c0 === C.NAME && this.tokText(s) === '_')) {
        const a = this.disjunction();
        if (a && STARTS[this.c[this.pos]!] && this.c[this.pos] !== C.STAR && this.c[this.pos] !== C.MINUS && this.c[this.pos] !== C.PLUS) {
          const b = this.pos;
          if (this.expression() && b >= 0) {
            const legacy = this.isLegacy(s, a);
            if (!legacy && this.level(this.pos - 1) > 0) this.raise('invalid syntax. Perhaps you forgot a comma?', s);
          }
        }
      }
      this.back(s);
      // a=disjunction 'if' b=disjunction !('else'|':')
      if (c0 !== C.LAMBDA) {
        if (this.disjunction() && this.c[this.pos] === C.IF) {
          this.pos++;
          if (this.disjunction() && this.c[this.pos] !== C.ELSE && this.c[this.pos] !== C.COLON) {
            this.raise("expected 'else' after 'if' expression", s);
          }
        }
        this.back(s);
      }
    } finally {
      this.noInvalid--;
    }
    if (this.minor >= 12 && c0 === C.LAMBDA && this.depth > 0) {
      // lambda inside an f-string field without parentheses: the field's ':' took its colon
      const save = this.pos;
      this.pos++;
      this.noInvalid++;
      try {
        this.parameters(C.COLON, false);
      } catch {
        // not the point here
      } finally {
        this.noInvalid--;
      }
      if (this.c[this.pos] === C.END || this.c[this.pos] === C.COLON) this.raise('f-string: lambda expressions are not allowed without parentheses', s);
      this.back(save);
    }
    // invalid_legacy_expression: a=NAME !'(' b=star_expressions
    if (c0 === C.NAME && c1 !== C.LPAR) {
      const name = this.tokText(s);
      if (name === 'print' || name === 'exec') {
        this.pos = s + 1;
        this.noInvalid++;
        let ok = false;
        try {
          ok = STARTS[this.c[this.pos]!] === 1 && this.starExpressions() !== K.FAIL;
        } catch (e) {
          if (!(e instanceof Raise)) throw e;
        } finally {
          this.noInvalid--;
        }
        if (ok) this.raise(`Missing parentheses in call to '${name}'. Did you mean ${name}(...)?`, s);
        this.back(s);
      }
    }
  }

  /** _PyPegen_check_legacy_stmt: the expression is a bare `print` or `exec` name */
  private isLegacy(s: number, k: number): boolean {
    if (k !== K.NAME) return false;
    const t = this.tokText(s);
    return t === 'print' || t === 'exec';
  }

  private lambdef(): number {
    this.pos++;
    if (!this.parameters(C.COLON, false)) return K.FAIL;
    if (!this.expect(C.COLON)) return K.FAIL;
    return this.expression() ? K.LAMBDA : K.FAIL;
  }

  private disjunction(): number {
    return this.p2 ? this.memoized(M.DISJUNCTION, () => this.disjunctionTail(this.conjunction())) : this.disjunctionTail(this.conjunction());
  }

  private disjunctionTail(k: number): number {
    if (!k) return K.FAIL;
    while (this.c[this.pos] === C.OR) {
      const at = this.pos;
      this.pos++;
      if (!this.conjunction()) {
        this.back(at);
        return k;
      }
      k = K.EXPR;
    }
    return k;
  }

  private conjunction(): number {
    return this.conjunctionTail(this.inversion());
  }

  private conjunctionTail(k: number): number {
    if (!k) return K.FAIL;
    while (this.c[this.pos] === C.AND) {
      const at = this.pos;
      this.pos++;
      if (!this.inversion()) {
        this.back(at);
        return k;
      }
      k = K.EXPR;
    }
    return k;
  }

  private inversion(): number {
    if (this.c[this.pos] === C.NOT) {
      this.pos++;
      return this.inversion() ? K.EXPR : K.FAIL;
    }
    return this.comparison();
  }

  private comparison(): number {
    return this.comparisonTail(this.bitwiseOr());
  }

  private comparisonTail(k: number): number {
    if (!k) return K.FAIL;
    for (;;) {
      const c = this.c[this.pos]!;
      const at = this.pos;
      if (c >= C.EQEQUAL && c <= C.GREATEREQUAL) this.pos++;
      else if (c === C.IN) this.pos++;
      else if (c === C.IS) {
        this.pos++;
        if (this.c[this.pos] === C.NOT) this.pos++;
      } else if (c === C.NOT) {
        if (this.peek2() !== C.IN) return k;
        this.pos += 2;
      } else return k;
      if (!this.bitwiseOr()) {
        this.back(at);
        return k;
      }
      k = K.COMPARE;
    }
  }

  /** bitwise_or and the binary operators below it, by precedence */
  private bitwiseOr(): number {
    return this.p2 ? this.memoized(M.BITWISE_OR, () => this.bitwiseOrRule()) : this.bitwiseOrRule();
  }

  private bitwiseOrRule(): number {
    const s = this.pos;
    if (!this.p2) {
      const c0 = this.c[s]!;
      const k = ATOM_KIND[c0]!;
      if (k !== 0 && ENDS_EXPRESSION[this.c[s + 1]!] === 1) {
        this.pos = s + 1;
        return k;
      }
      if (PRIMARY_START[c0] === 1) {
        const p = this.primary();
        if (!p || ENDS_EXPRESSION[this.c[this.pos]!] === 1) return p;
        return this.binaryTail(1, this.powerTail(p));
      }
    }
    return this.binary(1);
  }

  private binary(min: number): number {
    return this.binaryTail(min, this.factor());
  }

  /** the binary operators of precedence `min` and up after an operand of kind k */
  private binaryTail(min: number, k: number): number {
    if (!k) return K.FAIL;
    for (;;) {
      const p = BINARY[this.c[this.pos]!]!;
      if (p === 0 || p < min) return k;
      if (this.checking && this.minor >= 13 && this.c[this.pos + 1] === C.NOT) {
        this.raise("'not' after an operator must be parenthesized", this.pos + 1);
      }
      const at = this.pos;
      this.pos++;
      if (!this.binary(p + 1)) {
        this.back(at);
        return k;
      }
      k = K.EXPR;
    }
  }

  private factor(): number {
    const c = this.c[this.pos];
    if (c === C.PLUS || c === C.MINUS || c === C.TILDE) {
      this.pos++;
      if (this.checking && this.minor >= 13 && this.c[this.pos] === C.NOT) this.raise("'not' after an operator must be parenthesized", this.pos);
      return this.factor() ? K.EXPR : K.FAIL;
    }
    return this.powerTail(this.awaitPrimary());
  }

  /** `**` factor after an await_primary of kind k */
  private powerTail(k: number): number {
    if (!k) return K.FAIL;
    if (this.c[this.pos] === C.DOUBLESTAR) {
      const at = this.pos;
      this.pos++;
      if (this.checking && this.minor >= 13 && this.c[this.pos] === C.NOT) this.raise("'not' after an operator must be parenthesized", this.pos);
      if (this.factor()) return K.EXPR;
      this.back(at);
    }
    return k;
  }

  private awaitPrimary(): number {
    if (this.c[this.pos] === C.AWAIT) {
      this.pos++;
      return this.primary() ? K.AWAIT : K.FAIL;
    }
    return this.primary();
  }

  private primary(): number {
    let k = this.atom();
    if (!k) return K.FAIL;
    // a trailer that fails is not part of the primary (PEG: the shorter primary is the match)
    for (;;) {
      const c = this.c[this.pos];
      const at = this.pos;
      if (c === C.DOT) {
        this.pos++;
        if (!isNameCode(this.c[this.pos]!)) {
          this.back(at);
          return k;
        }
        this.pos++;
        k = K.ATTR;
      } else if (c === C.LPAR) {
        this.pos++;
        if (!this.callArguments(true)) {
          this.back(at);
          return k;
        }
        k = K.CALL;
      } else if (c === C.LSQB) {
        this.pos++;
        if (!this.slices()) {
          this.back(at);
          return k;
        }
        k = K.SUB;
      } else return k;
    }
  }

  /**
   * Call arguments after `(`, up to and including `)`: positional and `*` arguments, then keywords and `*`
   * arguments, then keywords and `**` arguments; or one generator expression.
   */
  private callArguments(genexp: boolean): boolean {
    const s = this.pos;
    if (this.c[this.pos] === C.RPAR) {
      this.pos++;
      return true;
    }
    let keyword = false; // a keyword or ** seen: no more plain positional arguments
    let double = false; // a ** seen: no more * arguments
    let first = true;
    for (;;) {
      const c = this.c[this.pos]!;
      if (c === C.STAR) {
        if (double) return this.argsFail(s);
        this.pos++;
        if (!this.expression()) return this.argsFail(s);
        if (this.checking && this.minor >= 12 && this.c[this.pos] === C.EQUAL) {
          // invalid_starred_expression: '*' expression '=' expression
          const save = this.pos;
          this.pos++;
          if (this.expression()) this.raise('cannot assign to iterable argument unpacking', s);
          this.back(save);
        }
      } else if (c === C.DOUBLESTAR) {
        this.pos++;
        if (!this.expression()) return this.argsFail(s);
        keyword = true;
        double = true;
      } else if (isNameCode(c) && this.peek2() === C.EQUAL) {
        this.pos += 2;
        if (!this.expression()) return this.argsFail(s);
        keyword = true;
      } else {
        if (this.checking) this.invalidKwarg();
        const e = this.pos;
        let k: number;
        if (isNameCode(c) && this.peek2() === C.COLONEQUAL) {
          this.pos += 2;
          k = this.expression() ? K.NAMED : K.FAIL;
        } else {
          k = this.expression();
          if (k && this.c[this.pos] === C.COLONEQUAL) return this.argsFail(s);
        }
        if (!k) return this.argsFail(s);
        if (this.c[this.pos] === C.FOR || (this.c[this.pos] === C.ASYNC && this.c[this.pos + 1] === C.FOR)) {
          // a generator expression: the only argument
          if (!genexp || !first) return this.argsFail(s);
          if (!this.forIfClauses()) return this.argsFail(s);
          if (this.c[this.pos] === C.RPAR) {
            this.pos++;
            return true;
          }
          return this.argsFail(s);
        }
        if (keyword || this.c[this.pos] === C.EQUAL) return this.argsFail(s);
        if (e < 0) return false;
      }
      first = false;
      if (this.c[this.pos] === C.RPAR) {
        this.pos++;
        return true;
      }
      if (this.c[this.pos] !== C.COMMA) return this.argsFail(s);
      this.pos++;
      if (this.c[this.pos] === C.RPAR) {
        this.pos++;
        return true;
      }
    }
  }

  /** the arguments failed: in the second pass, invalid_arguments */
  private argsFail(s: number): false {
    this.fail();
    if (!this.checking) return false;
    this.invalidArguments(s);
    return this.fail();
  }

  /** invalid_kwarg (tried before each positional argument in the second pass) */
  private invalidKwarg(): void {
    const s = this.pos;
    const c = this.c[s]!;
    // ('True'|'False'|'None') '='
    if ((c === C.TRUE || c === C.FALSE || c === C.NONE) && this.c[s + 1] === C.EQUAL) this.raise(`cannot assign to ${this.tokText(s)}`, s);
    // NAME '=' expression for_if_clauses
    if (isNameCode(c) && this.c[s + 1] === C.EQUAL) {
      this.pos += 2;
      if (this.expression() && (this.c[this.pos] === C.FOR || this.c[this.pos] === C.ASYNC) && this.forIfClauses()) {
        this.raise("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", s);
      }
      this.back(s);
      return;
    }
    // !(NAME '=') a=expression b='='
    if (this.expression() && this.c[this.pos] === C.EQUAL) {
      if (this.minor >= 13 && this.c[this.pos + 1] !== C.RPAR && this.c[this.pos + 1] !== C.COMMA) {
        // 3.13: expression '=' &(',' | ')') is "expected argument value expression"; otherwise the same message
      }
      this.raise('expression cannot contain assignment, perhaps you meant "=="?', s);
    }
    this.back(s);
  }

  /** invalid_arguments, from the start of the arguments (after `(`) */
  private invalidArguments(s: number): void {
    // walk the arguments again, noting the order problems CPython names
    this.back(s);
    let keyword = false;
    let kwUnpack = false;
    let count = 0;
    this.noInvalid++;
    try {
      for (;;) {
        const c = this.c[this.pos]!;
        const at = this.pos;
        if (c === C.RPAR) return;
        if (c === C.STAR) {
          if (kwUnpack) {
            this.noInvalid--;
            try {
              this.raise('iterable argument unpacking follows keyword argument unpacking', this.minor >= 13 ? at : s);
            } finally {
              this.noInvalid++;
            }
          }
          this.pos++;
          if (!this.expression()) return;
        } else if (c === C.DOUBLESTAR) {
          this.pos++;
          if (!this.expression()) return;
          kwUnpack = true;
          keyword = true;
        } else if (isNameCode(c) && this.c[this.pos + 1] === C.EQUAL) {
          this.pos += 2;
          if (!this.expression()) return;
          keyword = true;
        } else {
          const k = this.expression();
          if (!k) return;
          if (this.c[this.pos] === C.FOR || (this.c[this.pos] === C.ASYNC && this.c[this.pos + 1] === C.FOR)) {
            const clauses = this.forIfClauses();
            if (!clauses) return;
            if (count > 0 || this.c[this.pos] === C.COMMA) {
              this.noInvalid--;
              try {
                this.raise('Generator expression must be parenthesized', at);
              } finally {
                this.noInvalid++;
              }
            }
            return;
          }
          if (keyword) {
            // `args ',' args`: CPython parses the second list of arguments (its own invalid rules may fire there
            // first), then names the order problem at the last token it read
            this.noInvalid--;
            try {
              this.back(at);
              this.restOfArguments();
              this.raiseHere(kwUnpack ? 'positional argument follows keyword argument unpacking' : 'positional argument follows keyword argument');
            } finally {
              this.noInvalid++;
            }
          }
        }
        count++;
        if (this.c[this.pos] !== C.COMMA) return;
        this.pos++;
      }
    } finally {
      this.noInvalid--;
      this.back(s);
    }
  }

  /** arguments (positional, starred, keyword), as many as parse, from the current token */
  private restOfArguments(): void {
    for (;;) {
      const c = this.c[this.pos]!;
      if (c === C.STAR || c === C.DOUBLESTAR) {
        this.pos++;
        if (!this.expression()) return;
      } else if (isNameCode(c) && this.peek2() === C.EQUAL) {
        this.pos += 2;
        if (!this.expression()) return;
      } else if (isNameCode(c) && this.peek2() === C.COLONEQUAL) {
        this.pos += 2;
        if (!this.expression()) return;
      } else if (!this.expression()) return;
      if (this.c[this.pos] !== C.COMMA) return;
      this.pos++;
    }
  }

  /** slices after `[`, up to and including `]` */
  private slices(): boolean {
    let n = 0;
    for (;;) {
      const c = this.c[this.pos]!;
      if (c === C.STAR && this.minor >= 11) {
        this.pos++;
        if (!this.expression()) return false;
      } else if (!this.slice()) return false;
      n++;
      if (this.c[this.pos] === C.RSQB) {
        this.pos++;
        return true;
      }
      if (!this.expect(C.COMMA)) return false;
      if (this.c[this.pos] === C.RSQB) {
        this.pos++;
        return n > 0;
      }
    }
  }

  /** slice: [expression] ':' [expression] [':' [expression]] | named_expression */
  private slice(): boolean {
    const c = this.c[this.pos]!;
    if (c !== C.COLON) {
      const s = this.pos;
      const k = this.namedExpression();
      if (!k) return false;
      if (this.c[this.pos] !== C.COLON) return true;
      if (k === K.NAMED && this.c[s + 1] === C.COLONEQUAL) return this.fail();
    }
    this.pos++;
    const stop = (x: number): boolean => x === C.COLON || x === C.COMMA || x === C.RSQB;
    if (!stop(this.c[this.pos]!) && !this.expression()) return false;
    if (this.c[this.pos] === C.COLON) {
      this.pos++;
      if (!stop(this.c[this.pos]!) && !this.expression()) return false;
    }
    return true;
  }

  private atom(): number {
    spend(); // the per-file bound (files.maxSeconds), as the tokenizer keeps it
    const c = this.c[this.pos]!;
    switch (c) {
      case C.NAME:
      case C.MATCH:
      case C.CASE:
      case C.TYPE:
        this.pos++;
        return K.NAME;
      case C.NUMBER:
        this.pos++;
        return K.LITERAL;
      case C.STRING:
      case C.FSTRING:
        return this.strings();
      case C.TRUE:
        this.pos++;
        return K.TRUE;
      case C.FALSE:
        this.pos++;
        return K.FALSE;
      case C.NONE:
        this.pos++;
        return K.NONE;
      case C.ELLIPSIS:
        this.pos++;
        return K.ELLIPSIS;
      case C.LPAR:
        return this.parenAtom();
      case C.LSQB:
        return this.listAtom();
      case C.LBRACE:
        return this.braceAtom();
      default:
        return this.fail() as never as number;
    }
  }

  /** tuple | group | genexp */
  private parenAtom(): number {
    const s = this.pos;
    this.pos++;
    const c = this.c[this.pos]!;
    if (c === C.RPAR) {
      this.pos++;
      this.lastTargetsOk = true;
      this.lastDelOk = true;
      return K.TUPLE;
    }
    if (c === C.YIELD) {
      if (!this.yieldExpr()) return K.FAIL;
      return this.expect(C.RPAR) ? K.YIELD : K.FAIL;
    }
    if (c === C.DOUBLESTAR) {
      if (this.checking) {
        this.pos++;
        if (this.expression() && this.c[this.pos] === C.RPAR) this.raise('cannot use double starred expression here', s + 1);
      }
      return this.fail() as never as number;
    }
    const e = this.pos;
    const k = this.starNamedExpression();
    if (!k) return K.FAIL;
    const next = this.c[this.pos];
    if (next === C.COMMA) {
      const r = this.sequenceRest(e, k, C.RPAR, true);
      if (!r) return K.FAIL;
      return this.expect(C.RPAR) ? K.TUPLE : K.FAIL;
    }
    if (k === K.STARRED) {
      if (this.checking && next === C.RPAR) this.raise('cannot use starred expression here', e);
      if (this.checking && (next === C.FOR || next === C.ASYNC)) {
        if (this.forIfClauses()) this.raise('iterable unpacking cannot be used in comprehension', e);
      }
      return this.fail() as never as number;
    }
    if (next === C.RPAR) {
      this.pos++;
      return k; // a group: the kind of what it holds
    }
    if (next === C.FOR || (next === C.ASYNC && this.c[this.pos + 1] === C.FOR)) {
      if (!this.forIfClauses()) return K.FAIL;
      return this.expect(C.RPAR) ? K.GENEXP : K.FAIL;
    }
    return this.fail() as never as number;
  }

  /** list | listcomp */
  private listAtom(): number {
    const s = this.pos;
    this.pos++;
    if (this.c[this.pos] === C.RSQB) {
      this.pos++;
      this.lastTargetsOk = true;
      this.lastDelOk = true;
      return K.LIST;
    }
    const e = this.pos;
    const k = this.starNamedExpression();
    if (!k) return K.FAIL;
    const next = this.c[this.pos];
    if (next === C.FOR || (next === C.ASYNC && this.c[this.pos + 1] === C.FOR)) {
      if (k === K.STARRED) {
        if (this.checking && this.forIfClauses()) this.raise('iterable unpacking cannot be used in comprehension', e);
        return this.fail() as never as number;
      }
      if (!this.forIfClauses()) return K.FAIL;
      return this.expect(C.RSQB) ? K.LISTCOMP : K.FAIL;
    }
    if (next === C.COMMA) {
      if (this.checking) this.invalidComprehensionComma(e);
      const r = this.sequenceRest(e, k, C.RSQB, true);
      if (!r) return K.FAIL;
    } else {
      this.lastTargetsOk = this.elementOk(k);
      this.lastDelOk = this.elementDelOk(k, e);
    }
    if (!this.expect(C.RSQB)) return K.FAIL;
    return s >= 0 ? K.LIST : K.FAIL;
  }

  /** invalid_comprehension: ('[' | '{') a=star_named_expression ',' [star_named_expressions] for_if_clauses */
  private invalidComprehensionComma(e: number): void {
    const save = this.pos;
    this.pos++;
    this.noInvalid++;
    try {
      while (STARTS[this.c[this.pos]!]) {
        if (!this.starNamedExpression()) break;
        if (this.c[this.pos] !== C.COMMA) break;
        this.pos++;
      }
      if ((this.c[this.pos] === C.FOR || (this.c[this.pos] === C.ASYNC && this.c[this.pos + 1] === C.FOR)) && this.forIfClauses()) {
        this.noInvalid--;
        try {
          this.raise('did you forget parentheses around the comprehension target?', e);
        } finally {
          this.noInvalid++;
        }
      }
    } finally {
      this.noInvalid--;
    }
    this.back(save);
  }

  /** dict | set | dictcomp | setcomp */
  private braceAtom(): number {
    this.pos++;
    const c = this.c[this.pos]!;
    if (c === C.RBRACE) {
      this.pos++;
      return K.DICT;
    }
    if (c === C.DOUBLESTAR) {
      const at = this.pos;
      this.pos++;
      if (!this.bitwiseOr()) return K.FAIL;
      if (this.c[this.pos] === C.FOR || this.c[this.pos] === C.ASYNC) {
        if (this.checking && this.forIfClauses() && this.c[this.pos] === C.RBRACE) this.raise('dict unpacking cannot be used in dict comprehension', at);
        return this.fail() as never as number;
      }
      return this.dictRest();
    }
    const e = this.pos;
    const walrus = isNameCode(c) && this.c[this.pos + 1] === C.COLONEQUAL;
    const k = this.starNamedExpression();
    if (!k) return K.FAIL;
    const next = this.c[this.pos];
    if (next === C.COLON && k !== K.STARRED && !walrus) {
      this.pos++;
      if (this.c[this.pos] === C.STAR) {
        if (this.checking) {
          this.pos++;
          if (this.bitwiseOr()) this.raise('cannot use a starred expression in a dictionary value', this.pos);
        }
        return this.fail() as never as number;
      }
      if (this.checking && (this.c[this.pos] === C.RBRACE || this.c[this.pos] === C.COMMA)) {
        this.raise("expression expected after dictionary key and ':'", this.pos - 1);
      }
      if (!this.expression()) return K.FAIL;
      if (this.c[this.pos] === C.FOR || (this.c[this.pos] === C.ASYNC && this.c[this.pos + 1] === C.FOR)) {
        if (!this.forIfClauses()) return K.FAIL;
        return this.expect(C.RBRACE) ? K.DICTCOMP : K.FAIL;
      }
      return this.dictRest();
    }
    if (next === C.FOR || (next === C.ASYNC && this.c[this.pos + 1] === C.FOR)) {
      if (k === K.STARRED) {
        if (this.checking && this.forIfClauses()) this.raise('iterable unpacking cannot be used in comprehension', e);
        return this.fail() as never as number;
      }
      if (!this.forIfClauses()) return K.FAIL;
      return this.expect(C.RBRACE) ? K.SETCOMP : K.FAIL;
    }
    if (next === C.COMMA) {
      if (this.checking) this.invalidComprehensionComma(e);
      if (!this.sequenceRest(e, k, C.RBRACE, true)) return K.FAIL;
    }
    return this.expect(C.RBRACE) ? K.SET : K.FAIL;
  }

  /** the rest of a dict display after one item, up to and including `}` */
  private dictRest(): number {
    while (this.c[this.pos] === C.COMMA) {
      this.pos++;
      const c = this.c[this.pos]!;
      if (c === C.RBRACE) break;
      if (c === C.DOUBLESTAR) {
        this.pos++;
        if (!this.bitwiseOr()) return K.FAIL;
        continue;
      }
      const key = this.pos;
      if (!this.expression()) return K.FAIL;
      if (this.c[this.pos] !== C.COLON) {
        if (this.checking) this.raise("':' expected after dictionary key", key);
        return this.fail() as never as number;
      }
      this.pos++;
      if (this.c[this.pos] === C.STAR) {
        if (this.checking) {
          this.pos++;
          if (this.bitwiseOr()) this.raise('cannot use a starred expression in a dictionary value', this.pos);
        }
        return this.fail() as never as number;
      }
      if (this.checking && (this.c[this.pos] === C.RBRACE || this.c[this.pos] === C.COMMA)) {
        this.raise("expression expected after dictionary key and ':'", this.pos - 1);
      }
      if (!this.expression()) return K.FAIL;
    }
    return this.expect(C.RBRACE) ? K.DICT : K.FAIL;
  }

  /** for_if_clauses: ([ASYNC] 'for' star_targets 'in' disjunction ('if' disjunction)*)+ */
  private forIfClauses(): boolean {
    do {
      if (this.c[this.pos] === C.ASYNC) this.pos++;
      if (!this.expect(C.FOR)) return false;
      const t = this.pos;
      if (!this.starTargets() || this.c[this.pos] !== C.IN) {
        if (this.checking) this.invalidForTarget(t);
        return this.fail();
      }
      this.pos++;
      if (!this.disjunction()) return false;
      while (this.c[this.pos] === C.IF) {
        this.pos++;
        if (!this.disjunction()) return false;
      }
    } while (this.c[this.pos] === C.FOR || (this.c[this.pos] === C.ASYNC && this.c[this.pos + 1] === C.FOR));
    return true;
  }

  // ---------------------------------------------------------------- strings

  /** STRING+: a concatenation, its strings checked as CPython decodes them */
  private strings(): number {
    const s = this.pos;
    let kind: number = K.LITERAL;
    let bytes = -1;
    let mixed = false;
    while (this.c[this.pos] === C.STRING || this.c[this.pos] === C.FSTRING) {
      const i = this.pos;
      const start = this.st.s[i]!;
      const end = this.st.e[i]!;
      const isF = this.c[i] === C.FSTRING;
      const isBytes = isBytesPrefix(this.text, start);
      if (bytes === -1) bytes = isBytes ? 1 : 0;
      else if ((bytes === 1) !== isBytes) mixed = true;
      if (isF) kind = K.FSTRING;
      this.pos++;
      if (!isF) {
        if (this.mayNeedDecoding(start, end, isBytes)) {
          const bad = stringErrors(this.text, start, end);
          if (bad) this.stringError(bad, i);
        }
      } else if (this.minor >= 12) this.fstringFields(i);
      else this.legacyFString(i);
    }
    if (mixed) this.raiseHere('cannot mix bytes and nonbytes literals');
    return s >= 0 ? kind : K.FAIL;
  }

  /** the next backslash at or after `nextBackslashFrom` (-1: none): strings come in order, so one search serves many */
  private nextBackslash = -2;
  private nextBackslashFrom = 0;

  /** whether a string token [s, e) can fail to decode: a bytes literal, or one holding a backslash */
  private mayNeedDecoding(s: number, e: number, bytes: boolean): boolean {
    if (bytes) return true;
    if (this.nextBackslash === -2 || s < this.nextBackslashFrom || (this.nextBackslash >= 0 && this.nextBackslash < s)) {
      this.nextBackslash = this.text.indexOf('\\', s);
      this.nextBackslashFrom = s;
    }
    return this.nextBackslash >= 0 && this.nextBackslash < e;
  }

  /** a string literal's decoding error: 3.12 points at the string, older versions at the token after the strings */
  private stringError(message: string, i: number): void {
    if (this.minor >= 12) this.raise(message, i);
    // the token after the concatenation (CPython reads it before decoding)
    let k = i;
    while (this.c[k] === C.STRING || this.c[k] === C.FSTRING) k++;
    if (k > this.far) this.far = k;
    this.raise(message, k);
  }

  /** Python 3.11 and older: the f-string's fields as CPython's string parser scans them, each expression parsed */
  private legacyFString(i: number): void {
    let k = i;
    while (this.c[k] === C.STRING || this.c[k] === C.FSTRING) k++;
    const r = checkLegacyFString(this.text, this.st.s[i]!, this.st.e[i]!, (s, e) => this.legacyField(s, e));
    if (!r) return;
    if (r.sub) throw r.sub;
    if (k > this.far) this.far = k;
    this.raise(r.message, k);
  }

  /** parse one field expression of a 3.11 f-string (as `(expr)`); the error, if any */
  private legacyField(s: number, e: number): Raise | undefined {
    if (simpleField(this.text, s, e, false)) return undefined;
    const depth = this.depth + 1;
    const bufs = (subTokens[depth] ??= new TokenBuffers());
    const toks = tokenize(this.text, { minor: this.minor, range: { start: s, end: e }, buffers: bufs, wrap: true });
    const sub = new Parser(this.text, toks.stream, this.minor, this.mainTokens(), depth, 1, true);
    const r = sub.runField(toks.error, true);
    return r;
  }

  private mainTokens(): Tokens {
    return this.toks;
  }

  /** Parse this stream as an f-string field's expression; the error (located in the file), if any. */
  runField(tokError: TokenizeError | undefined, legacy: boolean): Raise | undefined {
    const r = this.runFieldRaw(legacy);
    if (!r) return undefined;
    this.lexicalResult = false;
    const err = this.resolve(r, tokError);
    return new Raise(err.message, -1, err.type, err.offset, err.line, this.lexicalResult || r.lexical);
  }

  runFieldRaw(legacy: boolean): Raise | undefined {
    const parse = (): boolean => {
      if (legacy) {
        // '(' expr ')': star_expressions, the whole stream
        return this.starExpressions() !== K.FAIL && this.expect(C.END);
      }
      // (yield_expr | star_expressions) '='?
      const k = this.c[this.pos] === C.YIELD ? this.yieldExpr() : this.starExpressions();
      if (!k) return false;
      if (this.c[this.pos] === C.EQUAL) this.pos++;
      return this.expect(C.END);
    };
    try {
      if (parse()) return undefined;
    } catch (e) {
      if (!(e instanceof Raise)) throw e;
      this.far1 = Math.max(this.far, this.pos);
      return e;
    }
    this.far = Math.max(this.far, this.pos);
    this.far1 = this.far;
    if (this.c[this.far1] === C.ERROR) return new Raise('', this.far1);
    this.p2 = true;
    this.pos = 0;
    try {
      parse();
    } catch (e) {
      if (!(e instanceof Raise)) throw e;
      return e;
    }
    if (!legacy) {
      // invalid_replacement_field
      const first = this.c[0];
      if (first === C.END) return new Raise(`f-string: valid expression required before '${this.terminator}'`, 0);
      if (first === C.EQUAL && this.c[1] === C.END) return new Raise("f-string: valid expression required before '='", 0);
      this.p2 = false;
      this.pos = 0;
      let k = K.FAIL;
      try {
        k = this.c[0] === C.YIELD ? this.yieldExpr() : this.starExpressions();
      } catch {
        k = K.FAIL;
      }
      if (!k) return new Raise("f-string: expecting a valid expression after '{'", 0);
      if (this.c[this.pos] === C.EQUAL) {
        this.pos++;
        if (this.c[this.pos] !== C.END) return new Raise("f-string: expecting '!', or ':', or '}'", this.pos);
      }
      return new Raise("f-string: expecting '=', or '!', or ':', or '}'", this.pos);
    }
    return new Raise('invalid syntax', this.far1);
  }

  /** Python 3.12+: the fields of the f-string token i, each expression parsed; conversions checked */
  private fstringFields(i: number): void {
    const toks = this.fieldToks ?? this.toks;
    const start = this.st.s[i]!;
    const end = this.st.e[i]!;
    const f = toks.fields;
    // an f-string the tokenizer stopped in: CPython's parser reads its fields up to the error, and an error it
    // finds there comes first (from 3.12 the tokenizer's error inside an f-string does not replace it)
    if (toks.error && toks.error.inFString && this.c[i + 1] === C.ERROR) {
      const cut = toks.error.offset;
      for (let k = 0; k < toks.fieldCount; k++) {
        const b = k * FIELD_STRIDE;
        if (f[b]! < start || f[b]! >= cut) continue;
        const exprEnd = f[b + 1]!;
        const r = this.field(f[b]!, exprEnd >= 0 && exprEnd <= cut ? exprEnd : cut, exprEnd < 0 || exprEnd > cut);
        if (r) throw r;
        if (exprEnd < 0 || exprEnd > cut) break;
      }
      return;
    }
    // the fields of this token (source order): binary search for the first at or after start
    let lo = 0;
    let hi = toks.fieldCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid * FIELD_STRIDE]! < start) lo = mid + 1;
      else hi = mid;
    }
    // the literal text between the top-level fields decodes its escapes (FSTRING_MIDDLE)
    const parts = stringParts(this.text, start, end);
    if (!parts.raw && this.mayNeedDecoding(start, end, false)) {
      let from = parts.body;
      for (let k = lo; k <= toks.fieldCount; k++) {
        const last = k === toks.fieldCount || f[k * FIELD_STRIDE]! >= end;
        const to = last ? parts.bodyEnd : f[k * FIELD_STRIDE]! - 1;
        if (to > from) {
          const bad = escapeError(this.text, from, to, false, from);
          if (bad) this.raiseAt(bad, from);
        }
        if (last) break;
        const close = f[k * FIELD_STRIDE + 4]!;
        if (close < 0) break;
        // nested fields (in a format spec) lie inside this one
        while (k + 1 < toks.fieldCount && f[(k + 1) * FIELD_STRIDE]! < close) k++;
        from = close + 1;
      }
    }
    for (let k = lo; k < toks.fieldCount && f[k * FIELD_STRIDE]! < end; k++) {
      const b = k * FIELD_STRIDE;
      const exprStart = f[b]!;
      const exprEnd = f[b + 1]!;
      const bang = f[b + 2]!;
      const colon = f[b + 3]!;
      const close = f[b + 4]!;
      if (close < 0 || exprEnd < 0) continue;
      if (!simpleField(this.text, exprStart, exprEnd, true)) {
        const r = this.field(exprStart, exprEnd);
        if (r) throw r;
      }
      if (bang >= 0) {
        // '!' NAME, right after the '!'
        const convEnd = colon >= 0 ? colon : close;
        let p = bang + 1;
        const c = this.text.charCodeAt(p);
        if (!(c < 128 && isAsciiLetter(c)) && c !== 95) {
          let q = p;
          while (q < convEnd && /\s/.test(this.text[q]!)) q++;
          if (q < convEnd && q > p) this.raiseAt('f-string: conversion type must come right after the exclamanation mark', bang);
          this.raiseAt('f-string: missing conversion character', p);
        }
        const nameStart = p;
        while (p < convEnd && (isAsciiLetter(this.text.charCodeAt(p)) || this.text.charCodeAt(p) === 95 || (this.text.charCodeAt(p) >= 48 && this.text.charCodeAt(p) <= 57))) p++;
        const conv = this.text.slice(nameStart, p);
        while (p < convEnd && /\s/.test(this.text[p]!)) p++;
        if (p < convEnd) this.raiseAt("f-string: expecting ':' or '}'", p);
        if (conv !== 's' && conv !== 'r' && conv !== 'a') this.raiseAt(`f-string: invalid conversion character '${conv}': expected 's', 'r', or 'a'`, nameStart);
      }
    }
  }

  private raiseAt(message: string, offset: number): never {
    throw new Raise(message, -1, 'SyntaxError', offset);
  }

  /** parse one 3.12 field expression [s, e) */
  private field(s: number, e: number, partial = false): Raise | undefined {
    const depth = this.depth + 1;
    const bufs = (subTokens[depth] ??= new TokenBuffers());
    const toks = tokenize(this.text, { minor: this.minor, range: { start: s, end: e }, buffers: bufs });
    const sub = new Parser(this.text, toks.stream, this.minor, this.toks, depth, 1);
    sub.fieldToks = toks;
    sub.terminator = this.text[e]!;
    if (partial) {
      // the field's text up to the tokenizer's error: only an error before its end is the parser's
      const r = sub.runFieldRaw(false);
      if (!r || sub.far1 >= toks.stream.n - 1) return undefined;
      const again = new Parser(this.text, toks.stream, this.minor, this.toks, depth, 1);
      again.fieldToks = toks;
      return again.runField(undefined, false);
    }
    return sub.runField(toks.error, false);
  }

  /** the tokens of an f-string field stream (its own fields, for nested f-strings) */
  fieldToks: Tokens | undefined;
  /** the character that ends an f-string field's expression: `!`, `:` or `}` */
  terminator = '}';
}

/**
 * An f-string field expression simple enough to need no parse (most are): a primary of names, attributes, plain
 * calls and subscripts of the same, small integers and plain strings, with spaces around tokens; `debug` allows a
 * trailing `=` (3.12's fields hold it). Anything else is parsed.
 */
function simpleField(text: string, s: number, e: number, debug: boolean): boolean {
  let p = s;
  const spaces = (): void => {
    while (p < e && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
  };
  const atom = (): boolean => {
    const c = text.charCodeAt(p);
    if (isAsciiLetter(c) || c === 95) {
      const w = p;
      while (p < e && (isAsciiLetter(text.charCodeAt(p)) || text.charCodeAt(p) === 95 || (text.charCodeAt(p) >= 48 && text.charCodeAt(p) <= 57))) p++;
      const nc = text.charCodeAt(p);
      return nc !== 34 && nc !== 39 && !(nc >= 0x80) && checkWord(text, w, p);
    }
    if (c >= 48 && c <= 57) {
      const w = p;
      while (p < e && text.charCodeAt(p) >= 48 && text.charCodeAt(p) <= 57) p++;
      const nc = text.charCodeAt(p);
      return (c !== 48 || p === w + 1) && !(isAsciiLetter(nc) || nc === 95 || nc === 46 || nc >= 0x80);
    }
    if (c === 34 || c === 39) {
      // a one-line string with no escape, no brace and no other quote kind trouble
      if (text.charCodeAt(p + 1) === c) return false; // empty or triple: parse it
      for (let q = p + 1; q < e; q++) {
        const d = text.charCodeAt(q);
        if (d === c) {
          p = q + 1;
          return true;
        }
        if (d === 92 || d === 10 || d === 13 || d === 123 || d === 125) return false;
      }
      return false;
    }
    return false;
  };
  const expr = (depth: number): boolean => {
    spaces();
    if (!atom()) return false;
    for (;;) {
      spaces();
      const c = text.charCodeAt(p);
      if (c === 46) {
        p++;
        spaces();
        const w = p;
        while (p < e && (isAsciiLetter(text.charCodeAt(p)) || text.charCodeAt(p) === 95 || (p > w && text.charCodeAt(p) >= 48 && text.charCodeAt(p) <= 57))) p++;
        if (p === w || !checkWord(text, w, p) || text.charCodeAt(p) >= 0x80) return false;
      } else if ((c === 40 || c === 91) && depth < 4) {
        const close = c === 40 ? 41 : 93;
        p++;
        spaces();
        if (c === 40 && text.charCodeAt(p) === close) {
          p++;
          continue;
        }
        for (;;) {
          if (!expr(depth + 1)) return false;
          spaces();
          const d = text.charCodeAt(p);
          if (d === close) {
            p++;
            break;
          }
          if (d !== 44 || c === 91) return false;
          p++;
        }
      } else return true;
    }
  };
  if (!expr(0)) return false;
  spaces();
  if (debug && text.charCodeAt(p) === 61) {
    p++;
    spaces();
  }
  return p === e;
}

/** a word that is a plain name (not a keyword, except the constants) */
function checkWord(text: string, s: number, e: number): boolean {
  const code = nameCode(text, s, e - s);
  return code === C.NAME || code === C.NONE || code === C.TRUE || code === C.FALSE || (code >= C.MATCH && code <= C.TYPE);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isBytesPrefix(text: string, s: number): boolean {
  for (let p = s; ; p++) {
    const c = text.charCodeAt(p);
    if (c === 34 || c === 39) return false;
    if ((c | 32) === 98) return true;
  }
}

/** CPython's end of file is on the last line it read */
function lastLine(toks: Tokens): number {
  const t = toks.text;
  const n = t.length;
  if (n === 0) return 1;
  const endsWithEol = t.charCodeAt(n - 1) === 10 || t.charCodeAt(n - 1) === 13;
  return endsWithEol ? toks.lineCount - 1 : toks.lineCount;
}
