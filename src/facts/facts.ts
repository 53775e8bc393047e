/**
 * Language-neutral facts (DESIGN §3). A language adapter turns one file into a FileFacts; nothing after the
 * adapters ever looks at source text again. Every field is plain data so facts can be cached and sent between
 * worker threads as they are.
 */

export type Language = 'python' | 'typescript' | 'javascript';

/**
 * How an import is written. Several can hold at once (an import inside a function under try/except ImportError).
 * - `top-level`: executed when the module is imported.
 * - `function`: inside a function or method body (runs only when called).
 * - `try-import`: inside `try:` whose handlers catch ImportError/ModuleNotFoundError, or in such a handler.
 * - `type-checking`: under `if TYPE_CHECKING:` (never runs).
 * - `type-only`: TS `import type` / `export type` (erased at compile time).
 * - `re-export`: TS `export ... from`.
 * - `dynamic`: `importlib.import_module("x")`, `__import__("x")`, `import("x")`, `require("x")`.
 * - `mock-target`: a module named by a mock patch target string (`patch("pkg.mod.X")`, `jest.mock("x")`).
 */
export const IMPORT_FORMS = ['top-level', 'function', 'try-import', 'type-checking', 'type-only', 're-export', 'dynamic', 'mock-target'] as const;
export type ImportForm = (typeof IMPORT_FORMS)[number];

export interface ImportFact {
  /**
   * Python: absolute dotted module name (relative imports already resolved). For `from a import b` this is `a`;
   * `names` holds `b`, and resolution decides whether `a.b` is a module.
   * TypeScript: the specifier as written. Resolution to a repo file happens in the project index, since it
   * depends on other files (facts of one file depend only on its content and are cached by content hash).
   */
  module: string;
  /** Names taken (`from m import a, b`; TS named imports). Empty for `import m` / side-effect imports. */
  names: string[];
  line: number;
  column: number;
  forms: ImportForm[];
}

export interface ParseDiagnostic {
  message: string;
  line: number;
  column: number;
}

export type DeclarationKind =
  // Python
  | 'class'
  | 'dataclass'
  | 'pydantic-model'
  | 'enum'
  | 'typed-dict'
  | 'named-tuple'
  | 'protocol'
  // TypeScript
  | 'interface'
  | 'type-alias'
  | 'ts-enum'
  | 'ts-class';

/** What a member of a shape is besides a class-level field (kind unset): an attribute set on `self` in `__init__`, a method, an enum
 * value, or a nested class (Pydantic's `Config`, Django's `Meta`). */
export type MemberKind = 'attribute' | 'method' | 'value' | 'class';

export interface MemberFact {
  name: string;
  /** normalised type text ('' when none is written or inferred); a method's normalised signature
   * (`(self,a:int,b=1)->str`), or 'method' when none is known */
  type: string;
  optional?: boolean;
  /** unset for a field, the common case */
  kind?: MemberKind;
  /** a field's default, an enum member's value (normalised source; past 48 characters its start and a hash) */
  value?: string;
  /** the name it has on the wire: a Pydantic field's `serialization_alias` or `alias` */
  alias?: string;
  /** a hash of the member's normalised source: a method's decorators, signature and body (docstrings, comments and
   * formatting ignored), a field's statement, a nested class's body */
  hash?: string;
}

/**
 * A module-level type declaration. `members` (sorted by name) is its **shape**: fields with normalised types and
 * methods, so two declarations can be compared as identical, similar or only same-named.
 */
export interface DeclarationFact {
  name: string;
  kind: DeclarationKind;
  line: number;
  column: number;
  bases: string[];
  decorators: string[];
  exported: boolean;
  members: MemberFact[];
  /** `type A = B` (or `B<T>`, `import('x').B`): an alias of one definition, never a duplicate of it */
  aliasOf?: string;
  /** a type alias that is not an object type: its normalised text (unions, mapped types, ...) */
  typeText?: string;
  /** a hash of what the members do not hold: a Python class's decorators with their arguments and the statements of
   * its body that are no member (`if`/`else` headers, calls); equal for two classes that differ only in members */
  hash?: string;
}

