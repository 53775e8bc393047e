/**
 * What the repository's test runners run, read from their configs as data (issue 22): test code is what pytest,
 * Jest, Vitest, Cypress and Playwright would run or load, together with the path conventions, never what a module's
 * functions or classes are named.
 *
 * - pytest (`pytest.ini`, `pyproject.toml` `[tool.pytest.ini_options]`, `tox.ini` `[pytest]`, `setup.cfg`
 *   `[tool:pytest]`): `python_files` and `testpaths`. A Python file named like a test module is a test when the
 *   nearest config that sets `testpaths` covers it, or when no config above it sets any (pytest then collects by
 *   name from where it is run).
 * - Jest (`jest.config.*`, package.json `"jest"`): `testMatch`, `setupFiles`, `setupFilesAfterEnv`, `globalSetup`,
 *   `globalTeardown`, and `moduleNameMapper` targets that are files (mocks of styles and assets).
 * - Vitest (`vitest.config.*`, `vite.config.*`, `vitest.workspace.*`): `test.include`, `test.setupFiles`,
 *   `test.globalSetup`.
 * - Cypress (`cypress.config.*`, `cypress.json`): `specPattern`, `supportFile`, `fixturesFolder`,
 *   `integrationFolder`. Playwright (`playwright.config.*`): `testDir` (all of it), `testMatch`, `globalSetup`,
 *   `globalTeardown`.
 *
 * Configs are never executed: a TS/JS config is parsed with TypeScript and only literal values are taken (strings,
 * arrays of strings, `path.join(__dirname, "x")`, a `const` holding one of those); INI and TOML files are parsed as
 * data. Every config is read through safe-fs (inside the root, through no link, bounded). A config that cannot be
 * read or parsed is named in a note and not used.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { parseToml } from '../util/parsers.js';
import { typescript, type TS } from '../languages/typescript/ts.js';
import { CONFIG_MAX_BYTES, ContainmentError, readContained } from '../util/safe-fs.js';

/** pytest's default `python_files` */
export const PYTEST_DEFAULT_FILES = ['test_*.py', '*_test.py'];

const PYTEST_CONFIG = /(?:^|\/)(?:pytest\.ini|\.pytest\.ini|pyproject\.toml|tox\.ini|setup\.cfg)$/;
const JS_CONFIG = /(?:^|\/)(?:(jest|vitest|vite|cypress|playwright)\.config|(vitest)\.workspace)\.(?:[mc]?[jt]s|json)$|(?:^|\/)(cypress)\.json$|(?:^|\/)package\.json$/;
/** in one folder, the config pytest takes first */
const PYTEST_ORDER = ['pytest.ini', '.pytest.ini', 'pyproject.toml', 'tox.ini', 'setup.cfg'];

interface PytestConfig {
  dir: string;
  /** repo-relative folders (or files) */
  testpaths?: string[];
  pythonFiles?: string[];
}

export interface RunnerTests {
  /** the configs read: path → sha1 of the content (the results cache checks them before reusing findings) */
  inputs: Map<string, string | null>;
  /** whether a runner config makes the path test code (a spec it matches, a setup file it loads, a test folder) */
  isTest(path: string): boolean;
  /** a Python file named like a test module (`python_files`): `collected` where pytest collects it (under the
   * testpaths of the nearest config that sets them, or anywhere when none above it does), `named` elsewhere */
  pythonTestName(path: string): 'collected' | 'named' | undefined;
  /** what the configs said, for `comply init`-like evidence and debugging: config → what it contributed */
  evidence: Map<string, string[]>;
}

/** The literal values a config gives its keys (each key with every value it is given anywhere). */
export type Values = Partial<Record<string, string[]>>;

/**
 * What TypeScript or JavaScript runner configs said, by their content: reading one loads TypeScript's parser
 * (0.3 s of a warm scan), and a config rarely changes. Keys are `ts <sha1>` or `js <sha1>` (the parser reads the
 * two kinds differently).
 */
export interface ScriptMemo {
  get(key: string): Values | undefined;
  set(key: string, values: Values): void;
}

