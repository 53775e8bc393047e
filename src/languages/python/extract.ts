/**
 * Python adapter: source text → FileFacts. Walks the logical lines of the tokenizer with a stack of open blocks,
 * so each import knows whether it sits in a function, under `if TYPE_CHECKING:`, or under a `try` that catches
 * ImportError. Only statement-initial `import`/`from` tokens are imports, so text in comments, docstrings and
 * other strings never is.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { FileFacts, FunctionFact, ImportFact, ImportForm } from '../../facts/facts.js';
import { emptyFacts } from '../../facts/facts.js';
import { intentOf, isNullObjectName, type Intent } from '../intent.js';
import { PythonClassCollector } from './declarations.js';
import { PythonMockCollector } from './mocks.js';
import { checkSyntax, type PythonSyntaxError } from './parser.js';
import { moduleUnit, PythonUnitCollector, type FlowState, type UnitContext, type UnitState } from './units.js';
import { routeTypes } from './shapes.js';
import { spend } from '../budget.js';
import {
  dottedAt,
  isIdentChar,
  isIdentStart,
  isName as isNameAt,
  isOp as isOpAt,
  plainStringValue,
  position,
  Tok,
  tokenize,
  tokText as tokTextOf,
  type Tokens,
} from './tokenizer.js';

export interface PythonExtractOptions {
  /** the file's own dotted module name (`pkg.sub.mod`; `pkg.sub` for `pkg/sub/__init__.py`) */
  moduleName?: string;
  isPackageInit?: boolean;
  /** the target Python's minor version (3.x, e.g. 11): its grammar decides what is a syntax error; default 12 */
  minor?: number;
  /** false: no rule reads this file's units (a test file), which are then not collected */
  units?: boolean;
  /** false: no rule reads the hashes of its classes' members and bodies, which are then not computed */
  hashes?: boolean;
}

interface TryInfo {
  guarded: boolean;
}

interface Block {
  indent: number;
  kind: 'def' | 'class' | 'if' | 'try' | 'except' | 'other';
  typeChecking: boolean;
  /** set on `if TYPE_CHECKING:` so that its `else:` can be told apart */
  ifTypeChecking?: boolean;
  tryInfo?: TryInfo;
  /** an `except` handler that catches ImportError: its imports are fallbacks */
  importHandler?: boolean;
  /** the mock-justification note entry of the innermost def/class this block is (or is in), if it has one */
  notes?: number;
  /** def/class: its name, for qualified function names */
  name?: string;
  /** class: a Protocol, whose methods' placeholder bodies are its contract */
  protocol?: boolean;
  /** def: decorated by something that supplies the behaviour (not a descriptor like @staticmethod) */
  decorated?: boolean;
  /** class: an ABC (an `ABC` base or an `ABCMeta` metaclass), whose empty methods are hooks or contracts */
  abc?: boolean;
  /** class: its first body statement was seen; its docstring, if that was one */
  seen?: boolean;
  doc?: string;
  /** class: where its header starts (for the comment block above it), and what its texts declare (computed once) */
  from?: number;
  intent?: Intent | null;
  /** def: the function fact and what its body holds so far: its docstring, the placeholder statement's text, the
   * offset its header starts at (decorators included), and its class */
  fn?: {
    fact: FunctionFact;
    statements: number;
    stub?: FunctionFact['stub'];
    other: boolean;
    doc?: string;
    stubText?: string;
    from: number;
    params: number;
    owner?: Block;
  };
  /** the first def or class of the stack: the unit its code belongs to (concept detection) */
  unit?: UnitState;
  /** def: its local variables' values and `global` names */
  flow?: FlowState;
  /** the unit, function and class body its lines are in */
  ctx?: UnitContext;
}

/** Python 3.12 when nothing says which: the version comply followed before the target version was configurable */
export const DEFAULT_MINOR = 12;

const IMPORT_ERRORS = new Set(['ImportError', 'ModuleNotFoundError', 'Exception', 'BaseException']);
const STATEMENT_WORDS = new Set(['import', 'from', 'print', 'exec']);
const HEADER_KEYWORDS = new Set(['if', 'elif', 'else', 'while', 'for', 'try', 'except', 'finally', 'with', 'def', 'class', 'async']);

