/**
 * The shape of a Python class (DESIGN §3), built from the token stream the extractor already walks: class-level
 * fields with their types and defaults (dataclass, Pydantic, attrs, TypedDict and NamedTuple fields alike), the
 * attributes `__init__` sets on `self`, method signatures, enum values, nested classes, and a hash of each member's
 * tokens, so that two classes can be told identical, forks (same members, other defaults or bodies), similar or
 * only same-named. Members under `if`/`else` or `try` in a class body are members; the headers themselves go to the
 * class's own hash. Type names are resolved through the file's imports once it is read (`dt.datetime` with
 * `import datetime as dt` and `datetime` from `from datetime import datetime` are one type).
 */
import type { DeclarationFact, MemberFact } from '../../facts/facts.js';
import { normaliseType } from '../types.js';
import { isName, isOp, plainStringValue, Tok, tokText, topLevelOp, type Tokens } from './tokenizer.js';

/** the character code of `=` */
const EQUAL = 61;

/** FNV-1a over the characters of tokens (two at a time), and their length: a member's normalised source. */
interface Hash {
  h1: number;
  h2: number;
}

interface Param {
  name: string;
  ann: string;
  def: string;
}

interface OpenMember {
  fact: MemberFact;
  /** the line depth of its header within the class body */
  depth: number;
  hash: Hash;
  /** statements directly in its body so far (the first may be a docstring) */
  statements: number;
  /** `__init__`: its parameters' annotations, for the attributes it sets */
  init?: Map<string, string>;
}

/** what finish() resolves into a member: raw texts, hashes; a field's statement as tokens [a, b) at depth */
interface Raw {
  type?: string;
  value?: string;
  param?: string;
  hash?: Hash;
  sig?: Hash;
  range?: [number, number, number];
}

interface ClassState {
  decl: DeclarationFact;
  hash: Hash;
  decoratorText: string;
  open: OpenMember | undefined;
  /** decorators waiting for the member they decorate: token ranges */
  decorators: number[];
  /** members by name, and what finish() must still resolve */
  byName: Map<string, MemberFact>;
  raw: Map<MemberFact, Raw>;
  /** a statement seen in the body (the first one may be the class's docstring) */
  statements: number;
  init?: Map<string, string>;
}

