/**
 * Python adapter: source text → FileFacts. Walks the logical lines of the tokenizer with a stack of open blocks,
 * so each import knows whether it sits in a function, under `if TYPE_CHECKING:`, or under a `try` that catches
 * ImportError. Only statement-initial `import`/`from` tokens are imports, so text in comments, docstrings and
 * other strings never is.
 */
import type { FileFacts, ImportFact, ImportForm } from '../../engine/facts.js';
import { emptyFacts } from '../../engine/facts.js';
import { PythonClassCollector } from './declarations.js';
import { plainStringValue, position, Tok, tokenize, type Tokens } from './tokenizer.js';

export interface PythonExtractOptions {
  /** the file's own dotted module name (`pkg.sub.mod`; `pkg.sub` for `pkg/sub/__init__.py`) */
  moduleName?: string;
  isPackageInit?: boolean;
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
}

const IMPORT_ERRORS = new Set(['ImportError', 'ModuleNotFoundError', 'Exception', 'BaseException']);
const HEADER_KEYWORDS = new Set(['if', 'elif', 'else', 'while', 'for', 'try', 'except', 'finally', 'with', 'def', 'class', 'async']);

export function extractPython(text: string, opts: PythonExtractOptions = {}): FileFacts {
  const facts = emptyFacts();
  if (opts.moduleName !== undefined) facts.moduleName = opts.moduleName;
  const toks = tokenize(text);
  const limit = toks.error ? toks.error.offset : Infinity;
  const pkgParts = packageParts(opts);
  const wantsDynamic = text.includes('import_module') || text.includes('__import__') || text.includes('patch');

  const stack: Block[] = [];
  const classes = new PythonClassCollector(toks);
  let classBlock: Block | undefined;
  const pendingTry: { fact: ImportFact; tries: TryInfo[] }[] = [];
  let statementError: { message: string; line: number; column: number } | undefined;

  const tokText = (i: number): string => text.slice(toks.start[i]!, toks.end[i]!);
  const isOp = (i: number, op: string): boolean =>
    toks.type[i] === Tok.Op && toks.end[i]! - toks.start[i]! === op.length && text.startsWith(op, toks.start[i]!);
  const isName = (i: number, name: string): boolean =>
    toks.type[i] === Tok.Name && toks.end[i]! - toks.start[i]! === name.length && text.startsWith(name, toks.start[i]!);

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

  const addImport = (module: string, names: string[], tokIndex: number, extra?: ImportForm): void => {
    const { forms, tries } = context();
    if (extra) forms.push(extra);
    const fact: ImportFact = { module, names, ...position(toks, toks.start[tokIndex]!), forms };
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
      if ((kw === 'print' || kw === 'exec') && a + 1 < b) {
        const t = toks.type[a + 1];
        if (t === Tok.String || t === Tok.Name || t === Tok.Number) {
          statementError ??= {
            message: kw === 'print' ? "Missing parentheses in call to 'print'. Did you mean print(...)?" : "Missing parentheses in call to 'exec'",
            ...position(toks, toks.start[a]!),
          };
        }
      }
    }
  };

  const dottedName = (i: number, b: number): { name: string; next: number } => {
    let name = '';
    // `import` ends the dotted name of `from . import x`
    while (i < b && toks.type[i] === Tok.Name && !isName(i, 'import')) {
      name += tokText(i);
      if (i + 1 < b && isOp(i + 1, '.')) {
        name += '.';
        i += 2;
      } else {
        i++;
        break;
      }
    }
    return { name, next: i };
  };

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
    if (i >= b || !isName(i, 'import')) return; // not an import statement (or a broken one)
    i++;
    const names: string[] = [];
    const aliases: [string, string][] = [];
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
    for (let i = a; i + 2 < b; i++) {
      if (toks.type[i] !== Tok.Name || toks.type[i + 2] !== Tok.String || !isOp(i + 1, '(')) continue;
      const len = toks.end[i]! - toks.start[i]!;
      if (len !== 5 && len !== 10 && len !== 13) continue;
      const fn = tokText(i);
      if (fn !== 'import_module' && fn !== '__import__' && fn !== 'patch') continue;
      // a literal argument only: the string must be the whole first argument
      if (i + 3 < b && !isOp(i + 3, ',') && !isOp(i + 3, ')')) continue;
      const value = plainStringValue(tokText(i + 2));
      if (value === undefined || !/^\.*[A-Za-z_][\w.]*$/.test(value)) continue;
      let module = value;
      if (value.startsWith('.') && fn === 'import_module') {
        const level = value.length - value.replace(/^\.+/, '').length;
        if (!pkgParts || level > pkgParts.length) continue;
        const rest = value.slice(level);
        module = [...pkgParts.slice(0, pkgParts.length - (level - 1)), ...(rest ? [rest] : [])].join('.');
      } else if (value.startsWith('.')) continue;
      addImport(module, [], i + 2, fn === 'patch' ? 'mock-target' : 'dynamic');
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
        if (isOp(i, ',') && !hasParenBefore(a + 1, i)) {
          statementError ??= { message: 'multiple exception types must be parenthesized', ...position(toks, toks.start[i]!) };
        }
      }
      if (info) {
        block.tryInfo = info;
        if (catches) info.guarded = true;
      }
      block.importHandler = catches;
    }
    stack.push(block);
  };

  const hasParenBefore = (a: number, i: number): boolean => {
    for (let j = a; j < i; j++) if (isOp(j, '(')) return true;
    return false;
  };

  const isTypeCheckingTest = (a: number, b: number): boolean => {
    if (b - a === 1) return isName(a, 'TYPE_CHECKING');
    return b - a === 3 && toks.type[a] === Tok.Name && isOp(a + 1, '.') && isName(a + 2, 'TYPE_CHECKING');
  };

  for (const ll of toks.lines) {
    if (ll.first >= ll.end || toks.start[ll.first]! >= limit) break;
    // leave the blocks this line is not inside of
    let popped: Block | undefined;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= ll.indent) popped = stack.pop();
    if (popped && popped.indent !== ll.indent) popped = undefined;

    const a = ll.first;
    const b = ll.end;
    const first = toks.type[a] === Tok.Name ? tokText(a) : toks.type[a] === Tok.Op ? tokText(a) : '';
    // declarations: module-level classes, their members and signals
    if (classBlock && stack[0] !== classBlock) {
      classes.endClass();
      classBlock = undefined;
    }
    const inClass = classBlock !== undefined;
    const directlyInClass = inClass && stack.length === 1;
    if (inClass) classes.signals(a, b);
    if (first === '@') {
      // a decorator: no statement, but `@patch("a.b.C")` names a module
      if (stack.length === 0) classes.decorator(a, b);
      if (wantsDynamic) dynamicImports(a, b);
      continue;
    }
    let bodyStart = a;
    if (HEADER_KEYWORDS.has(first) || (isOp(b - 1, ':') && toks.type[a] === Tok.Name && !isOp(a + 1, '='))) {
      const colon = headerColon(toks, a, b);
      if (colon >= 0) {
        const moduleLevel = stack.length === 0;
        if (directlyInClass) classes.member(a, colon);
        header(a, colon, ll.indent, popped);
        if (moduleLevel && first === 'class') {
          classes.beginClass(a, colon);
          classBlock = stack[stack.length - 1];
        } else if (moduleLevel) classes.clearDecorators();
        if (colon === b - 1) {
          if (wantsDynamic) dynamicImports(a, b);
          continue;
        }
        // `if x: import y` — the body is on the same line
        // (the block stays open: the next line at this indent closes it and sees it as its sibling)
        bodyStart = colon + 1;
      }
    }
    if (stack.length === 0) classes.clearDecorators();
    if (directlyInClass && bodyStart === a) splitStatements(toks, a, b, (x, y) => classes.member(x, y));
    splitStatements(toks, bodyStart, b, simpleStatement);
    if (wantsDynamic) dynamicImports(a, b);
  }
  facts.declarations = classes.finish();

  for (const { fact, tries } of pendingTry) {
    if (tries.some((t) => t.guarded)) fact.forms.push('try-import');
  }
  if (toks.error) facts.diagnostics.push({ message: toks.error.message, line: toks.error.line, column: toks.error.column });
  else if (statementError) facts.diagnostics.push(statementError);
  return facts;
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

/** Decode a Python source file's bytes: PEP 263 coding cookie, else UTF-8 (with or without BOM). */
export function decodePython(bytes: Uint8Array): { text: string } | { error: string } {
  let encoding = 'utf-8';
  const head = Buffer.from(bytes.subarray(0, 400)).toString('latin1').split(/\r\n|\r|\n/, 2);
  for (const l of head) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(l);
    if (m) {
      encoding = m[1]!.toLowerCase();
      break;
    }
    if (!/^[ \t\f]*(#.*)?$/.test(l)) break;
  }
  if (encoding === 'utf8' || encoding.startsWith('utf-8') || encoding.startsWith('utf_8')) encoding = 'utf-8';
  // Python codec names that the WHATWG decoder spells differently
  encoding = PYTHON_CODECS[encoding.replace(/_/g, '-')] ?? encoding;
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding.replace(/_/g, '-'), { fatal: true });
  } catch {
    return { error: `unknown encoding '${encoding}' in the coding declaration` };
  }
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    return { error: `the file is not valid ${encoding.toUpperCase()}; declare its encoding (PEP 263) or re-save it as UTF-8` };
  }
}