export function extractPython(text: string, opts: PythonExtractOptions = {}): FileFacts {
  const facts = emptyFacts();
  if (opts.moduleName !== undefined) facts.moduleName = opts.moduleName;
  const toks = tokenize(text, { minor: opts.minor ?? DEFAULT_MINOR });
  // a syntax error as CPython reports it; facts are kept up to the logical line that holds the first problem
  const syntax = checkSyntax(toks);
  const limit = syntax ? logicalLineStart(toks, syntax.offset) : Infinity;
  const pkgParts = packageParts(opts);
  const gates = new WordGates(text, [['import_module', '__import__', 'patch'], ['Mock', 'mock', 'patch', 'autospec']]);
  const named = gates.gate(0);
  // per-line gates: most lines hold no dynamic import and no mock, and need not be scanned token by token
  const mockWords = gates.gate(1);

  const stack: Block[] = [];
  const classes = new PythonClassCollector(toks, opts.hashes !== false);
  // (no collector at all when no rule reads this file's units)
  const wantUnits = opts.units !== false;
  const units = wantUnits ? new PythonUnitCollector(toks, classes.bindings) : undefined;
  /** the unit, function and class body a line of the current stack is in */
  // (without a collector, a unit that nothing reads)
  const moduleContext: UnitContext = { unit: units?.module ?? moduleUnit(), fn: undefined, classBody: false };
  const unitContext = (): UnitContext => stack[stack.length - 1]?.ctx ?? moduleContext;
  /** the context of the block just opened, from its parent's */
  const openContext = (blk: Block): void => {
    const parent = stack[stack.length - 2]?.ctx ?? moduleContext;
    if (blk.flow) blk.ctx = { unit: blk.unit ?? parent.unit, fn: blk.flow, classBody: false };
    else if (blk.kind === 'class') blk.ctx = { unit: blk.unit ?? parent.unit, fn: parent.fn, classBody: true };
    else blk.ctx = parent;
  };
  const unitStatement = units ? (x: number, y: number): void => units.statement(x, y, unitContext()) : (): void => {};
  // mock sites and suppressions: only files whose text can hold one pay for the comment index
  const mocks = /ock|patch|autospec|comply-ignore/.test(text) ? new PythonMockCollector(toks) : undefined;
  const enclosingNotes = (): number | undefined => stack[stack.length - 1]?.notes;
  let decoratorTexts: string[] = [];
  let decoratorLine = 0;
  let decoratorStart = 0;
  let classBlock: Block | undefined;
  let classDepth = 0;
  const pendingTry: { fact: ImportFact; tries: TryInfo[] }[] = [];

  const tokText = (i: number): string => tokTextOf(toks, i);
  const isOp = (i: number, op: string): boolean => isOpAt(toks, i, op);
  const isName = (i: number, name: string): boolean => isNameAt(toks, i, name);

  const context = (): { forms: ImportForm[]; tries: TryInfo[] } => {
    let fn = false;
    let tc = false;
    let handler = false;
    const tries: TryInfo[] = [];
    for (const b of stack) {
      if (b.kind === 'def') fn = true;
      if (b.typeChecking) tc = true;
      if (b.kind === 'try' && b.tryInfo) tries.push(b.tryInfo);
      if (b.importHandler) handler = true;
    }
    const forms: ImportForm[] = [];
    if (!fn && !tc) forms.push('top-level');
    if (fn) forms.push('function');
    if (tc) forms.push('type-checking');
    if (handler) forms.push('try-import');
    return { forms, tries };
  };

  const addImport = (module: string, names: string[], tokIndex: number, extra?: ImportForm): void =>
    addImportAt(module, names, toks.start[tokIndex]!, extra);
  const addImportAt = (module: string, names: string[], offset: number, extra?: ImportForm): void => {
    const { forms, tries } = context();
    if (extra) forms.push(extra);
    const fact: ImportFact = { module, names, ...position(toks, offset), forms };
    facts.imports.push(fact);
    if (tries.length > 0 && !forms.includes('try-import')) pendingTry.push({ fact, tries });
  };

  /** Parse one simple statement in tokens [a, b). */
  const simpleStatement = (a: number, b: number): void => {
    if (a >= b) return;
    if (toks.type[a] === Tok.Name) {
      const kw = tokText(a);
      if (kw === 'import') return importStatement(a, b);
      if (kw === 'from') return fromStatement(a, b);
    }
  };

  // `import` ends the dotted name of `from . import x`
  const dottedName = (i: number, b: number): { name: string; next: number } => (isName(i, 'import') ? { name: '', next: i } : dottedAt(toks, i, b));

  const importStatement = (a: number, b: number): void => {
    let i = a + 1;
    while (i < b) {
      const { name, next } = dottedName(i, b);
      if (!name) break;
      addImport(name, [], i);
      i = next;
      if (i + 1 < b && isName(i, 'as')) {
        classes.bindings.set(tokText(i + 1), name);
        i += 2;
      } else classes.bindings.set(name.split('.')[0]!, name.split('.')[0]!);
      if (i < b && isOp(i, ',')) i++;
      else break;
    }
  };

  const fromStatement = (a: number, b: number): void => {
    let i = a + 1;
    let level = 0;
    while (i < b && toks.type[i] === Tok.Op && (tokText(i) === '.' || tokText(i) === '...')) {
      level += tokText(i).length;
      i++;
    }
    const { name, next } = dottedName(i, b);
    i = next;
    if (i >= b || !isName(i, 'import')) return; // a broken import: the parser reports it
    i++;
    const names: string[] = [];
    const aliases: [string, string][] = [];
    const listStart = i;
    for (; i < b; i++) {
      if (toks.type[i] === Tok.Name) {
        const t = tokText(i);
        if (t === 'as' && i + 1 < b) {
          i++;
          aliases.push([tokText(i), names[names.length - 1] ?? '']);
        } else {
          names.push(t);
          aliases.push([t, t]);
        }
      } else if (isOp(i, '*')) names.push('*');
    }
    if (names.length === 0) return;
    let module = name;
    if (level > 0) {
      // like importlib: `level` dots need `level` package components (no climbing above the top-level package)
      if (pkgParts && level <= pkgParts.length) {
        const base = pkgParts.slice(0, pkgParts.length - (level - 1));
        module = [...base, ...(name ? [name] : [])].join('.');
      } else {
        module = '.'.repeat(level) + name; // cannot be resolved: the file is not inside a package root
      }
    }
    addImport(module, names, a);
    for (const [local, imported] of aliases) classes.bindings.set(local, `${module}.${imported}`);
  };

  /** `importlib.import_module("x")`, `__import__("x")`, `patch("a.b.C")` anywhere in tokens [a, b). */
  const dynamicImports = (a: number, b: number): void => {
    for (let i = a; i < b; i++) {
      // an f-string is one token: its replacement fields are code too (`f"{__import__('time').time()}"`)
      if (toks.type[i] === Tok.String && isFString(text, toks.start[i]!)) {
        fStringCalls(toks.start[i]!, toks.end[i]!);
        continue;
      }
      if (i + 2 >= b || toks.type[i] !== Tok.Name || toks.type[i + 2] !== Tok.String || !isOp(i + 1, '(')) continue;
      const len = toks.end[i]! - toks.start[i]!;
      if (len !== 5 && len !== 10 && len !== 13) continue;
      const fn = tokText(i);
      if (fn !== 'import_module' && fn !== '__import__' && fn !== 'patch') continue;
      // `x.patch("a")` is a mock target only for x = mock / mocker (not an HTTP client's `client.patch("users")`)
      if (fn === 'patch' && i >= 2 && isOp(i - 1, '.') && !isName(i - 2, 'mock') && !isName(i - 2, 'mocker')) continue;
      // a literal argument only: the string must be the whole first argument
      if (i + 3 < b && !isOp(i + 3, ',') && !isOp(i + 3, ')')) continue;
      dynamicImport(fn, tokText(i + 2), toks.start[i + 2]!);
    }
  };

  /** The fact for `fn(<literal>)`, the literal's source text starting at `offset`. */
  const dynamicImport = (fn: string, literal: string, offset: number): void => {
    const value = plainStringValue(literal);
    if (value === undefined || !/^\.*[A-Za-z_][\w.]*$/.test(value)) return;
    let module = value;
    if (value.startsWith('.') && fn === 'import_module') {
      const level = value.length - value.replace(/^\.+/, '').length;
      if (!pkgParts || level > pkgParts.length) return;
      const rest = value.slice(level);
      module = [...pkgParts.slice(0, pkgParts.length - (level - 1)), ...(rest ? [rest] : [])].join('.');
    } else if (value.startsWith('.')) return;
    addImportAt(module, [], offset, fn === 'patch' ? 'mock-target' : 'dynamic');
  };

  /** Dynamic imports in the replacement fields of the f-string token [s, e). Cheap when it has none: the fields
   * are only scanned when the token's text names one of the functions. */
  const fStringCalls = (s: number, e: number): void => {
    if (!named.within(s, e)) return;
    let p = s;
    while (text.charCodeAt(p) !== 34 && text.charCodeAt(p) !== 39) p++;
    const q = text.charCodeAt(p);
    const w = text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q && e - p >= 6 ? 3 : 1;
    const stop = e - w;
    p += w;
    let depth = 0; // bracket depth inside a replacement field; 0 in the literal text
    while (p < stop) {
      const c = text.charCodeAt(p);
      if (depth === 0) {
        if (c === 92 /* \ */) p += 2;
        else if (c === 123 /* { */) {
          if (text.charCodeAt(p + 1) === 123) p += 2;
          else {
            depth = 1;
            p++;
          }
        } else p++;
        continue;
      }
      if (c === 34 || c === 39) {
        p = skipQuoted(text, p, stop);
      } else if (c === 123 || c === 40 || c === 91) {
        depth++;
        p++;
      } else if (c === 125 || c === 41 || c === 93) {
        depth--;
        p++;
      } else if (isIdentStart(c)) {
        const n0 = p;
        while (p < stop && isIdentChar(text.charCodeAt(p))) p++;
        const nc = text.charCodeAt(p);
        if ((nc === 34 || nc === 39) && p - n0 <= 2) {
          p = skipQuoted(text, p, stop); // a prefixed string
          continue;
        }
        const fn = text.slice(n0, p);
        if (fn !== 'import_module' && fn !== '__import__' && fn !== 'patch') continue;
        // `fn ( <literal> ,|)` with one plain literal as the whole first argument
        let k = skipSpaces(text, p, stop);
        if (text.charCodeAt(k) !== 40) continue;
        k = skipSpaces(text, k + 1, stop);
        const ls = k;
        while (k < stop && isIdentStart(text.charCodeAt(k)) && k - ls < 2) k++;
        const lq = text.charCodeAt(k);
        if (lq !== 34 && lq !== 39) continue;
        const le = skipQuoted(text, k, stop);
        const after = text.charCodeAt(skipSpaces(text, le, stop));
        if (after !== 44 && after !== 41) continue;
        dynamicImport(fn, text.slice(ls, le), ls);
      } else p++;
    }
  };

  /** A block header in tokens [a, colon): push its block. */
  const header = (a: number, colon: number, indent: number, popped: Block | undefined): void => {
    let kw = tokText(a);
    if (kw === 'async' && a + 1 < colon) kw = tokText(a + 1);
    const inherited = stack.length > 0 && stack[stack.length - 1]!.typeChecking;
    const block: Block = { indent, kind: 'other', typeChecking: inherited };
    if (kw === 'def' || kw === 'class') {
      block.kind = kw;
      const nameTok = kw === tokText(a) ? a + 1 : a + 2;
      if (toks.type[nameTok] === Tok.Name && text.startsWith(kw === 'def' ? 'test' : 'Test', toks.start[nameTok]!)) facts.testDefinitions++;
    }
    else if (kw === 'if') {
      block.kind = 'if';
      if (isTypeCheckingTest(a + 1, colon)) {
        block.typeChecking = true;
        block.ifTypeChecking = true;
      }
    } else if (kw === 'elif' || kw === 'else') {
      if (popped?.kind === 'try' || popped?.kind === 'except') block.kind = 'other'; // try: ... else:
      // `else` of `if TYPE_CHECKING:` runs at run time: it inherits only the outer context
      // (an `elif TYPE_CHECKING:` body, though, is only for type checkers)
      if (kw === 'elif' && isTypeCheckingTest(a + 1, colon)) {
        block.typeChecking = true;
        block.ifTypeChecking = true;
      }
    } else if (kw === 'try') {
      block.kind = 'try';
      block.tryInfo = { guarded: false };
    } else if (kw === 'except') {
      block.kind = 'except';
      const info = popped?.tryInfo;
      let catches = colon === a + 1; // bare `except:`
      for (let i = a + 1; i < colon && !catches; i++) {
        if (isName(i, 'as')) break;
        if (toks.type[i] === Tok.Name && IMPORT_ERRORS.has(tokText(i))) catches = true;
      }
      if (info) {
        block.tryInfo = info;
        if (catches) info.guarded = true;
      }
      block.importHandler = catches;
    }
    stack.push(block);
  };

  const isTypeCheckingTest = (a: number, b: number): boolean => {
    while (b - a >= 3 && isOp(a, '(') && isOp(b - 1, ')')) {
      a++;
      b--;
    }
    if (b - a === 1) return isName(a, 'TYPE_CHECKING');
    return b - a === 3 && toks.type[a] === Tok.Name && isOp(a + 1, '.') && isName(a + 2, 'TYPE_CHECKING');
  };

  /** the first token at or after the error offset (facts stop there) */
  const limitToken = (): number => {
    let k = 0;
    while (k < toks.count && toks.start[k]! < limit) k++;
    return k;
  };

  const beginNamed = (blk: Block, a: number, colon: number, decorators: string[], from: number): void => {
    const kw = isName(a, 'async') ? a + 1 : a;
    const nameTok = kw + 1;
    if (toks.type[nameTok] !== Tok.Name) return;
    blk.name = tokText(nameTok);
    if (blk.kind === 'class') {
      blk.from = from;
      for (let i = nameTok + 1; i < colon; i++) {
        if (isName(i, 'Protocol')) blk.protocol = true;
        else if (isName(i, 'ABC') || isName(i, 'ABCMeta')) blk.abc = true;
      }
      return;
    }
    const owners = stack.slice(0, -1).filter((x) => x.name !== undefined);
    const owner = owners[owners.length - 1];
    const fact: FunctionFact = {
      name: [...owners.map((x) => x.name), blk.name].join('.'),
      line: position(toks, toks.start[a]!).line,
      endLine: 0,
    };
    if (decorators.some((d) => /^@(?:\w+\.)*(?:abstractmethod|abstractproperty|abstractclassmethod|abstractstaticmethod|overload)\b/.test(d)) || owner?.protocol) {
      fact.abstract = true;
    }
    // a FastAPI route: the types it exposes (contract drift pairs them with the frontend's)
    if (decorators.length > 0) {
      const api = routeTypes(toks, decorators, a, colon);
      if (api && api.length > 0) fact.api = api;
    }
    // a decorator that is more than a descriptor (`@auto_init()`, `@router.get(...)`) supplies the behaviour itself
    blk.decorated = decorators.some((d) => !/^@\s*(?:staticmethod|classmethod|property|(?:\w+\.)+(?:setter|getter|deleter)|(?:typing\.|typing_extensions\.)?override|(?:functools\.)?(?:wraps|cache|lru_cache|cached_property)\b)/.test(d));
    blk.fn = { fact, statements: 0, other: false, from, params: countParams(nameTok + 1, colon, owner?.kind === 'class'), ...(owner?.kind === 'class' ? { owner } : {}) };
  };

  /** The parameters of `def name(...)` whose `(` is at token i: `self`/`cls` of a method, `*` and `/` aside. */
  const countParams = (i: number, colon: number, method: boolean): number => {
    if (!isOp(i, '(')) return 0;
    let depth = 0;
    let n = 0;
    let first = true;
    let start = i + 1;
    for (let k = i; k < colon; k++) {
      if (toks.type[k] !== Tok.Op) continue;
      const t = tokText(k);
      if (t === '(' || t === '[' || t === '{') depth++;
      else if (t === ')' || t === ']' || t === '}') depth--;
      if ((t === ',' && depth === 1) || depth === 0) {
        if (k > start) {
          const one = k === start + 1 ? tokText(start) : '';
          const skipped = one === '*' || one === '/' || (first && method && (one === 'self' || one === 'cls'));
          if (!skipped) n++;
          first = false;
        }
        start = k + 1;
        if (depth === 0) break;
      }
    }
    return n;
  };

  /** Comments (as texts) that start in [s, e): the tokenizer keeps their offsets sorted. */
  const commentsIn = (s: number, e: number): string[] => {
    let lo = 0;
    let hi = toks.commentCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (toks.commentStart[mid]! < s) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let k = lo; k < toks.commentCount && toks.commentStart[k]! < e; k++) out.push(text.slice(toks.commentStart[k]!, toks.commentEnd[k]!));
    return out;
  };

  /** The block of comment-only lines directly above the line that starts at offset `from`. */
  const commentBlockAbove = (from: number): string[] => {
    const out: string[] = [];
    let lineStart = from;
    for (;;) {
      if (lineStart === 0) break;
      const prevStart = text.lastIndexOf('\n', lineStart - 2) + 1;
      const prev = text.slice(prevStart, lineStart - 1).trim();
      if (!prev.startsWith('#')) break;
      out.unshift(prev);
      lineStart = prevStart;
    }
    return out;
  };

  /** What a class's docstring, the comments above it, or its name declare of it (computed once). */
  const classIntent = (cls: Block): Intent | undefined => {
    if (cls.intent === undefined) {
      const said = intentOf([cls.doc ?? '', ...commentBlockAbove(lineStartOf(cls.from ?? 0))]);
      cls.intent = said ?? (cls.name && isNullObjectName(cls.name) ? 'deliberate' : null);
    }
    return cls.intent ?? undefined;
  };

  const lineStartOf = (offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;

  /** One statement directly in a function body: a docstring, a placeholder, or real code. */
  const bodyStatement = (fn: NonNullable<Block['fn']>, a: number, b: number, lineEnd: number): void => {
    fn.statements++;
    const n = b - a;
    if (fn.statements === 1 && n === 1 && toks.type[a] === Tok.String) {
      fn.statements--; // the docstring
      fn.doc = tokText(a);
      return;
    }
    let kind: FunctionFact['stub'];
    if (n === 1 && isName(a, 'pass')) kind = 'pass';
    else if (n === 1 && isOp(a, '...')) kind = 'ellipsis';
    else if (isName(a, 'raise') && (isName(a + 1, 'NotImplementedError') || isName(a + 1, 'NotImplemented'))) kind = 'not-implemented';
    else if (isName(a, 'return') && (n === 1 || (n === 2 && isName(a + 1, 'None')))) {
      const eol = text.indexOf('\n', lineEnd);
      if (/#.*\b(?:TODO|FIXME)\b/i.test(text.slice(lineEnd, eol < 0 ? text.length : eol))) kind = 'todo-return';
    }
    if (kind && !fn.stub) {
      fn.stub = kind;
      fn.stubText = text.slice(toks.start[a]!, toks.end[b - 1]!);
    } else fn.other = true;
  };

  /** A function's block ends before token `next`: its last line, and whether its body was only a placeholder. */
  const endFunction = (blk: Block, next: number): void => {
    const fn = blk.fn!;
    const lastTok = Math.max(0, next - 1);
    fn.fact.endLine = Math.max(fn.fact.line, position(toks, Math.max(toks.start[lastTok]!, toks.end[lastTok]! - 1)).line);
    if (fn.stub && !fn.other && fn.statements === 1) {
      fn.fact.stub = fn.stub;
      describeStub(blk, fn, toks.end[lastTok] ?? text.length);
    }
    // in the key order the cache's codec decodes (facts are compared as JSON)
    const { name, line, endLine, stub, abstract, intent, params, api } = fn.fact;
    facts.functions.push({
      name,
      line,
      endLine,
      ...(stub ? { stub } : {}),
      ...(abstract ? { abstract } : {}),
      ...(intent ? { intent } : {}),
      ...(params !== undefined ? { params } : {}),
      ...(api ? { api } : {}),
    });
  };

  /** An empty body: what its texts (or its class) say of it, and how many parameters it takes. */
  const describeStub = (blk: Block, fn: NonNullable<Block['fn']>, end: number): void => {
    const fact = fn.fact;
    fact.params = fn.params;
    if (fact.abstract) return;
    // the TODO of a `return  # TODO` is on its own line, past the last token
    const eol = text.indexOf('\n', end);
    const said = intentOf([fn.doc ?? '', fn.stubText ?? '', ...commentsIn(fn.from, eol < 0 ? text.length : eol), ...commentBlockAbove(lineStartOf(fn.from))]);
    const cls = fn.owner;
    if (said === 'abstract' || (said === undefined && cls?.abc && fn.stub !== 'todo-return')) fact.abstract = true;
    else if (said) fact.intent = said;
    else if (fn.stub === 'todo-return') fact.intent = 'placeholder';
    else if (blk.decorated) fact.intent = 'deliberate';
    else if (cls && classIntent(cls) === 'deliberate') fact.intent = 'deliberate';
  };

  for (const ll of toks.lines) {
    spend();
    if (ll.first >= ll.end || toks.start[ll.first]! >= limit) break;
    // leave the blocks this line is not inside of
    let popped: Block | undefined;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= ll.indent) {
      popped = stack.pop();
      if (popped!.fn) endFunction(popped!, ll.first);
    }
    if (popped && popped.indent !== ll.indent) popped = undefined;

    const a = ll.first;
    const b = ll.end;
    const first = toks.type[a] === Tok.Name ? tokText(a) : toks.type[a] === Tok.Op ? tokText(a) : '';
    // declarations: classes at module level or in module-level if/try/with blocks, their members and signals
    if (classBlock && stack[classDepth] !== classBlock) {
      classes.endClass();
      classBlock = undefined;
    }
    // the first def or class block the line is in: none at module level and in its if/try/with blocks
    let firstNamed = 0;
    while (firstNamed < stack.length && stack[firstNamed]!.kind !== 'def' && stack[firstNamed]!.kind !== 'class') firstNamed++;
    const outsideDefs = firstNamed === stack.length;
    const inClass = classBlock !== undefined;
    if (inClass) {
      // a line of the class body is a member's when no def or class block lies between (`if`/`else` do not)
      let inner = classDepth + 1;
      while (inner < stack.length && stack[inner]!.kind !== 'def' && stack[inner]!.kind !== 'class') inner++;
      classes.shapes.line(a, b, stack.length - classDepth - 1, inner === stack.length, ll.semi === true);
    }
    const firstLine = ll.line;
    const lineStart = toks.start[a]!;
    const lineEnd = toks.end[b - 1]!;
    const dyn = named.within(lineStart, lineEnd);
    const mk = mocks !== undefined && mockWords.within(lineStart, lineEnd);
    if (first === '@') {
      // a decorator: no statement, but `@patch("a.b.C")` names a module
      if (outsideDefs) classes.decorator(a, b);
      if (dyn) dynamicImports(a, b);
      if (decoratorTexts.length === 0) {
        decoratorLine = firstLine;
        decoratorStart = lineStart;
      }
      decoratorTexts.push(text.slice(lineStart, lineEnd));
      if (mk) mocks!.scan(a, b, firstLine, position(toks, toks.start[b - 1]!).line, enclosingNotes(), true);
      continue;
    }
    if (mk) mocks!.scan(a, b, firstLine, position(toks, toks.start[b - 1]!).line, enclosingNotes(), false);
    const decorators = decoratorTexts;
    const decoratedFrom = decorators.length > 0 ? decoratorLine : firstLine;
    decoratorTexts = [];
    let bodyStart = a;
    if (HEADER_KEYWORDS.has(first) || (isOp(b - 1, ':') && toks.type[a] === Tok.Name && !isOp(a + 1, '='))) {
      const colon = headerColon(toks, a, b);
      if (colon >= 0) {
        // the header's own expressions run in the enclosing context (`def f(m=import_module("x")):`)
        if (dyn) dynamicImports(a, colon);
        // a header inside a function body is more than a placeholder
        const parent = stack[stack.length - 1];
        if (parent?.fn && stack.length > 0) parent.fn.other = true;
        if (parent?.kind === 'class') parent.seen = true;
        const outerUnit = !stack.some((blk) => blk.kind === 'def' || blk.kind === 'class');
        const before = unitContext();
        header(a, colon, ll.indent, popped);
        const opened = stack[stack.length - 1]!;
        if (opened.kind === 'def' || opened.kind === 'class') {
          beginNamed(opened, a, colon, decorators, decorators.length > 0 ? decoratorStart : lineStart);
          if (outerUnit && units) opened.unit = units.beginUnit(opened.kind === 'def' ? 'function' : 'class', isName(a, 'async') ? a + 2 : a + 1);
          if (opened.kind === 'def' && units) {
            // a static or class method of a class (not a function nested in one): a factory when it returns
            const factory = parent?.kind === 'class' && decorators.some((d) => /^@\s*(?:staticmethod|classmethod)\b/.test(d));
            opened.flow = units.beginFunction(a, colon, opened.unit ?? before.unit, decorators.some((d) => /cache/i.test(d)), factory);
          }
        } else if (units) {
          const script = units.header(a, colon, before);
          if (script) opened.flow = script;
        }
        openContext(opened);
        if (mocks) {
          // a block inherits the note entry it is in; a def or class makes its own
          const around = stack[stack.length - 2]?.notes;
          const notes = opened.kind === 'def' || opened.kind === 'class' ? mocks.header(decorators, decoratedFrom, around) : around;
          if (notes !== undefined) opened.notes = notes;
        }
        if (outsideDefs && first === 'class') {
          classes.beginClass(a, colon);
          classBlock = stack[stack.length - 1];
          classDepth = stack.length - 1;
        } else if (outsideDefs) classes.clearDecorators();
        if (colon === b - 1) continue;
        // `if x: import y` — the body is on the same line
        // (the block stays open: the next line at this indent closes it and sees it as its sibling)
        bodyStart = colon + 1;
      }
    }
    if (outsideDefs) classes.clearDecorators();
    const inner = stack[stack.length - 1];
    if (inner?.fn && (bodyStart !== a || inner.indent < ll.indent)) bodyStatement(inner.fn, bodyStart, b, lineEnd);
    else if (inner?.kind === 'class' && !inner.seen && (bodyStart !== a || inner.indent < ll.indent)) {
      inner.seen = true;
      if (b - bodyStart === 1 && toks.type[bodyStart] === Tok.String) inner.doc = tokText(bodyStart);
    }
    if (ll.semi) splitStatements(toks, bodyStart, b, unitStatement);
    else unitStatement(bodyStart, b);
    // only `import`, `from`, `print` and `exec` statements matter to simpleStatement
    if (ll.semi) splitStatements(toks, bodyStart, b, simpleStatement);
    else if (bodyStart < b && toks.type[bodyStart] === Tok.Name && STATEMENT_WORDS.has(tokText(bodyStart))) simpleStatement(bodyStart, b);
    if (dyn) dynamicImports(bodyStart, b);
  }
  while (stack.length > 0) {
    const blk = stack.pop()!;
    if (blk.fn) endFunction(blk, Math.min(toks.count, limitToken()));
  }
  facts.functions.sort((x, y) => x.line - y.line || (x.name < y.name ? -1 : 1));
  facts.lines = { physical: physicalLines(text, toks), code: toks.codeLines };
  facts.declarations = classes.finish();
  if (units) facts.units = units.finish();
  if (mocks) {
    const found = mocks.finish(classes.bindings);
    facts.mocks = found.mocks;
    facts.mockNotes = found.notes;
    facts.suppressions = mocks.suppressions();
  }

  for (const { fact, tries } of pendingTry) {
    if (tries.some((t) => t.guarded)) fact.forms.push('try-import');
  }
  if (syntax) facts.diagnostics.push({ message: syntaxMessage(syntax), line: syntax.line, column: syntax.column });
  return facts;
}