/** Read every runner config among the listed paths (`skip`: paths in generated or excluded trees). */
export function readRunners(root: string, paths: readonly string[], skip: (p: string) => boolean, notes: string[], memo?: ScriptMemo): RunnerTests {
  const inputs = new Map<string, string | null>();
  const evidence = new Map<string, string[]>();
  const files = new Set<string>();
  const folders: string[] = [];
  const globs: string[] = [];
  /** folder → the pytest config pytest takes there, and its file */
  const pytest = new Map<string, PytestConfig & { file: string }>();
  const listed = new Set(paths);

  const read = (rel: string, what: string): string | undefined => {
    try {
      const bytes = readContained(root, rel, { what, maxBytes: CONFIG_MAX_BYTES });
      inputs.set(rel, bytes === undefined ? null : createHash('sha1').update(bytes).digest('hex'));
      return bytes?.toString('utf8').replace(/^\uFEFF/, '');
    } catch (e) {
      inputs.set(rel, `unreadable: ${(e as Error).message}`);
      notes.push(`${e instanceof ContainmentError ? e.message : `${rel}: cannot read it (${(e as Error).message})`}; its test settings are not used.`);
      return undefined;
    }
  };
  const said = (config: string, line: string): void => {
    let list = evidence.get(config);
    if (!list) evidence.set(config, (list = []));
    list.push(line);
  };
  /** a path a config names, relative to `base`, as a repo path (undefined when it leaves the repo) */
  const inRepo = (base: string, p: string): string | undefined => {
    const joined = posix.normalize(posix.join(base === '.' ? '' : base, p)).replace(/\/+$/, '');
    if (joined === '..' || joined.startsWith('../') || posix.isAbsolute(joined)) return undefined;
    return joined === '' ? '.' : joined;
  };
  /** a setup file: the path itself, or with a source extension */
  const addFile = (config: string, base: string, p: string, key: string): void => {
    const rel = inRepo(base, p);
    if (!rel) return;
    const found = [rel, ...['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'].map((e) => rel + e)].find((x) => listed.has(x));
    if (found) {
      files.add(found);
      said(config, `${key}: ${found}`);
    } else if (listed.has(`${rel}/index.ts`) || listed.has(`${rel}/index.js`)) {
      folders.push(rel);
      said(config, `${key}: ${rel}/`);
    }
  };
  const addFolder = (config: string, base: string, p: string, key: string): void => {
    const rel = inRepo(base, p);
    if (!rel || rel === '.') return; // a runner whose tests are the whole project says nothing about one file
    folders.push(rel);
    said(config, `${key}: ${rel}/`);
  };
  /** a glob of test files, as a repo glob: `<rootDir>/x` and `x` relative to the base; `**` prefixes stay below it */
  const addGlob = (config: string, base: string, g: string, key: string): void => {
    const neg = g.startsWith('!');
    if (neg) return; // exclusions narrow what a runner runs; the conventions decide then
    let pattern = g.replace(/^\.\//, '');
    if (!/[*?[{]/.test(pattern)) {
      // a folder or a file
      const rel = inRepo(base, pattern);
      if (!rel || rel === '.') return;
      if (listed.has(rel)) files.add(rel);
      else folders.push(rel);
      said(config, `${key}: ${rel}`);
      return;
    }
    if (pattern.startsWith('/') || pattern.startsWith('../')) return;
    pattern = base === '.' ? pattern : `${base}/${pattern}`;
    globs.push(pattern);
    said(config, `${key}: ${pattern}`);
  };

  for (const path of paths) {
    // (the names first: a config is one path in hundreds, and asking `skip` of every path cost more than the rest)
    const pytestConfig = PYTEST_CONFIG.test(path);
    const m = pytestConfig ? null : JS_CONFIG.exec(path);
    if ((!pytestConfig && !m) || skip(path)) continue;
    const dir = posix.dirname(path);
    if (pytestConfig) {
      const name = posix.basename(path);
      const text = read(path, 'a pytest config');
      if (text === undefined) continue;
      const cfg = readPytest(name, text, path, notes);
      if (!cfg) continue;
      const out: PytestConfig & { file: string } = { dir, file: path };
      if (cfg.testpaths) out.testpaths = cfg.testpaths.map((t) => inRepo(dir, t)).filter((t): t is string => t !== undefined);
      if (cfg.pythonFiles) out.pythonFiles = cfg.pythonFiles;
      if (out.testpaths) said(path, `testpaths: ${out.testpaths.join(', ')}`);
      if (out.pythonFiles) said(path, `python_files: ${out.pythonFiles.join(' ')}`);
      const prev = pytest.get(dir);
      const rank = (p: string): number => PYTEST_ORDER.indexOf(posix.basename(p));
      if (!prev || rank(path) < rank(prev.file)) pytest.set(dir, out);
      continue;
    }
    if (!m) continue;
    const kind = (m[1] ?? m[2] ?? m[3] ?? 'package') as 'jest' | 'vitest' | 'vite' | 'cypress' | 'playwright' | 'package';
    const text = read(path, `a ${kind === 'package' ? 'package.json' : `${kind} config`}`);
    if (text === undefined) continue;
    let values: Values;
    if (path.endsWith('.json')) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        if (kind !== 'package') notes.push(`${path}: not valid JSON; its test settings are not used.`);
        continue;
      }
      const obj = kind === 'package' ? (json as { jest?: unknown } | null)?.jest : json;
      if (!obj || typeof obj !== 'object') continue;
      values = fromJson(obj);
    } else {
      if (kind === 'package') continue;
      const key = `${SCRIPT_TS.test(path) ? 'ts' : 'js'} ${inputs.get(path)}`;
      const known = memo?.get(key);
      values = known ?? fromScript(text, path);
      if (!known) memo?.set(key, values);
    }
    const runner = kind === 'package' ? 'jest' : kind === 'vite' ? 'vitest' : kind;
    // Jest's <rootDir>: the config's folder, or its rootDir
    const rootDir = values.rootDir?.[0] !== undefined ? (inRepo(dir, values.rootDir[0]) ?? dir) : dir;
    const resolveJest = (v: string): string => v.replace(/^<rootDir>\/?/, '');
    if (runner === 'jest') {
      for (const key of ['setupFiles', 'setupFilesAfterEnv', 'globalSetup', 'globalTeardown', 'snapshotResolver', 'testSequencer'] as const) {
        for (const v of values[key] ?? []) if (isPathLike(v)) addFile(path, rootDir, resolveJest(v), key);
      }
      for (const v of values.testMatch ?? []) addGlob(path, rootDir, resolveJest(v), 'testMatch');
      for (const v of values.mapperTargets ?? []) if (v.startsWith('<rootDir>') && !v.includes('$')) addFile(path, rootDir, resolveJest(v), 'moduleNameMapper');
    } else if (runner === 'vitest') {
      // a Vite config with a `test` section is also the test runner's config: tooling, not shipped code
      if (kind === 'vite' && values.hasTest) {
        files.add(path);
        said(path, 'test: (a Vitest config)');
      }
      const base = values.root?.[0] !== undefined ? (inRepo(dir, values.root[0]) ?? dir) : dir;
      for (const key of ['setupFiles', 'globalSetup'] as const) for (const v of values[`test.${key}`] ?? []) if (isPathLike(v)) addFile(path, base, v, `test.${key}`);
      for (const v of values['test.include'] ?? []) addGlob(path, values['test.dir']?.[0] !== undefined ? (inRepo(base, values['test.dir'][0]) ?? base) : base, v, 'test.include');
    } else if (runner === 'cypress') {
      for (const v of values.specPattern ?? []) addGlob(path, dir, v, 'specPattern');
      for (const v of values.supportFile ?? []) if (isPathLike(v)) addFile(path, dir, v, 'supportFile');
      for (const key of ['fixturesFolder', 'integrationFolder'] as const) for (const v of values[key] ?? []) addFolder(path, dir, v, key);
    } else if (runner === 'playwright') {
      for (const v of values.testDir ?? []) addFolder(path, dir, v, 'testDir');
      for (const v of values.testMatch ?? []) addGlob(path, dir, v, 'testMatch');
      for (const key of ['globalSetup', 'globalTeardown'] as const) for (const v of values[key] ?? []) if (isPathLike(v)) addFile(path, dir, v, key);
    }
  }

  const folderSet = new Set(folders);
  const globTest = globs.length > 0 ? picomatch(globs, { dot: true }) : () => false;
  const inFolder = (path: string): boolean => {
    for (let d = posix.dirname(path); d !== '.' && d !== '' && d !== '/'; d = posix.dirname(d)) if (folderSet.has(d)) return true;
    return false;
  };
  // the pytest config that governs a folder: the nearest one; and the nearest one that sets testpaths
  const nearest = (dir: string, want: (c: PytestConfig) => boolean): PytestConfig | undefined => {
    for (let d = dir; ; d = posix.dirname(d)) {
      const c = pytest.get(d);
      if (c && want(c)) return c;
      if (d === '.' || d === '' || d === '/') return undefined;
    }
  };
  const matchers = new Map<string, (s: string) => boolean>();
  const fnmatch = (patterns: string[]): ((s: string) => boolean) => {
    const key = patterns.join('\0');
    let m = matchers.get(key);
    if (!m) matchers.set(key, (m = picomatch(patterns, { dot: true })));
    return m;
  };
  return {
    inputs,
    evidence,
    isTest: (path) => files.has(path) || inFolder(path) || globTest(path),
    pythonTestName: (path) => {
      if (!path.endsWith('.py')) return undefined;
      const dir = posix.dirname(path);
      const named = nearest(dir, (c) => c.pythonFiles !== undefined)?.pythonFiles ?? PYTEST_DEFAULT_FILES;
      const name = posix.basename(path);
      // a pattern with a slash is matched against the path, as pytest does
      if (!named.some((p) => (p.includes('/') ? fnmatch([`**/${p}`])(path) : fnmatch([p])(name)))) return undefined;
      const scoped = nearest(dir, (c) => c.testpaths !== undefined && c.testpaths.length > 0);
      if (!scoped || scoped.testpaths!.some((t) => t === '.' || path === t || path.startsWith(`${t}/`))) return 'collected';
      return 'named';
    },
  };
}

function isPathLike(v: string): boolean {
  return v.startsWith('<rootDir>') || v.startsWith('./') || v.startsWith('../') || /\.[mc]?[jt]sx?$/.test(v);
}

/** pytest's settings in one config file, or undefined when the file has no pytest section. */
function readPytest(name: string, text: string, path: string, notes: string[]): { testpaths?: string[]; pythonFiles?: string[] } | undefined {
  let section: Record<string, unknown> | undefined;
  if (name === 'pyproject.toml') {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      notes.push(`${path}: not valid TOML (${(e as Error).message.split('\n')[0]}); its pytest settings are not used.`);
      return undefined;
    }
    const tool = doc.tool as Record<string, unknown> | undefined;
    const p = tool?.pytest as Record<string, unknown> | undefined;
    section = (p?.ini_options as Record<string, unknown> | undefined) ?? p;
    if (!section || typeof section !== 'object') return undefined;
  } else {
    const want = name === 'setup.cfg' ? 'tool:pytest' : 'pytest';
    const ini = parseIni(text);
    // pytest.ini is pytest's config even without a [pytest] section
    section = ini.get(want) ?? (name.endsWith('pytest.ini') ? {} : undefined);
    if (!section) return undefined;
  }
  const list = (v: unknown): string[] | undefined =>
    typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  const out: { testpaths?: string[]; pythonFiles?: string[] } = {};
  const testpaths = list(section.testpaths);
  const pythonFiles = list(section.python_files);
  if (testpaths) out.testpaths = testpaths;
  if (pythonFiles) out.pythonFiles = pythonFiles;
  return out;
}