const HEADERS = new Set(['if', 'elif', 'else', 'try', 'except', 'finally', 'with', 'for', 'while', 'match', 'case', 'async']);
const VALUE_LIMIT = 48;
const FIELD_CALL = /^(?:\w+\.)*Field\(/;

const seed = (): Hash => ({ h1: 0x811c9dc5, h2: 0x9747b28c });
/** 32 bits of FNV and 21 of length, as two small integers in base 36 (a number above 2^31 prints slowly) */
const hex = (h: Hash): string => `${(h.h1 >>> 4).toString(36)}.${(((h.h1 & 15) << 21) | (h.h2 & 0x1fffff)).toString(36)}`;

export class PythonShapes {
  private readonly classes: ClassState[] = [];
  private current: ClassState | undefined;

  /** `hashes`: false when no rule reads them here (a test file): members and classes are then left without */
  constructor(
    private readonly toks: Tokens,
    private readonly hashes = true,
  ) {}

  /** Mix the characters of tokens [a, b) into a hash; tokens are separated, so `a b` and `ab` differ. */
  private mix(h: Hash, a: number, b: number): void {
    if (!this.hashes) return;
    const { text, start, end } = this.toks;
    let h1 = h.h1;
    let h2 = h.h2;
    for (let i = a; i < b; i++) {
      const e = end[i]!;
      let p = start[i]!;
      // two characters a step: half the multiplications of a character-wise FNV
      for (; p + 1 < e; p += 2) h1 = Math.imul(h1 ^ (text.charCodeAt(p) | (text.charCodeAt(p + 1) << 16)), 0x01000193);
      h1 = Math.imul(h1 ^ (p < e ? text.charCodeAt(p) | 0x1f0000 : 0x1f), 0x01000193);
      h2 = (h2 + e - start[i]! + 1) | 0;
    }
    h.h1 = h1;
    h.h2 = h2;
  }

  private mixNumber(h: Hash, n: number): void {
    h.h1 = Math.imul(h.h1 ^ (n + 0x100), 0x01000193);
  }

  /** A class begins: `decl` was just made from header tokens [a, colon), `decorators` are token ranges [a, b). */
  begin(decl: DeclarationFact, decorators: number[], a: number, colon: number): void {
    const hash = seed();
    // keyword arguments of the header (`metaclass=`, `total=False`) are no base but change the class
    const t = this.toks;
    for (let i = a + 3, depth = 0, item = a + 3; i < colon; i++) {
      if (t.type[i] !== Tok.Op) continue;
      const o = tokText(t, i);
      if (o === '(' || o === '[' || o === '{') depth++;
      else if (o === ')' || o === ']' || o === '}') depth--;
      if ((o === ',' && depth === 0) || depth < 0) {
        if (isOp(t, item + 1, '=') || isOp(t, item, '**')) this.mix(hash, item, i);
        item = i + 1;
      }
    }
    // decorators with their arguments, resolved through the imports at the end (`@dataclass` = `@dataclasses.dataclass`)
    let decoratorText = '';
    for (let k = 0; k < decorators.length; k += 2) decoratorText += `${source(this.toks, decorators[k]! + 1, decorators[k + 1]!, true)}\n`;
    this.current = { decl, hash, decoratorText, open: undefined, decorators: [], byName: new Map(), raw: new Map(), statements: 0 };
    this.classes.push(this.current);
  }

  end(): void {
    this.current = undefined;
  }

  /**
   * A logical line in the open class's body, tokens [a, b): `depth` blocks deep below the class (0: directly in
   * it), `memberLine` when every block between is an `if`/`try`/`with`-like one (its statements are members).
   */
  line(a: number, b: number, depth: number, memberLine: boolean, semi: boolean): void {
    const c = this.current;
    if (!c || a >= b) return;
    const open = c.open;
    if (open && depth > open.depth) {
      this.bodyLine(c, open, a, b, depth - open.depth);
      return;
    }
    c.open = undefined;
    const t = this.toks;
    if (!memberLine) {
      this.mix(c.hash, a, b);
      return;
    }
    if (isOp(t, a, '@')) {
      c.decorators.push(a, b);
      return;
    }
    const first = t.type[a] === Tok.Name ? tokText(t, a) : '';
    const isDef = first === 'def' || (first === 'async' && isName(t, a + 1, 'def'));
    if (isDef || first === 'class') {
      this.openMember(c, a, b, depth, isDef);
      return;
    }
    c.decorators.length = 0;
    if (HEADERS.has(first)) {
      // `if FLAG:` / `else:` / `try:`: its members are the class's, the condition is the class's own
      this.mixNumber(c.hash, depth);
      this.mix(c.hash, a, b);
      return;
    }
    c.statements++;
    if (b - a === 1 && (t.type[a] === Tok.String || isName(t, a, 'pass') || isOp(t, a, '...'))) return; // docstring, placeholder
    if (!semi) {
      this.statement(c, a, b, depth);
      return;
    }
    let s = a;
    for (let i = a; i <= b; i++) {
      if (i === b || isOp(t, i, ';')) {
        if (i > s) this.statement(c, s, i, depth);
        s = i + 1;
      }
    }
  }

  /** A simple statement at member level: a field (`x: T = v`, `x = v`, an enum value), else part of the class. */
  private statement(c: ClassState, a: number, b: number, depth: number): void {
    const t = this.toks;
    let eq = -1;
    let colon = -1;
    if (t.type[a] === Tok.Name && !HEADERS.has(tokText(t, a))) {
      if (isOp(t, a + 1, ':')) {
        colon = a + 1;
        eq = topLevelOp(t, a + 2, b, EQUAL);
      } else if (isOp(t, a + 1, '=')) eq = a + 1;
    }
    if (colon < 0 && eq < 0) {
      this.mixNumber(c.hash, depth);
      this.mix(c.hash, a, b);
      return;
    }
    const name = tokText(t, a);
    const existing = c.byName.get(name);
    if (existing) {
      // declared twice (under `if`/`else`): one member, both statements in its hash (its type and default say all
      // of a field declared once, which is not hashed)
      const raw = c.raw.get(existing) ?? {};
      if (!raw.hash) {
        raw.hash = seed();
        if (raw.range) {
          this.mixNumber(raw.hash, raw.range[2]);
          this.mix(raw.hash, raw.range[0], raw.range[1]);
        }
      }
      this.mixNumber(raw.hash, depth);
      this.mix(raw.hash, a, b);
      c.raw.set(existing, raw);
      return;
    }
    const fact: MemberFact = { name, type: '' };
    const typeEnd = eq < 0 ? b : eq;
    // a chained `x = y = 1` takes the last value
    let valueStart = eq + 1;
    for (let next = eq < 0 ? -1 : topLevelOp(t, eq + 1, b, EQUAL); next >= 0; next = topLevelOp(t, next + 1, b, EQUAL)) valueStart = next + 1;
    c.byName.set(name, fact);
    c.decl.members.push(fact);
    c.raw.set(fact, {
      ...(colon >= 0 && typeEnd > colon + 1 ? { type: source(this.toks, colon + 1, typeEnd) } : {}),
      ...(eq >= 0 && valueStart < b ? { value: source(this.toks, valueStart, b, true) } : {}),
      range: [a, b, depth],
    });
  }

  /** `def` or `class` at member level: a method (signature, decorators, body hash) or a nested class. */
  private openMember(c: ClassState, a: number, b: number, depth: number, isDef: boolean): void {
    const t = this.toks;
    const nameTok = isName(t, a, 'async') ? a + 2 : a + 1;
    const name = t.type[nameTok] === Tok.Name ? tokText(t, nameTok) : '';
    const existing = name ? c.byName.get(name) : undefined;
    const existingRaw = existing ? c.raw.get(existing) : undefined;
    // a second definition (a property's setter, an overload, a conditional variant) joins the first one's hash
    const hash = existingRaw?.hash ?? seed();
    for (let k = 0; k < c.decorators.length; k += 2) this.mix(hash, c.decorators[k]!, c.decorators[k + 1]!);
    c.decorators.length = 0;
    const colon = headerColon(t, a, b);
    const headerEnd = colon < 0 ? b : colon;
    this.mixNumber(hash, depth);
    // the keyword and name, then the signature (parameters, annotations, defaults, return annotation) as a hash of
    // its own: two signatures differ when they are written differently
    const sigStart = name ? nameTok + 1 : headerEnd;
    this.mix(hash, a, sigStart);
    const sig = seed();
    this.mix(sig, sigStart, headerEnd);
    this.mixNumber(hash, sig.h1 & 0xffff);
    this.mixNumber(hash, sig.h1 >>> 16);
    hash.h2 = (hash.h2 + sig.h2) | 0;
    if (!name) return;
    const fact: MemberFact = existing ?? { name, type: isDef ? 'method' : '', kind: isDef ? 'method' : 'class' };
    const open: OpenMember = { fact, depth, hash, statements: 0 };
    if (existingRaw) existingRaw.hash = hash;
    else if (existing) c.raw.set(existing, { hash });
    else {
      c.byName.set(name, fact);
      c.decl.members.push(fact);
      const raw: Raw = { hash };
      if (isDef) {
        raw.sig = sig;
        if (name === '__init__') c.init = new Map(signature(t, nameTok + 1, headerEnd).params.filter((p) => p.ann).map((p) => [p.name, p.ann]));
      }
      c.raw.set(fact, raw);
    }
    if (isDef && name === '__init__' && !existing) open.init = c.init;
    c.open = open;
    if (colon >= 0 && colon + 1 < b) this.bodyLine(c, open, colon + 1, b, 1);
  }

  /** A line of a method's (or nested class's) body, `rel` blocks below its header. */
  private bodyLine(c: ClassState, open: OpenMember, a: number, b: number, rel: number): void {
    const t = this.toks;
    if (rel === 1) {
      open.statements++;
      if (open.statements === 1 && b - a === 1 && t.type[a] === Tok.String) return; // the docstring
    }
    this.mixNumber(open.hash, rel);
    this.mix(open.hash, a, b);
    // `self.x = ...` / `self.x: T = ...` in __init__: an attribute of the instance
    if (open.init && isName(t, a, 'self') && isOp(t, a + 1, '.') && t.type[a + 2] === Tok.Name && (isOp(t, a + 3, '=') || isOp(t, a + 3, ':'))) {
      const name = tokText(t, a + 2);
      if (c.byName.has(name)) return;
      const fact: MemberFact = { name, type: '', kind: 'attribute' };
      c.byName.set(name, fact);
      c.decl.members.push(fact);
      let eq = isOp(t, a + 3, '=') ? a + 3 : -1;
      if (eq < 0) for (let i = a + 4; i < b; i++) if (isOp(t, i, '=')) (eq = i), (i = b);
      if (isOp(t, a + 3, ':')) c.raw.set(fact, { type: source(this.toks, a + 4, eq < 0 ? b : eq) });
      else c.raw.set(fact, this.valueKind(eq + 1, b, open.init));
    }
  }

  /** The kind of a value an attribute is given, when it has no annotation: a literal's type, a call's callee, an
   * annotated parameter's type. */
  private valueKind(a: number, b: number, params: Map<string, string>): { type?: string; param?: string } {
    const t = this.toks;
    if (a >= b) return {};
    const ty = t.type[a];
    if (ty === Tok.Number) return { type: /^(?:0[xob])?[\d_]+$/i.test(tokText(t, a)) ? 'int' : 'float' };
    if (ty === Tok.String) return { type: /^[rR]?[bB]/.test(tokText(t, a)) ? 'bytes' : 'str' };
    if (ty === Tok.Op) {
      const o = tokText(t, a);
      return o === '[' ? { type: 'list' } : o === '{' ? { type: isOp(t, a + 1, '}') || this.hasColon(a, b) ? 'dict' : 'set' } : o === '(' ? { type: 'tuple' } : {};
    }
    const w = tokText(t, a);
    if (w === 'True' || w === 'False') return { type: 'bool' };
    if (w === 'None' && b - a === 1) return { type: 'None' };
    let i = a;
    while (i + 2 < b && isOp(t, i + 1, '.') && t.type[i + 2] === Tok.Name) i += 2;
    if (i + 1 < b && isOp(t, i + 1, '(')) return { type: source(this.toks, a, i + 1) };
    if (b - a === 1 && params.has(w)) return { param: w };
    return {};
  }

  private hasColon(a: number, b: number): boolean {
    let depth = 0;
    for (let i = a; i < b; i++) {
      if (this.toks.type[i] !== Tok.Op) continue;
      const o = tokText(this.toks, i);
      if (o === '{' || o === '(' || o === '[') depth++;
      else if (o === '}' || o === ')' || o === ']') depth--;
      else if (o === ':' && depth === 1) return true;
    }
    return false;
  }

  /** Resolve and normalise every class's members once the file's imports are known. */
  finish(bindings: ReadonlyMap<string, string>): void {
    if (this.classes.length === 0) return;
    // the same few annotations and defaults recur in a file: each is resolved once
    const types = new Map<string, string>();
    const values = new Map<string, string>();
    const typeOf = (raw: string): string => {
      let v = types.get(raw);
      if (v === undefined) types.set(raw, (v = normalised(resolveNames(raw, bindings, true))));
      return v;
    };
    const valueOf = (raw: string): string => {
      let v = values.get(raw);
      // a long value (a description, a literal table) is compared as written
      if (v === undefined) values.set(raw, (v = cap(raw.length > 4 * VALUE_LIMIT ? raw : resolveNames(raw, bindings, false))));
      return v;
    };
    for (const c of this.classes) {
      const enumClass = c.decl.kind === 'enum';
      for (const m of c.decl.members) {
        const raw = c.raw.get(m);
        if (!raw) continue;
        if (raw.type !== undefined) m.type = typeOf(raw.type);
        else if (raw.param !== undefined) m.type = typeOf(c.init?.get(raw.param) ?? '');
        if (raw.value !== undefined) {
          m.value = valueOf(raw.value);
          if (FIELD_CALL.test(raw.value)) {
            const alias = /\b(?:serialization_alias|alias)=("(?:[^"\\]|\\.)*")/.exec(raw.value);
            if (alias) {
              try {
                m.alias = JSON.parse(alias[1]!) as string;
              } catch {
                // a literal with escapes JSON does not know: no alias read
              }
            }
          }
        }
        if (enumClass && m.kind === undefined && raw.type === undefined && raw.value !== undefined && !m.name.startsWith('_')) m.kind = 'value';
        if (!this.hashes) continue;
        if (raw.sig) m.type = `sig:${hex(raw.sig)}`;
        if (raw.hash) m.hash = hex(raw.hash);
      }
      if (!this.hashes) continue;
      const d = resolveNames(c.decoratorText, bindings, false);
      for (let i = 0; i < d.length; i++) c.hash.h1 = Math.imul(c.hash.h1 ^ d.charCodeAt(i), 0x01000193);
      c.hash.h2 = (c.hash.h2 + d.length) | 0;
      c.decl.hash = hex(c.hash);
    }
  }
}