/** CPython's message (IndentationError and TabError are worded so that the type is clear) */
function syntaxMessage(e: PythonSyntaxError): string {
  return e.message;
}

/** the offset where the logical line holding `offset` starts (or `offset`, between lines) */
function logicalLineStart(toks: Tokens, offset: number): number {
  let lo = 0;
  let hi = toks.lines.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const ll = toks.lines[mid]!;
    if (ll.first < ll.end && toks.start[ll.first]! <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return offset;
  const ll = toks.lines[found]!;
  const s = toks.start[ll.first]!;
  const e = ll.end > ll.first ? toks.end[ll.end - 1]! : s;
  return offset <= e ? s : offset;
}

/** `f"`, `rf'`, `Fr"""`, ...: the string token at `s` is an f-string. */
function isFString(text: string, s: number): boolean {
  const c = text.charCodeAt(s) | 32;
  if (c === 102) return true;
  return c === 114 && (text.charCodeAt(s + 1) | 32) === 102;
}

/** The offset after the string literal whose opening quote is at `p` (at most `stop`). */
function skipQuoted(text: string, p: number, stop: number): number {
  const q = text.charCodeAt(p);
  const triple = text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q;
  p += triple ? 3 : 1;
  while (p < stop) {
    const c = text.charCodeAt(p);
    if (c === 92) p += 2;
    else if (c === q && (!triple || (text.charCodeAt(p + 1) === q && text.charCodeAt(p + 2) === q))) return p + (triple ? 3 : 1);
    else p++;
  }
  return stop;
}

function skipSpaces(text: string, p: number, stop: number): number {
  while (p < stop) {
    const c = text.charCodeAt(p);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) break;
    p++;
  }
  return p;
}