/** An INI file as sections of key → value (continuation lines joined with a space, comments dropped). */
export function parseIni(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  let section: Record<string, string> | undefined;
  let key: string | undefined;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    if (/^\s*[#;]/.test(raw) || raw.trim() === '') {
      if (raw.trim() === '') key = undefined;
      continue;
    }
    const head = /^\[([^\]]+)\]\s*$/.exec(raw.trim());
    if (head && !/^\s/.test(raw)) {
      section = {};
      out.set(head[1]!.trim(), section);
      key = undefined;
      continue;
    }
    if (!section) continue;
    if (/^\s/.test(raw) && key !== undefined) {
      section[key] = `${section[key]} ${raw.trim()}`.trim();
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (kv) {
      key = kv[1]!.trim();
      section[key] = kv[2]!.replace(/\s[#;].*$/, '').trim();
    }
  }
  return out;
}


const KEYS = new Set([
  'testMatch',
  'setupFiles',
  'setupFilesAfterEnv',
  'globalSetup',
  'globalTeardown',
  'snapshotResolver',
  'testSequencer',
  'rootDir',
  'root',
  'specPattern',
  'supportFile',
  'fixturesFolder',
  'integrationFolder',
  'testDir',
]);
/** keys under `test` (Vitest) */
const TEST_KEYS = new Set(['include', 'setupFiles', 'globalSetup', 'dir']);

function fromJson(obj: object): Values {
  const out: Values = {};
  const add = (k: string, v: unknown): void => {
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    if (list.length > 0) (out[k] ??= []).push(...list);
  };
  const walk = (o: Record<string, unknown>, depth: number): void => {
    if (depth > 6) return;
    for (const [k, v] of Object.entries(o)) {
      if (KEYS.has(k)) add(k, v);
      else if (k === 'moduleNameMapper' && v && typeof v === 'object') for (const t of Object.values(v)) add('mapperTargets', t);
      else if (k === 'test' && v && typeof v === 'object' && ((out.hasTest = []), true)) for (const [tk, tv] of Object.entries(v)) if (TEST_KEYS.has(tk)) add(`test.${tk}`, tv);
      if (k !== 'coverage' && k !== 'coverageThreshold' && v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, depth + 1);
      else if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object') walk(x as Record<string, unknown>, depth + 1);
    }
  };
  walk(obj as Record<string, unknown>, 0);
  return out;
}

/** the fields fromJson and fromScript give */
const VALUE_FIELDS = new Set([...KEYS, ...[...TEST_KEYS].map((k) => `test.${k}`), 'mapperTargets', 'hasTest']);

/** Whether a stored value has the shape and fields that fromScript gives (a memo read from disk is checked). */
export function isValues(x: unknown): x is Values {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  return Object.entries(x).every(([k, v]) => VALUE_FIELDS.has(k) && Array.isArray(v) && v.every((s) => typeof s === 'string'));
}

/** a config the parser reads as TypeScript */
const SCRIPT_TS = /\.tsx?$|\.[mc]ts$/;

/** The literal values of a TS/JS config, without running it. */
function fromScript(text: string, path: string): Values {
  const ts = typescript();
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, SCRIPT_TS.test(path) ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  // top-level `const x = <literal>`: a config often names its setup files once
  const consts = new Map<string, TS.Expression>();
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) consts.set(d.name.text, d.initializer);
  }
  const literal = (e: TS.Expression, depth = 0): string[] => {
    if (depth > 4) return [];
    if (ts.isStringLiteralLike(e)) return [e.text];
    if (ts.isArrayLiteralExpression(e)) return e.elements.flatMap((x) => literal(x as TS.Expression, depth + 1));
    if (ts.isIdentifier(e)) {
      const c = consts.get(e.text);
      return c ? literal(c, depth + 1) : [];
    }
    if (ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e)) return literal(e.expression, depth + 1);
    // path.join(__dirname, 'a', 'b') / path.resolve(__dirname, 'a') / resolve('a')
    if (ts.isCallExpression(e)) {
      const callee = e.expression;
      const fn = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      if (fn !== 'join' && fn !== 'resolve') return [];
      const parts: string[] = [];
      for (const [i, a] of e.arguments.entries()) {
        if (i === 0 && ts.isIdentifier(a) && (a.text === '__dirname' || a.text === 'process')) continue;
        if (!ts.isStringLiteralLike(a)) return [];
        parts.push(a.text);
      }
      return parts.length > 0 ? [`./${posix.join(...parts)}`] : [];
    }
    return [];
  };
  const out: Values = {};
  const add = (k: string, vs: string[]): void => {
    if (vs.length > 0) (out[k] ??= []).push(...vs);
  };
  const nameOf = (p: TS.ObjectLiteralElementLike): string | undefined =>
    (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
  const valueOf = (p: TS.ObjectLiteralElementLike): TS.Expression | undefined =>
    ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
  const visit = (node: TS.Node, inTest: boolean, inCoverage: boolean): void => {
    if (ts.isObjectLiteralExpression(node)) {
      for (const p of node.properties) {
        const k = nameOf(p);
        const v = valueOf(p);
        if (k === undefined || v === undefined) continue;
        if (inCoverage) continue;
        if (inTest && TEST_KEYS.has(k)) add(`test.${k}`, literal(v));
        else if (KEYS.has(k)) add(k, literal(v));
        else if (k === 'moduleNameMapper' && ts.isObjectLiteralExpression(v)) {
          for (const q of v.properties) if (ts.isPropertyAssignment(q)) add('mapperTargets', literal(q.initializer));
        }
      }
      for (const p of node.properties) {
        const k = nameOf(p);
        const v = valueOf(p);
        if (k === 'test' && v && ts.isObjectLiteralExpression(v)) out.hasTest = [];
        if (v) visit(v, k === 'test' ? true : k === undefined ? inTest : false, inCoverage || k === 'coverage');
      }
      return;
    }
    ts.forEachChild(node, (c) => visit(c, inTest, inCoverage));
  };
  visit(sf, false, false);
  return out;
}
