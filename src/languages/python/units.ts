/**
 * Units for concept detection (DESIGN §3, signals): each module-level class and function, and the module's own
 * top-level statements, with the calls and names they use and **where each result goes**: kept on `self` (or as a
 * class attribute), in a module global (or a module-level cache, or an object the function was given), handed out
 * by `return`, or used inside one function only. A small flow through each function's local variables follows
 * `engine = create_engine(url)` to `return engine` or `self._engine = engine`.
 *
 * Fed one statement at a time by the extractor's walk; names are qualified through the file's imports at the end of
 * the file, and only what the file imports or defines at module level is kept (most calls are of neither).
 */
import { KEPT, type UnitFact, type UseDest, type UseFact } from '../../facts/facts.js';
import { op1, plainStringValue, position, Tok, topLevelOp, type Tokens } from './tokenizer.js';

/** calls that build a URL from parts (`new URL('/login', base)`, `urljoin(base, '/auth')`): a URL given to one is given
 * to whatever the built URL is given to */
export const URL_BUILDER = /^(?:URL|urljoin|urlparse|urlsplit|urlunparse|urlunsplit|join)$/;
/** a string literal given to a call that looks like an auth, token or identity-provider endpoint */
export const ENDPOINT_URL = /\/(?:api\/)?(?:auth|oauth2?|token|login|session|jwks|authorize|userinfo)s?\b|\/\.well-known\/openid/i;
/** the parameters every OAuth 2 token request (`grant_type`) and authorization request (`response_type`) sends
 * (RFC 6749): a unit that names one is a client of an authorization server */
export const OAUTH_PARAM = /^(?:grant|response)_type$/;
/** the values of those parameters (RFC 6749, OpenID Connect): `authorization_code`, `client_credentials`,
 * `refresh_token`, `password`, `urn:ietf:params:oauth:grant-type:...`; `code`, `token`, `id_token` */
export const OAUTH_VALUE = /^(?:authorization_code|client_credentials|refresh_token|password|urn:ietf:params:oauth:grant-type:[\w-]+|(?:code|token|id_token)(?: (?:code|token|id_token))*)$/;
/** the key of an object or dict entry given to a call that names the URL requested (`{ url: '/auth/login' }`); an
 * entry under any other key is data or a setting (`"token_uri": ...`, a payload's `"next": "/auth/login"`) */
export const REQUEST_URL_KEY = /^(?:url|uri|endpoint|path)$/i;
/** a URL's scheme at the start of a literal: `postgresql+asyncpg://`, `redis://`, `mongodb+srv://` */
const SCHEME = /^([a-z][a-z0-9]*(?:\+[a-z0-9_]+)?):\/\//i;
/** keyword arguments that name a database URL's scheme in DSN builders */
const DSN_KEYWORD = /^(?:scheme|drivername)$/;
/** the name of a keyword argument or property that sets an HTTP client's base URL */
export const BASE_URL = /^base_?ur[il]$/i;
/** calls whose arguments are messages, not requests: logging, printing, exceptions */
export const MESSAGE_SINK = /^(?:debug|info|warning|warn|error|exception|critical|fatal|log|print|trace|echo|secho)$|(?:Error|Exception|Warning|Exit)$/;
/** calls a URL is given to as where the browser goes, never an endpoint the code calls: a redirect, a navigation
 * (Next.js `redirect()`, `router.push()`, Starlette's `RedirectResponse`, Django's `HttpResponseRedirect`) */
export const NAVIGATION = /^(?:redirect|permanentRedirect|RedirectResponse|HttpResponseRedirect|HttpResponsePermanentRedirect|navigate|push|replace|assign)$/;

/** a call or a name seen in a unit; qualified at the end of the file */
interface Rec {
  /** token range of its dotted name `a.b.c` */
  first: number;
  last: number;
  to: UseDest;
  target?: string;
  scheme?: string;
  ref: boolean;
  /** a token call's key argument, a dotted name (token range) */
  key?: [number, number];
}

export interface UnitState {
  kind: UnitFact['kind'];
  name: string;
  offset: number;
  recs: Rec[];
  urls: { url: string; line: number; call?: string; base?: true }[];
  schemes: Set<string> | undefined;
  oauth?: true;
}