/**
 * Whether any word of a group occurs in a range. One regular-expression pass per file finds every word of every
 * group in order; each group then answers with its own cursor. The ranges asked about must not go backwards.
 */
class WordGates {
  private readonly groups: { starts: number[]; ends: number[] }[];
  constructor(text: string, groups: string[][]) {
    this.groups = groups.map(() => ({ starts: [], ends: [] }));
    const words = [...new Set(groups.flat())];
    const re = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const w = m[0];
      for (let g = 0; g < groups.length; g++) {
        if (!groups[g]!.includes(w)) continue;
        this.groups[g]!.starts.push(m.index);
        this.groups[g]!.ends.push(m.index + w.length);
      }
    }
  }
  gate(g: number): { within(s: number, e: number): boolean } {
    const { starts, ends } = this.groups[g]!;
    let cursor = 0;
    return {
      within(s: number, e: number): boolean {
        const n = starts.length;
        while (cursor < n && starts[cursor]! < s) cursor++;
        for (let k = cursor; k < n && starts[k]! < e; k++) if (ends[k]! <= e) return true;
        return false;
      },
    };
  }
}

/** Lines as an editor counts them ('\n'-terminated); the tokenizer has counted them already when no '\r' can
 * have split them differently. */
function physicalLines(text: string, toks: Tokens): number {
  if (text.length === 0) return 0;
  if (text.indexOf('\r') < 0) return toks.lineCount - (text.endsWith('\n') ? 1 : 0);
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n - 1 : n;
}