/**
 * A mock site (a call that creates a mock, patches, or spies), found in any file; the test rules look at test files.
 */
export interface MockFact {
  /** the call, qualified through the file's imports: `unittest.mock.MagicMock`, `unittest.mock.patch.object`,
   * `mocker.patch`, `jest.mock`, `vi.fn`, `jest.spyOn`, `sinon.stub` */
  kind: string;
  /** how it reads in a message: `patch("auth_service.client.AuthClient")` */
  call: string;
  /** the patched target, when the call names one */
  target?: string;
  line: number;
  column: number;
  /** the innermost texts that may justify it, as an index into the file's `mockNotes`; absent when none can */
  notes?: number;
}

/**
 * Texts that may justify the mock sites under them, as a tree: a statement's own comments (on its line, and the
 * block directly above it), whose parent is the innermost enclosing function or class (its decorators and the
 * comment block above them), and so on outwards. A site's justification is looked for along its chain, innermost
 * first. Sites of one statement or one function share their entries: each text is stored once, so the facts of a
 * file stay linear in its size however many sites and decorators it stacks.
 */
export interface MockNote {
  texts: string[];
  parent?: number;
}

/**
 * Where a value goes (DESIGN §3, signals): kept on the instance (`self.x = ...`, a class attribute, `this.x`), in a
 * module global (or a module-level cache, or an object the function did not create), handed out by a `return`
 * (`handout`: by a static or class method, a factory whose class never keeps it), or only used inside one function
 * (`local`: a local variable never kept, an argument, a `with` block, a `yield`). `type`: named, not called (a
 * parameter's annotation, `Depends(get_db)`).
 */
export type UseDest = 'self' | 'global' | 'return' | 'handout' | 'local' | 'type';

/** the destinations where a value outlives the call that made it */
export const KEPT: ReadonlySet<UseDest> = new Set<UseDest>(['self', 'global', 'return', 'handout']);

/** A call (or construction) of something the file imports or defines at module level, and where its result goes. */
export interface UseFact {
  /** qualified through the file's imports (`create_async_engine` from `sqlalchemy.ext.asyncio` →
   * `sqlalchemy.ext.asyncio.create_async_engine`; TS `new Pool()` from 'pg' → `pg.Pool`, `new Db()` from './db' →
   * `./db.Db`); a name the file itself defines at module level is a dot and the name (`.RedisManager`) */
  name: string;
  to: UseDest;
  line: number;
  /** the module global or instance attribute the result is kept in (`redis_manager`, `_pool`) */
  target?: string;
  /** the scheme of a URL literal given as the first argument (`mysql+pymysql`, `redis`) */
  scheme?: string;
  /** named, not called: `self.db = db_manager`, `X = Y`, an annotation */
  ref?: true;
  /** a token call's key (`jwt.decode(token, USER_AUTH_SECRET)`, `verify(token, key=...)`), when it is a name the file
   * imports or defines at module level, qualified like `name`: which tokens it reads */
  key?: string;
}

/**
 * A unit of code that may implement a concept: a module-level class, a module-level function, or the module's own
 * top-level statements (`module`, name ''). What it calls and where the results go, the endpoint-looking URLs it
 * gives to calls (not to a log call or an exception), and the database URL schemes its literals name.
 */
export interface UnitFact {
  kind: 'class' | 'function' | 'module';
  name: string;
  line: number;
  column: number;
  uses: UseFact[];
  /** `call`: the name of the call it is given to (`post` in `client.post(url)`); `via`: what that call is made on,
   * named as uses are (an import `@/utils/client.api`, the call a local holds, a parameter's type), when known;
   * `base`: an HTTP client's base URL (`base_url=`, `baseURL:`), which the unit's relative URLs are relative to */
  urls?: { url: string; line: number; call?: string; via?: string; base?: true }[];
  schemes?: string[];
  /** it names `grant_type` or `response_type`: a client of an OAuth 2 authorization server (its endpoints are a provider's) */
  oauth?: true;
}