/** a function's local variables that hold what a call returned, and its `global` names */
export interface FlowState {
  locals: Map<string, Rec[]>;
  /** the signatures of the locals' names (a cheap test before a name's text is made) */
  sigs: Set<number>;
  /** every name the function assigns (a local dict's `status["x"] = ...` stays in the function) */
  assigned: Set<string>;
  globals: Set<string> | undefined;
  /** where what it returns goes: kept when a decorator caches it (`@lru_cache`: global), handed out by a static or
   * class method (`@staticmethod`, `@classmethod`: handout), else returned */
  returns: UseDest;
}

/** where a statement sits */
export interface UnitContext {
  unit: UnitState;
  /** the innermost function, if any */
  fn: FlowState | undefined;
  /** directly in a class body (an assignment there is a class attribute) */
  classBody: boolean;
}

/** calls whose key argument says which tokens they read (`jwt.decode`, `jws.verify`) */
export const KEY_CALL = /^(?:decode|verify|decode_complete|jwtVerify)$/;
const KEY_KEYWORD = /^(?:key|secret|secret_key|signing_key)$/;
/**
 * Python's standard library: its calls and names are never a concept's signal (a database driver or an HTTP client
 * is a package of its own), but for the ones STDLIB_DRIVERS names. Leaving them out keeps the facts small: typing,
 * asyncio, datetime, json, logging and unittest are half of what a service's code calls.
 */
const STDLIB = new Set(
  (
    'abc argparse array ast asyncio atexit base64 binascii bisect builtins bz2 calendar cmath codecs collections colorsys concurrent ' +
    'configparser contextlib contextvars copy csv ctypes dataclasses datetime decimal difflib dis email enum errno faulthandler ' +
    'filecmp fnmatch fractions functools gc getpass gettext glob graphlib gzip hashlib heapq hmac html http importlib inspect io ' +
    'ipaddress itertools json keyword linecache locale logging lzma math mimetypes multiprocessing numbers operator os pathlib ' +
    'pickle pkgutil platform pprint queue random re reprlib resource sched secrets select selectors shelve shlex shutil signal ' +
    'site socket socketserver sqlite3 ssl stat statistics string struct subprocess sys sysconfig tarfile tempfile textwrap ' +
    'threading time timeit tomllib traceback tracemalloc types typing typing_extensions unicodedata unittest urllib uuid warnings ' +
    'weakref xml zipfile zlib zoneinfo __future__'
  ).split(' '),
);
/** standard-library modules that are signals: SQLite, and HTTP requests */
const STDLIB_DRIVERS = /^(?:sqlite3|urllib\.request|http\.client)(?:\.|$)/;
const NOT_CALL = -3;
const CALL = -1;
const SKIP_STATEMENTS = new Set(['import', 'from', 'pass', 'break', 'continue', 'del', 'nonlocal']);
/** the first letters of the statement keywords statement() tells apart: import from pass break continue del nonlocal
 * global return yield raise assert */
const KEYWORD_START = new Set([...'ifpbcdngrya'].map((c) => c.charCodeAt(0)));

const SIGS = new Uint8Array(64 << 7);

/** A module's own unit (its top-level statements), empty. */
export const moduleUnit = (): UnitState => ({ kind: 'module', name: '', offset: 0, recs: [], urls: [], schemes: undefined });

export class PythonUnitCollector {
  readonly module: UnitState = moduleUnit();
  private readonly units: UnitState[] = [this.module];
  /** names defined at module level: classes, functions, globals */
  private readonly moduleNames = new Set<string>();
  /** of those, the module-level variables (`logger.info()` on one is not worth a record) */
  private readonly variables = new Set<string>();
  private readonly src: string;
  /** signatures of the known names (maybeKnown), and the sizes they were made for (one buffer for every file,
   * cleared for each: extraction is synchronous, and a typed array per file cost more than its filling) */
  private readonly sigs = SIGS.fill(0);
  private sigBindings = -1;
  private sigModule = -1;
  /** binding → whether it names the standard library (not worth a record) */
  private readonly stdlib = new Map<string, boolean>();
  /** the open brackets of the expression being scanned (reused), and how many */
  private readonly opens: number[] = [];
  private depth = 0;