/** Tokens [a, b) as text without formatting or comments (a space only between two words); plain string literals
 * in one quoting when `strings`. */
function source(t: Tokens, a: number, b: number, strings = false): string {
  let out = '';
  for (let i = a; i < b; i++) {
    let s = tokText(t, i);
    if (strings && t.type[i] === Tok.String) {
      const v = plainStringValue(s);
      if (v !== undefined) s = JSON.stringify(v);
    }
    if (i > a && t.type[i] !== Tok.Op && t.type[i - 1] !== Tok.Op) out += ' ';
    out += s;
  }
  return out;
}

/** `(params) -> ret` from the token after a def's name up to its colon. */
function signature(t: Tokens, a: number, colon: number): { params: Param[]; ret?: string } {
  const params: Param[] = [];
  if (!isOp(t, a, '(')) return { params };
  let depth = 0;
  let s = a + 1;
  let close = colon;
  for (let i = a; i < colon; i++) {
    if (t.type[i] !== Tok.Op) continue;
    const o = tokText(t, i);
    if (o === '(' || o === '[' || o === '{') depth++;
    else if (o === ')' || o === ']' || o === '}') depth--;
    if ((o === ',' && depth === 1) || depth === 0) {
      if (i > s) params.push(param(t, s, i));
      s = i + 1;
    }
    if (depth === 0) {
      close = i;
      break;
    }
  }
  const arrow = close + 1 < colon && isOp(t, close + 1, '->') ? close + 2 : -1;
  return arrow > 0 && arrow < colon ? { params, ret: source(t, arrow, colon) } : { params };
}