function packageParts(opts: PythonExtractOptions): string[] | undefined {
  if (opts.moduleName === undefined) return undefined;
  const parts = opts.moduleName ? opts.moduleName.split('.') : [];
  return opts.isPackageInit ? parts : parts.slice(0, -1);
}

/** The first `:` at bracket depth 0 of a header line (skipping `lambda ...:`), or -1. */
function headerColon(toks: Tokens, a: number, b: number): number {
  let depth = 0;
  let lambdas = 0;
  for (let i = a; i < b; i++) {
    if (toks.type[i] === Tok.Op) {
      const t = toks.text.slice(toks.start[i]!, toks.end[i]!);
      if (t === '(' || t === '[' || t === '{') depth++;
      else if (t === ')' || t === ']' || t === '}') depth--;
      else if (t === ':' && depth === 0) {
        if (lambdas > 0) lambdas--;
        else return i;
      }
    } else if (toks.type[i] === Tok.Name && depth === 0 && toks.text.slice(toks.start[i]!, toks.end[i]!) === 'lambda') lambdas++;
  }
  return -1;
}

function splitStatements(toks: Tokens, a: number, b: number, fn: (a: number, b: number) => void): void {
  let s = a;
  for (let i = a; i < b; i++) {
    if (toks.type[i] === Tok.Op && toks.end[i]! - toks.start[i]! === 1 && toks.text.charCodeAt(toks.start[i]!) === 59) {
      fn(s, i);
      s = i + 1;
    }
  }
  fn(s, b);
}