  constructor(
    private readonly toks: Tokens,
    /** local name → what it names, filled by the extractor as imports are seen */
    private readonly bindings: Map<string, string>,
  ) {
    this.src = toks.text;
    // the module's own names, known before their definitions (a function may call one defined below it):
    // `def`, `class` and simple assignments at indentation 0
    for (const ll of toks.lines) {
      if (ll.indent !== 0 || toks.type[ll.first] !== Tok.Name) continue;
      let k = ll.first;
      if (this.isWord(k, 'async')) k++;
      if (this.isWord(k, 'def') || this.isWord(k, 'class')) {
        if (toks.type[k + 1] === Tok.Name) this.moduleNames.add(this.text(k + 1));
      } else if (ll.end > k + 1 && (this.op1(k + 1) === 61 || this.op1(k + 1) === 58)) {
        const n = this.text(k);
        this.moduleNames.add(n);
        this.variables.add(n);
      }
    }
  }

  private text(i: number): string {
    return this.src.slice(this.toks.start[i]!, this.toks.end[i]!);
  }
  /** the character of a one-character operator token, else 0 */
  private op1(i: number): number {
    return op1(this.toks, i);
  }
  private isWord(i: number, w: string): boolean {
    const t = this.toks;
    return t.type[i] === Tok.Name && t.end[i]! - t.start[i]! === w.length && this.src.startsWith(w, t.start[i]!);
  }
  /** `self` or `cls` at token i */
  private selfLike(i: number): boolean {
    const t = this.toks;
    const n = t.end[i]! - t.start[i]!;
    const c = this.src.charCodeAt(t.start[i]!);
    return (n === 4 && c === 115 && this.src.startsWith('self', t.start[i]!)) || (n === 3 && c === 99 && this.src.startsWith('cls', t.start[i]!));
  }

  /** a name token's signature: its length (up to 63) and first character */
  private sig(i: number): number {
    const t = this.toks;
    const n = t.end[i]! - t.start[i]!;
    return ((n > 63 ? 63 : n) << 7) | (this.src.charCodeAt(t.start[i]!) & 127);
  }

  /** Whether the name token i may be imported or defined at module level: a cheap test before its text is made (most
   * names a statement calls are local variables, parameters and builtins). */
  private maybeKnown(i: number): boolean {
    if (this.bindings.size !== this.sigBindings || this.moduleNames.size !== this.sigModule) {
      const add = (name: string): void => {
        const n = name.length;
        this.sigs[((n > 63 ? 63 : n) << 7) | (name.charCodeAt(0) & 127)] = 1;
      };
      for (const k of this.bindings.keys()) add(k);
      for (const k of this.moduleNames) add(k);
      this.sigBindings = this.bindings.size;
      this.sigModule = this.moduleNames.size;
    }
    return this.sigs[this.sig(i)] === 1;
  }

  /** whether a name can be worth a record: imported, or defined at module level (so far) */
  private known(name: string): boolean {
    const bound = this.bindings.get(name);
    if (bound === undefined) return this.moduleNames.has(name);
    let std = this.stdlib.get(bound);
    if (std === undefined) {
      const dot = bound.indexOf('.');
      std = STDLIB.has(dot < 0 ? bound : bound.slice(0, dot)) && !STDLIB_DRIVERS.test(bound);
      this.stdlib.set(bound, std);
    }
    return !std;
  }

  /** A module-level class or function opens a unit (`nameTok`: its name). */
  beginUnit(kind: 'class' | 'function', nameTok: number): UnitState | undefined {
    if (this.toks.type[nameTok] !== Tok.Name) return undefined;
    const name = this.text(nameTok);
    this.moduleNames.add(name);
    const u: UnitState = { kind, name, offset: this.toks.start[nameTok]!, recs: [], urls: [], schemes: undefined };
    this.units.push(u);
    return u;
  }