function param(t: Tokens, a: number, b: number): Param {
  let n = a;
  let name = '';
  while (n < b && t.type[n] === Tok.Op && (isOp(t, n, '*') || isOp(t, n, '**') || isOp(t, n, '/'))) name += tokText(t, n++);
  if (n < b && t.type[n] === Tok.Name) name += tokText(t, n++);
  let ann = '';
  let def = '';
  const eq = topLevelOp(t, n, b, EQUAL);
  if (isOp(t, n, ':')) ann = source(t, n + 1, eq < 0 ? b : eq);
  if (eq >= 0) def = source(t, eq + 1, b, true);
  return { name, ann, def };
}

/** normaliseType, remembered across files: most annotations are a few common spellings */
const NORMALISED = new Map<string, string>();
function normalised(raw: string): string {
  if (/^[a-z_]\w*$/.test(raw)) return raw; // str, int, dict, a lowercase name: nothing to rewrite
  let v = NORMALISED.get(raw);
  if (v === undefined) {
    if (NORMALISED.size > 20000) NORMALISED.clear();
    // typing's bare aliases are the builtins (`Dict` = `dict`; normaliseType lowers them only with arguments)
    const t = raw.replace(/\b(?:List|Dict|Set|FrozenSet|Tuple|Type)\b(?!\[)/g, (w) => w.toLowerCase());
    // only unions, quotes, `typing.` and the generics normaliseType rewrites need it
    NORMALISED.set(raw, (v = /[|'" ]|Optional|Union|typing|List\[|Dict\[|Set\[|Tuple\[|Type\[/.test(t) ? normaliseType(t) : t));
  }
  return v;
}

/** Each dotted name whose head the file imports, resolved through the import: for types its last part (the same
 * class reached through `import datetime as dt` or `from datetime import datetime`), for values all of it. */
function resolveNames(raw: string, bindings: ReadonlyMap<string, string>, lastPart: boolean): string {
  if (bindings.size === 0 || raw === '') return raw;
  if (/^[A-Za-z_]\w*$/.test(raw)) {
    const bound = bindings.get(raw);
    return bound === undefined ? raw : lastPart ? bound.slice(bound.lastIndexOf('.') + 1) : bound;
  }
  // string literals are skipped whole; only a name whose head is bound is rebuilt
  const re = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const w = m[0];
    const c = w.charCodeAt(0);
    if (c === 34 || c === 39) continue;
    const dot = w.indexOf('.');
    const bound = bindings.get(dot < 0 ? w : w.slice(0, dot));
    if (bound === undefined) continue;
    const full = dot < 0 ? bound : bound + w.slice(dot);
    out += raw.slice(last, m.index) + (lastPart ? full.slice(full.lastIndexOf('.') + 1) : full);
    last = m.index + w.length;
  }
  return last === 0 ? raw : out + raw.slice(last);
}

function cap(v: string): string {
  if (v.length <= VALUE_LIMIT) return v;
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
  return `${v.slice(0, VALUE_LIMIT - 12)}…#${(h >>> 4).toString(36)}${(h & 15).toString(36)}`;
}

/** The first `:` at bracket depth 0 of a header line, skipping `lambda ...:`, or -1. */
function headerColon(t: Tokens, a: number, b: number): number {
  let depth = 0;
  let lambdas = 0;
  for (let i = a; i < b; i++) {
    if (t.type[i] === Tok.Op) {
      const o = tokText(t, i);
      if (o === '(' || o === '[' || o === '{') depth++;
      else if (o === ')' || o === ']' || o === '}') depth--;
      else if (o === ':' && depth === 0) {
        if (lambdas > 0) lambdas--;
        else return i;
      }
    } else if (depth === 0 && isName(t, i, 'lambda')) lambdas++;
  }
  return -1;
}

const ROUTE = /^@\s*[\w.]+\.(?:get|post|put|patch|delete|head|options|api_route)\s*\(/;
const NOT_BODY = /^(?:\w+\.)*(?:Depends|Query|Path|Header|Cookie|File|Form|Security|UploadFile)\(/;

/**
 * The types a FastAPI route exposes, for a `def` whose decorators are `decorators` (their texts) and whose header
 * is tokens [a, colon): `response_model=...`, the return annotation, and parameters that are not dependencies,
 * query, path or header parameters. Undefined for a function that is no route.
 */
export function routeTypes(toks: Tokens, decorators: string[], a: number, colon: number): string[] | undefined {
  const route = decorators.find((d) => ROUTE.test(d));
  if (!route) return undefined;
  const names = new Set<string>();
  const add = (text: string): void => {
    for (const m of text.matchAll(/[A-Za-z_][\w.]*/g)) {
      const n = m[0].slice(m[0].lastIndexOf('.') + 1);
      if (/^[A-Z]/.test(n)) names.add(n);
    }
  };
  const rm = /\bresponse_model\s*=\s*/.exec(route);
  if (rm) {
    let depth = 0;
    let i = rm.index + rm[0].length;
    const s = i;
    for (; i < route.length; i++) {
      const ch = route[i];
      if (ch === '[' || ch === '(' || ch === '{') depth++;
      else if (ch === ']' || ch === ')' || ch === '}') {
        if (depth === 0) break;
        depth--;
      } else if (ch === ',' && depth === 0) break;
    }
    add(route.slice(s, i));
  }
  const nameTok = isName(toks, a, 'async') ? a + 2 : a + 1;
  const sig = signature(toks, nameTok + 1, colon);
  if (sig.ret !== undefined) add(sig.ret);
  for (const p of sig.params) if (p.ann && !NOT_BODY.test(p.def) && !/Depends\(/.test(p.ann)) add(p.ann);
  return [...names].sort();
}