const PYTHON_CODECS: Record<string, string> = {
  'latin-1': 'latin1',
  'iso-latin-1': 'latin1',
  l1: 'latin1',
  ascii: 'utf-8',
  'us-ascii': 'utf-8',
  cp1252: 'windows-1252',
};

/**
 * Decode a Python source file's bytes: PEP 263 coding cookie, else UTF-8 (with or without BOM). An error says which
 * line CPython reports it on: the line of the first byte that does not decode, 0 for the encoding itself.
 */
export function decodePython(bytes: Uint8Array): { text: string } | { error: string; line: number } {
  let encoding = 'utf-8';
  let cookie: string | undefined;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const head = Buffer.from(bytes.subarray(bom ? 3 : 0, 400)).toString('latin1').split(/\r\n|\r|\n/, 2);
  for (const l of head) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(l);
    if (m) {
      cookie = m[1]!;
      encoding = cookie.toLowerCase();
      break;
    }
    if (!/^[ \t\f]*(#.*)?$/.test(l)) break;
  }
  // with a BOM, CPython accepts only a cookie that names UTF-8 as it spells it (`utf-8`, `utf_8-sig`, ...)
  if (bom && cookie !== undefined) {
    const normal = cookie.slice(0, 12).toLowerCase().replace(/_/g, '-');
    if (normal !== 'utf-8' && !normal.startsWith('utf-8-')) return { error: `encoding problem: ${cookie} with BOM`, line: 0 };
  }
  if (encoding === 'utf8' || encoding.startsWith('utf-8') || encoding.startsWith('utf_8')) encoding = 'utf-8';
  // Python codec names that the WHATWG decoder spells differently
  encoding = PYTHON_CODECS[encoding.replace(/_/g, '-')] ?? encoding;
  // the common case, pure ASCII or valid UTF-8, without a decoder object (isAscii and isUtf8 are vectorised)
  if (encoding === 'utf-8') {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (isAscii(buf)) return { text: buf.toString('latin1') };
    if (isUtf8(buf)) return { text: buf.toString('utf8', bom ? 3 : 0) };
  }
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding.replace(/_/g, '-'), { fatal: true });
  } catch {
    return { error: `unknown encoding '${encoding}' in the coding declaration`, line: 0 };
  }
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    const at = encoding === 'utf-8' ? firstInvalidUtf8(bytes) : 0;
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 10 || (bytes[i] === 13 && bytes[i + 1] !== 10)) line++;
    return { error: `the file is not valid ${encoding.toUpperCase()}; declare its encoding (PEP 263) or re-save it as UTF-8`, line };
  }
}

/** the offset of the first byte that is not part of a valid UTF-8 sequence */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return b.length;
}