  /**
   * A `def` header, tokens [a, colon): its parameters, and the names its annotations and defaults use
   * (`db: DatabaseManager`, `session = Depends(get_db)`: what the function is given, not what it makes).
   */
  beginFunction(a: number, colon: number, unit: UnitState, cached: boolean, factory = false): FlowState {
    const flow: FlowState = { locals: new Map(), sigs: new Set(), assigned: new Set(), globals: undefined, returns: cached ? 'global' : factory ? 'handout' : 'return' };
    let i = a;
    while (i < colon && this.op1(i) !== 40) i++; // the '(' of the parameters
    let depth = 0;
    let expectParam = false;
    for (; i < colon; i++) {
      const t = this.toks.type[i];
      if (t === Tok.Op) {
        const c = this.op1(i);
        if (c === 40 || c === 91 || c === 123) {
          depth++;
          if (depth === 1) expectParam = true;
        } else if (c === 41 || c === 93 || c === 125) depth--;
        else if (c === 44 && depth === 1) expectParam = true;
        continue;
      }
      if (t !== Tok.Name) continue;
      if (expectParam && depth === 1) {
        expectParam = false; // a parameter's own name
        continue;
      }
      if (this.op1(i - 1) === 46) continue;
      const last = this.dottedEnd(i, colon);
      if (this.maybeKnown(i) && this.known(this.text(i))) unit.recs.push({ first: i, last, to: 'type', ref: true });
      i = last;
    }
    return flow;
  }

  /**
   * A compound statement's header, tokens [a, colon) (`if`, `for`, `while`, `with ... as x`, `except`). A script's
   * `if __name__ == "__main__":` at module level returns the flow of its body: it runs like a function, once.
   */
  header(a: number, colon: number, ctx: UnitContext): FlowState | undefined {
    let k = a;
    if (this.isWord(k, 'async')) k++;
    if (!ctx.fn && this.isWord(k, 'if') && this.isWord(k + 1, '__name__') && colon === k + 4 && this.toks.type[k + 3] === Tok.String) {
      return { locals: new Map(), sigs: new Set(), assigned: new Set(), globals: undefined, returns: 'return' };
    }
    if (this.isWord(k, 'with') && ctx.fn) {
      // `with connect(url) as conn:`: the client lives for the block
      const asAt = this.findWord(k + 1, colon, 'as');
      const into = asAt >= 0 && asAt + 2 === colon && this.toks.type[asAt + 1] === Tok.Name ? this.text(asAt + 1) : undefined;
      if (into !== undefined) ctx.fn.assigned.add(into);
      this.scan(k + 1, asAt >= 0 ? asAt : colon, ctx, 'local', undefined, into, false);
      return undefined;
    }
    if (ctx.fn && this.isWord(k, 'for')) {
      for (let i = k + 1; i < colon && !this.isWord(i, 'in'); i++) if (this.toks.type[i] === Tok.Name) ctx.fn.assigned.add(this.text(i));
    }
    this.scan(k + 1, colon, ctx, 'local', undefined, undefined, this.isWord(k, 'assert'));
    return undefined;
  }

  /** One simple statement, tokens [a, b). */
  statement(a: number, b: number, ctx: UnitContext): void {
    const t = this.toks;
    if (a >= b || (b === a + 1 && t.type[a] !== Tok.Name)) return; // a docstring
    let rhs = a;
    let to: UseDest = 'local';
    let target: string | undefined;
    let into: string | undefined;
    let merge: boolean | undefined;
    let sink = false;
    // a statement's keyword, told by its length and first letter before any text is made (most statements have none)
    const n0 = t.end[a]! - t.start[a]!;
    const w = t.type[a] === Tok.Name && n0 >= 3 && n0 <= 8 && KEYWORD_START.has(this.src.charCodeAt(t.start[a]!)) ? this.text(a) : '';
    if (w !== '') {
      if (SKIP_STATEMENTS.has(w)) return;
      if (w === 'global') {
        if (ctx.fn) for (let i = a + 1; i < b; i++) if (t.type[i] === Tok.Name) (ctx.fn.globals ??= new Set()).add(this.text(i));
        return;
      }
      if (w === 'return') {
        to = ctx.fn?.returns ?? 'return';
        rhs = a + 1;
      } else if (w === 'yield') rhs = a + 1;
      else if (w === 'raise' || w === 'assert') {
        rhs = a + 1;
        sink = true;
      }
    }
    if (rhs === a) {
      const eq = this.assignment(a, b);
      if (eq >= 0) {
        rhs = eq + 1;
        ({ to, target, into, merge } = this.destination(a, this.annotationEnd(a, eq), ctx));
      }
    }
    this.scan(rhs, b, ctx, to, target, into, sink, merge);
  }