/** `# comply-ignore[rule-a, rule-b]: reason` (or `//`). */
export interface SuppressionFact {
  /** rule ids; empty when the comment names none (which is itself reported) */
  rules: string[];
  reason: string;
  /** where the comment is */
  line: number;
  /** the line it covers: its own line after code, else the next line with code */
  target: number;
}

/** A function or method: its span, and whether its whole body is a placeholder. */
export interface FunctionFact {
  /** qualified within the file: `Class.method`, `outer.inner`; `<anonymous>` for unnamed TS functions */
  name: string;
  line: number;
  endLine: number;
  /** the body is only a placeholder: `pass`, `...`, `raise NotImplementedError`, a TODO `return`, `throw new Error('not implemented')` */
  stub?: 'pass' | 'ellipsis' | 'not-implemented' | 'todo-return';
  /** an abstract method, an overload, or a method of a Protocol; or an empty one that its docstring, its comments,
   * its error message or its class (an ABC) declares a contract for subclasses: a placeholder body is its contract */
  abstract?: boolean;
  /** of an empty body (`stub`): what its docstring, comments and error message say of it, or its class's docstring
   * (a null object): still to be written (`TODO`, "not implemented yet"), or empty on purpose (a hook, a no-op) */
  intent?: 'placeholder' | 'deliberate';
  /** of an empty body (`stub`): how many parameters the function takes, `self` and `cls` aside */
  params?: number;
  /** the names of the types a function exposes as an API: a FastAPI route's `response_model`, return annotation and
   * body parameters; in TypeScript the types a fetch or axios call's result is given (`axios.get<User>`,
   * `(await res.json()) as User`, `Promise<User>` of a function that fetches) */
  api?: string[];
}

export interface FileFacts {
  imports: ImportFact[];
  declarations: DeclarationFact[];
  mocks: MockFact[];
  /** what may justify the mock sites (MockFact.notes points in here) */
  mockNotes: MockNote[];
  suppressions: SuppressionFact[];
  diagnostics: ParseDiagnostic[];
  /** Python only: the file's own dotted module name under the configured roots, if it has one. */
  moduleName?: string;
  /** test functions and classes the file defines (Python `def test_*`, `class Test*`): a file named like a test
   * module that defines none is production code */
  testDefinitions: number;
  /** physical lines, and lines with code (not blank, not only a comment) */
  lines: { physical: number; code: number };
  /** a comment in its first lines says a tool wrote it (`This file was automatically generated`, `@generated`, `DO
   * NOT EDIT`): its generator is its source of truth (src/engine/extract.ts, isGenerated) */
  generated?: true;
  functions: FunctionFact[];
  /** the units that use an import or a module-level name (concept detection: multiple-implementations) */
  units: UnitFact[];
}

/**
 * Facts that extraction leaves out of a file when no enabled rule reads them there (WorkspaceFile.omit; a rule says
 * where it reads them: Rule.readsIn), each part of one fact of a rule's `reads`:
 * - `units` (the `units` fact): a tenth of the Python extractor's time; multiple-implementations reads them in the
 *   production files of services, and in a test helper production code uses (made on demand there).
 * - `hashes` (of `declarations`): the hashes of class members' bodies and signatures and of class bodies, a fifth of
 *   the Python extractor's time; duplicate-type reads them in the files it compares. Never made on demand: a rule
 *   that reads declarations where it said it does not read hashes sees members without them.
 */
export const OPTIONAL_FACTS = { units: 'units', hashes: 'declarations' } as const satisfies Record<string, keyof FileFacts>;
export type OptionalFact = keyof typeof OPTIONAL_FACTS;

export function emptyFacts(): FileFacts {
  return { imports: [], declarations: [], mocks: [], mockNotes: [], suppressions: [], diagnostics: [], testDefinitions: 0, lines: { physical: 0, code: 0 }, functions: [], units: [] };
}