  /** the `=` of an assignment at bracket depth 0, or -1 */
  private assignment(a: number, b: number): number {
    let depth = 0;
    for (let i = a; i < b; i++) {
      const c = this.op1(i);
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93 || c === 125) depth--;
      else if (c === 61 && depth === 0) return i;
      else if (depth === 0 && this.isWord(i, 'lambda')) return -1;
    }
    return -1;
  }

  /** the end of an assignment's target, before `: annotation` */
  private annotationEnd(a: number, eq: number): number {
    const colon = topLevelOp(this.toks, a, eq, 58);
    return colon < 0 ? eq : colon;
  }

  /** Where an assignment to the target tokens [a, e) puts its value. */
  private destination(a: number, e: number, ctx: UnitContext): { to: UseDest; target?: string; into?: string; merge?: boolean } {
    const t = this.toks;
    const fn = ctx.fn;
    if (t.type[a] !== Tok.Name) return { to: fn ? 'local' : 'global' };
    const head = this.text(a);
    if (e === a + 1) {
      if (fn?.globals?.has(head)) return { to: 'global', target: head };
      if (fn) {
        fn.assigned.add(head);
        return { to: 'local', into: head };
      }
      if (ctx.classBody) return { to: 'self', target: head };
      this.moduleNames.add(head);
      return { to: 'global', target: head };
    }
    const next = this.op1(a + 1);
    if (next !== 46 && next !== 91) return { to: fn ? 'local' : 'global' }; // a tuple, a starred target
    const attr = next === 46 && t.type[a + 2] === Tok.Name ? this.text(a + 2) : undefined;
    if (head === 'self' || head === 'cls') return { to: 'self', ...(attr ? { target: attr } : {}) };
    if (fn?.locals.has(head)) return { to: 'local', into: head, merge: true };
    if (fn?.assigned.has(head)) return { to: 'local' };
    // a module-level object or cache, or an object the function was given (`app.state.redis = ...`)
    return { to: 'global', target: head };
  }

  private findWord(a: number, b: number, w: string): number {
    for (let i = a; i < b; i++) if (this.isWord(i, w)) return i;
    return -1;
  }

  private dottedEnd(i: number, b: number): number {
    const t = this.toks;
    let j = i;
    while (j + 2 < b && this.op1(j + 1) === 46 && t.type[j + 2] === Tok.Name) j += 2;
    return j;
  }

  /**
   * The expression tokens [a, b) of a statement whose value goes `to`: its calls, the names it is given, the
   * local variables it reads (their values go where this one goes), URLs given to calls, database URL schemes.
   */
  private scan(a: number, b: number, ctx: UnitContext, to: UseDest, target: string | undefined, into: string | undefined, sink: boolean, merge = false): void {
    const t = this.toks;
    const unit = ctx.unit;
    const fn = ctx.fn;
    const kept = KEPT.has(to);
    const held: Rec[] | undefined = into !== undefined ? [] : undefined;
    // per open bracket: NOT_CALL, or a call: the token of its name (CALL when it has none, `f(x)(y)`)
    const opens = this.opens;
    let depth = 0;
    let calls = 0;
    for (let i = a; i < b; i++) {
      const ty = t.type[i];
      if (ty === Tok.Op) {
        const c = this.op1(i);
        if (c === 40 || c === 91 || c === 123) {
          let kind = NOT_CALL;
          if (c === 40 && i > a) kind = t.type[i - 1] === Tok.Name ? i - 1 : this.op1(i - 1) === 41 ? CALL : NOT_CALL;
          opens[depth++] = kind;
          if (kind !== NOT_CALL) calls++;
        } else if ((c === 41 || c === 93 || c === 125) && depth > 0) {
          if (opens[--depth] !== NOT_CALL) calls--;
        }
        continue;
      }
      if (ty === Tok.String) {
        this.depth = depth;
        this.literal(i, unit, calls > 0 && !sink);
        continue;
      }
      if (ty !== Tok.Name || (i > a && this.op1(i - 1) === 46)) continue;
      const last = this.dottedEnd(i, b);
      if (last + 1 < b && this.op1(last + 1) === 40) {
        if (last > i && this.selfLike(i)) {
          i = last; // `self.method()`: the class's own code
          continue;
        }
        if (!this.maybeKnown(i)) {
          i = last;
          continue;
        }
        const head = this.text(i);
        if (!this.known(head) || (last > i && !this.bindings.has(head) && this.variables.has(head))) {
          i = last;
          continue; // a builtin, a local variable, a parameter, a method of a module variable (`logger.info()`)
        }
        const rec: Rec = { first: i, last, to, ref: false };
        if (target !== undefined) rec.target = target;
        const arg = last + 2;
        if (t.type[arg] === Tok.String && (this.op1(arg + 1) === 44 || this.op1(arg + 1) === 41) && this.schemeAt(arg)) {
          const m = SCHEME.exec(this.stringBody(arg));
          if (m) rec.scheme = m[1]!.toLowerCase();
        }
        // (by its own name: `from jwt import decode as jwt_decode` makes `jwt_decode(...)` a decode)
        if (KEY_CALL.test(last > i ? this.text(last) : (this.bindings.get(head)?.split('.').pop() ?? head))) {
          // a decode told not to verify (`options={"verify_signature": False}`, `verify=False`) reads a token's
          // claims, for a log line or a display: no token handling of its own
          if (this.unverified(last + 1, b)) {
            i = last;
            continue;
          }
          const key = this.keyArg(last + 1, b, fn);
          if (key) rec.key = key;
        }
        unit.recs.push(rec);
        if (held) held.push(rec);
      } else if (fn && fn.locals.size > 0 && last === i && fn.sigs.has(this.sig(i)) && fn.locals.has(this.text(i)) && (calls === 0 || this.constructs(depth))) {
        // a local variable read: what it holds goes where this value goes (as it is, in a container, or wrapped
        // by a constructor: not what a function computes from it)
        const recs = fn.locals.get(this.text(i))!;
        if (held) held.push(...recs);
        else if (kept) {
          for (const r of recs) {
            if (KEPT.has(r.to)) continue;
            r.to = to;
            if (target !== undefined) r.target = target;
          }
        }
      } else if (kept && this.maybeKnown(i) && this.known(this.text(i))) {
        const rec: Rec = { first: i, last, to, ref: true };
        if (target !== undefined) rec.target = target;
        unit.recs.push(rec);
      }
      i = last;
    }
    if (fn && into !== undefined) {
      // `db.client = client` adds to what db holds; `db = ...` replaces it
      if (merge) fn.locals.get(into)?.push(...held!);
      else if (held!.length > 0) {
        fn.locals.set(into, held!);
        fn.sigs.add(((into.length > 63 ? 63 : into.length) << 7) | (into.charCodeAt(0) & 127));
      } else fn.locals.delete(into);
    }
  }

  /** The key of a token call whose `(` is at `open`: its second positional argument, or its `key=` (`secret=`), when
   * that is a dotted name the file imports or defines at module level, or a local that holds what such a name's call
   * returned (`signing_key = PyJWK(jwk)`: the call); not `self.secret`. */
  private keyArg(open: number, b: number, fn: FlowState | undefined): [number, number] | undefined {
    let depth = 0;
    let start = open + 1;
    let index = 0;
    for (let i = open + 1; i < b; i++) {
      const c = this.op1(i);
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93 || c === 125) {
        if (depth === 0) return this.keyAt(start, i, index, fn);
        depth--;
      } else if (c === 44 && depth === 0) {
        const k = this.keyAt(start, i, index, fn);
        if (k) return k;
        start = i + 1;
        index++;
      }
    }
    return undefined;
  }

  /** Whether the call whose `(` is at `open` is told not to verify: `verify=False`, or `"verify_signature": False`
   * in its arguments (PyJWT's options). */
  private unverified(open: number, b: number): boolean {
    const t = this.toks;
    let depth = 0;
    for (let i = open + 1; i < b; i++) {
      const c = this.op1(i);
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93 || c === 125) {
        if (depth-- === 0) return false;
      } else if (t.type[i + 2] === Tok.Name && this.text(i + 2) === 'False') {
        if (t.type[i] === Tok.Name && depth === 0 && this.op1(i + 1) === 61 && this.text(i) === 'verify') return true;
        if (t.type[i] === Tok.String && this.op1(i + 1) === 58 && this.stringBody(i) === 'verify_signature') return true;
      }
    }
    return false;
  }

  private keyAt(a: number, e: number, index: number, fn: FlowState | undefined): [number, number] | undefined {
    const t = this.toks;
    let s = a;
    if (t.type[a] === Tok.Name && this.op1(a + 1) === 61) {
      if (!KEY_KEYWORD.test(this.text(a))) return undefined;
      s = a + 2;
    } else if (index !== 1) return undefined;
    if (s >= e || t.type[s] !== Tok.Name) return undefined;
    const last = this.dottedEnd(s, e);
    if (last + 1 !== e) return undefined;
    if (last === s && fn && fn.locals.size > 0 && fn.sigs.has(this.sig(s))) {
      const made = fn.locals.get(this.text(s))?.find((r) => !r.ref);
      if (made) return [made.first, made.last];
    }
    if (!this.maybeKnown(s) || !this.known(this.text(s))) return undefined;
    return [s, last];
  }

  /** whether the innermost call open among the first `depth` brackets is a class's construction (`Wrapper(pool)`,
   * by the naming convention) */
  private constructs(depth: number): boolean {
    for (let k = depth - 1; k >= 0; k--) {
      const o = this.opens[k]!;
      if (o === NOT_CALL) continue;
      if (o < 0) return false;
      const c = this.src.charCodeAt(this.toks.start[o]!);
      return c >= 65 && c <= 90;
    }
    return true;
  }

  /** The call an argument being scanned is given to: the innermost call's name ('' when it has none), or undefined
   * when the argument is a message (a log call's, an exception's, at any depth) or a navigation's target. */
  private givenTo(): string | undefined {
    const opens = this.opens;
    let name: string | undefined;
    for (let k = this.depth - 1; k >= 0; k--) {
      const o = opens[k]!;
      if (o === NOT_CALL) continue;
      const n = o >= 0 ? this.text(o) : '';
      if (MESSAGE_SINK.test(n) || NAVIGATION.test(n)) return undefined;
      if (URL_BUILDER.test(n)) continue;
      name ??= n;
    }
    return name;
  }

  /** `scheme://` at the start of string token i (after its prefix and quote) */
  private schemeAt(i: number): boolean {
    const src = this.src;
    const e = this.toks.end[i]!;
    let p = this.toks.start[i]!;
    let c = src.charCodeAt(p);
    while (c !== 34 && c !== 39 && p < e) c = src.charCodeAt(++p);
    while ((c === 34 || c === 39) && p < e) c = src.charCodeAt(++p);
    const lim = Math.min(e, p + 24) - 2;
    for (; p < lim; p++) {
      c = src.charCodeAt(p);
      if (c === 58) return src.charCodeAt(p + 1) === 47 && src.charCodeAt(p + 2) === 47;
      if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 46 || c === 45)) return false;
    }
    return false;
  }

  /** a string literal's text without prefix and quotes (an f-string's literal parts with its fields) */
  private stringBody(i: number): string {
    const raw = this.text(i);
    return plainStringValue(raw) ?? raw.replace(/^[A-Za-z]*(['"]{1,3})|(['"]{1,3})$/g, '');
  }

  /** A string literal: a database URL scheme anywhere; an endpoint URL when it is given to a call (`inCall`: inside
   * a call's arguments, and not in a `raise` or `assert`). */
  private literal(i: number, unit: UnitState, inCall: boolean): void {
    const t = this.toks;
    const src = this.src;
    const s = t.start[i]!;
    const e = t.end[i]!;
    // cheap tests on the raw text first: most strings hold neither `://` near their start nor a `/`
    // `grant_type`, `response_type`: a dict key (`{"grant_type": ...}`), or a call's keyword given an OAuth value
    // (`dict(grant_type="client_credentials")`, `fetch_token(grant_type=...)`; not `response_type = "csv"`, nor a
    // `response_type="json"` argument)
    if ((e - s === 12 || e - s === 15) && src.startsWith('_type', e - 6) && OAUTH_PARAM.test(src.slice(s + 1, e - 1))) unit.oauth = true;
    else if (inCall && this.op1(i - 1) === 61 && t.type[i - 2] === Tok.Name && OAUTH_PARAM.test(this.text(i - 2)) && OAUTH_VALUE.test(this.stringBody(i))) unit.oauth = true;
    const scheme = this.schemeAt(i);
    // a dict entry's value is data or a setting (`{"token_uri": "https://..."}`), unless its key names the URL
    // requested
    const given = inCall && !(this.op1(i - 1) === 58 && t.type[i - 2] === Tok.String && !REQUEST_URL_KEY.test(this.stringBody(i - 2)));
    // a DSN builder's scheme given by keyword: `PostgresDsn.build(scheme="postgresql", ...)`,
    // `URL.create(drivername="postgresql+asyncpg", ...)`
    if (!scheme && given && e - s < 40 && this.op1(i - 1) === 61 && t.type[i - 2] === Tok.Name && DSN_KEYWORD.test(this.text(i - 2))) {
      const v = this.stringBody(i);
      if (/^[a-z][a-z0-9]*(?:\+[a-z0-9_]+)?$/i.test(v)) (unit.schemes ??= new Set()).add(v.toLowerCase());
      return;
    }
    let endpoint = false;
    if (given && e - s < 210) for (let p = s + 1; p < e && !endpoint; p++) endpoint = src.charCodeAt(p) === 47;
    if (!scheme && !endpoint) return;
    const v = this.stringBody(i);
    if (scheme) {
      const m = SCHEME.exec(v);
      if (m && !/^(?:https?|wss?|ftp|file|data|mailto)$/i.test(m[1]!)) (unit.schemes ??= new Set()).add(m[1]!.toLowerCase());
      // `httpx.AsyncClient(base_url="https://slack.com/api")`: the unit's relative URLs are that host's
      else if (m && given && this.op1(i - 1) === 61 && t.type[i - 2] === Tok.Name && BASE_URL.test(this.text(i - 2)) && !unit.urls.some((u) => u.url === v)) {
        unit.urls.push({ url: v, line: position(t, s).line, base: true });
      }
    }
    if (endpoint && v.length < 200 && ENDPOINT_URL.test(v) && !unit.urls.some((u) => u.url === v)) {
      const call = this.givenTo();
      if (call !== undefined) unit.urls.push({ url: v, line: position(t, s).line, ...(call ? { call } : {}) });
    }
  }

  /** a dotted name (tokens first..last) qualified through the file's imports, or `.name` for its own module-level
   * name; undefined for an unresolvable relative import or a name of neither */
  private qualified(first: number, last: number): string | undefined {
    const head = this.text(first);
    const bound = this.bindings.get(head);
    if (bound === undefined ? !this.moduleNames.has(head) : bound.startsWith('.')) return undefined;
    let name = bound !== undefined ? bound : `.${head}`;
    for (let k = first + 2; k <= last; k += 2) name += `.${this.text(k)}`;
    return name;
  }

  /** Qualify every unit's names through the file's imports (complete only now) and its module-level names. */
  finish(): UnitFact[] {
    const out: UnitFact[] = [];
    for (const u of this.units) {
      // name → its uses (one per destination, target and kind)
      const seen = new Map<string, UseFact[]>();
      const uses: UseFact[] = [];
      for (const r of u.recs) {
        const name = this.qualified(r.first, r.last);
        if (name === undefined) continue; // an unresolvable relative import
        const key = r.key ? this.qualified(r.key[0], r.key[1]) : undefined;
        let list = seen.get(name);
        if (!list) seen.set(name, (list = []));
        const prev = list.find((x) => x.to === r.to && x.target === r.target && (x.ref === true) === r.ref && x.key === key);
        if (prev) {
          if (r.scheme && !prev.scheme) prev.scheme = r.scheme;
          continue;
        }
        const use: UseFact = { name, to: r.to, line: position(this.toks, this.toks.start[r.first]!).line };
        if (r.target !== undefined) use.target = r.target;
        if (r.scheme) use.scheme = r.scheme;
        if (r.ref) use.ref = true;
        if (key !== undefined) use.key = key;
        list.push(use);
        uses.push(use);
      }
      if (uses.length === 0 && u.urls.length === 0 && !u.schemes) continue;
      const pos = u.kind === 'module' ? { line: 1, column: 0 } : position(this.toks, u.offset);
      const fact: UnitFact = { kind: u.kind, name: u.name, ...pos, uses: uses.sort((x, y) => x.line - y.line || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)) };
      if (u.urls.length > 0) fact.urls = u.urls;
      if (u.schemes) fact.schemes = [...u.schemes].sort();
      if (u.oauth) fact.oauth = true;
      out.push(fact);
    }
    return out;
  }
}
