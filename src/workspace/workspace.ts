/**
 * The workspace: which files a scan reads, and what each one is (language, owning service, production or test).
 * The list comes from git when the root is in a work tree (so .gitignore holds), from a directory walk otherwise.
 * Symlinks are never followed: a linked file is skipped, and one that points outside the root is said so.
 */
import { detectPythonVersion } from './python-version.js';
import { lstatSync, readFileSync, realpathSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import picomatch from 'picomatch';
import type { Language, OptionalFact } from '../facts/facts.js';
import { ConfigError, type Config, type ServiceConfig } from '../config/load.js';
import { didYouMean } from '../util/text.js';
import { blobId, indexSnapshot, type IndexSnapshot } from './git.js';
import { globSet } from './globs.js';
import { readRunners, type ScriptMemo } from './runners.js';
import { fsPath, hasEscapes, showName } from '../util/names.js';
import { listPaths, type Listing } from './listing.js';
import { readContained } from '../util/safe-fs.js';

/** Trees nobody writes by hand: generated, vendored, installed, or comply's own state. */
export const GENERATED_EXCLUDES = [
  '**/.git/**',
  '**/node_modules/**',
  '**/bower_components/**',
  '**/dist/**',
  '**/build/**',
  '**/out/**',
  '**/.next/**',
  '**/coverage/**',
  '**/.venv/**',
  '**/venv/**',
  '**/__pycache__/**',
  '**/.tox/**',
  '**/.mypy_cache/**',
  '**/.pytest_cache/**',
  '**/site-packages/**',
  '**/vendor/**',
  '**/third_party/**',
  '**/*.min.js',
  '**/.comply/**',
];

/** Backup copies checked in: left out of the analysis, and reported by legacy-file-name. */
export const BACKUP_EXCLUDES = ['**/backup/**', '**/backups/**', '**/*_backup/**'];

/** Configs of linters and formatters: development tooling, never part of what a service runs (a package's
 * `eslint.config.mjs` that imports the workspace's own is no dependency between deployables). */
export const DEV_TOOL_EXCLUDES = [
  '**/eslint.config.*',
  '**/.eslintrc.*',
  '**/prettier.config.*',
  '**/.prettierrc.*',
  '**/stylelint.config.*',
  '**/.stylelintrc.*',
  '**/commitlint.config.*',
  '**/lint-staged.config.*',
  '**/.lintstagedrc.*',
];

export const DEFAULT_EXCLUDES = [...GENERATED_EXCLUDES, ...BACKUP_EXCLUDES, ...DEV_TOOL_EXCLUDES];

export const DEFAULT_TESTS = [
  '**/tests/**',
  '**/test/**',
  '**/conftest.py',
  '**/*.test.*',
  '**/*.spec.*',
  '**/__tests__/**',
  '**/__mocks__/**',
  '**/mocks/**',
  '**/*.stories.*',
  '**/.storybook/**',
  '**/test-utils/**',
  '**/test_utils/**',
  '**/testutils/**',
  '**/test_*/**',
  '**/*_tests/**',
  '**/cypress/**',
  '**/jest.config.*',
  '**/jest.setup.*',
  '**/vitest.config.*',
  '**/vitest.setup.*',
  '**/setupTests.*',
  '**/cypress.config.*',
  '**/playwright.config.*',
];

const LANGUAGES: [RegExp, Language][] = [
  [/\.pyi?$/, 'python'],
  [/\.(?:ts|tsx|mts|cts)$/, 'typescript'],
  [/\.(?:js|jsx|mjs|cjs)$/, 'javascript'],
];

export function languageOf(path: string): Language | undefined {
  for (const [re, lang] of LANGUAGES) if (re.test(path)) return lang;
  return undefined;
}

export interface WorkspaceFile {
  /** repo-relative, with forward slashes */
  path: string;
  language: Language;
  service: string | undefined;
  test: boolean;
  size: number;
  /** from the work tree; absent for staged content read from the index */
  mtimeMs?: number;
  /** `--staged`: the blob id of the staged content (its size is known once the cache or git is asked) */
  blob?: string;
  /** Python: the dotted module name under the configured roots */
  moduleName?: string;
  isPackageInit?: boolean;
  /** named like a test module, outside where pytest collects: test support when only tests import it (decided
   * once imports are known), else production */
  testName?: boolean;
  /** Python: `3.X`, the version whose grammar the file is checked against (the config's python.version) */
  pythonVersion?: string;
  /** facts that no enabled rule reads in this file, left out of its extraction (set by the scan from its rules) */
  omit?: OptionalFact[];
}

export interface Workspace {
  root: string;
  source: 'git' | 'walk';
  files: WorkspaceFile[];
  /** things the user should know that are not findings (symlinks skipped, stale excludes) */
  notes: string[];
  /** every path listed (git's or the walk's), before any filter: for rules about the tree itself */
  allPaths: string[];
  /** whether git tracks this path (it came with the checkout); false outside git */
  isTracked(path: string): boolean;
  /** the content a scan reads: the work tree, or the staged content with `--staged` */
  readFile(path: string): Buffer;
  /** `--staged`: read these files' staged content and sizes in one call to git, before readFile asks for them */
  prefetch?(files: WorkspaceFile[]): void;
  /** classify any repo-relative path, listed or not (import targets that are not source files) */
  ownerOf(path: string): ServiceConfig | undefined;
  isTestPath(path: string): boolean;
  /** the test runners' configs the classification read: path → sha1 (for the results cache) */
  inputs: Map<string, string | null>;
  /** the Python roots files are named below (the config's) */
  pythonRoots: readonly string[];
}

export interface WorkspaceOptions {
  /** read the tree as the git index has it (pre-commit): staged content wins over the work tree */
  staged?: boolean;
  /** the paths below the root, listed already (startListing, while the CLI loaded the engine); else listed here */
  listing?: Listing;
  /** with `staged`: the index, read already (startStaged); else read here */
  snapshot?: IndexSnapshot;
  /** what runner configs said, by content (a cache): asked once the listing knows what git tracks, so that a
   * memo that came with the checkout is never read */
  scripts?: (isTracked: (path: string) => boolean) => ScriptMemo | undefined;
}

export function buildWorkspace(root: string, config: Config, opts: WorkspaceOptions = {}): Workspace {
  const realRoot = realpathSync(root);
  const snapshot = opts.staged ? (opts.snapshot ?? indexSnapshot(root)) : undefined;
  const { paths, source, untracked, sparse }: Listing = snapshot ? { paths: snapshot.entries.map((e) => e.path), source: 'git' } : (opts.listing ?? listPaths(root));
  const indexed = new Map(snapshot?.entries.map((e) => [e.path, e]));
  const notes: string[] = [];
  const excludes = [...(config.files.useDefaults ? DEFAULT_EXCLUDES : []), ...config.files.exclude];
  const testGlobs = [...(config.files.useDefaults ? DEFAULT_TESTS : []), ...config.files.tests];
  const isExcluded = globSet(excludes);
  // the target Python: the config's, else the repository's, read from the files just listed (kept on the config,
  // which the caches key on)
  config.pythonVersion ??= detectPythonVersion(root, { paths, exclude: excludes }).version;
  const conventional = globSet(testGlobs);
  // what the test runners run (their configs, read as data): with the default conventions, not instead of a
  // user's own globs
  const skipConfig = (p: string): boolean => isExcluded(p);
  let all: Set<string> | undefined;
  const isTracked = (p: string): boolean => source === 'git' && !untracked?.has(p) && (all ??= new Set(paths)).has(p);
  const runners = config.files.useDefaults ? readRunners(root, paths, skipConfig, notes, opts.scripts?.(isTracked)) : undefined;
  const isTest = runners ? (p: string): boolean => conventional(p) || runners.isTest(p) || runners.pythonTestName(p) === 'collected' : conventional;
  const isProduction = config.files.production.length > 0 ? globSet(config.files.production) : () => false;
  const owner = serviceMatcher(config.services);
  const userGlobHits = new Map<string, number>();
  const matchers = new Map<string, (p: string) => boolean>();
  const countHits = (globs: string[], path: string): void => {
    for (const g of globs) {
      let m = matchers.get(g);
      if (!m) matchers.set(g, (m = picomatch(g, { dot: true })));
      if (m(path)) userGlobHits.set(g, (userGlobHits.get(g) ?? 0) + 1);
    }
  };
  const servicePathHits = new Map<string, number>();
  /** a source file git lists: its service path and user globs are not typos, even when it is not checked out */
  const listed = (path: string): ReturnType<typeof owner> => {
    const own = owner(path);
    if (own) servicePathHits.set(own.key, (servicePathHits.get(own.key) ?? 0) + 1);
    if (config.files.tests.length > 0) countHits(config.files.tests, path);
    if (config.files.production.length > 0) countHits(config.files.production, path);
    return own;
  };

  const files: WorkspaceFile[] = [];
  let linked = 0;
  let notCheckedOut = 0;
  const undecodable: string[] = [];
  const outside: string[] = [];
  for (const path of paths) {
    const language = languageOf(path);
    if (!language) continue;
    if (config.files.exclude.length > 0) countHits(config.files.exclude, path);
    if (isExcluded(path)) continue;
    const entry = indexed.get(path);
    let st: { size: number; mtimeMs?: number; isSymbolicLink(): boolean; isFile(): boolean };
    try {
      // staged content: what the index says it is; its size comes from the cache or from git, when needed
      st = entry
        ? { size: -1, isSymbolicLink: () => entry.mode === '120000', isFile: () => entry.mode.startsWith('100') }
        : lstatSync(fsPath(root, path));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (sparse?.has(path)) {
          // tracked, and left out of the work tree by a sparse checkout: said in a note
          notCheckedOut++;
          listed(path);
        } else if (source === 'walk' && path.includes('\ufffd')) undecodable.push(path); // a name the walk could not decode
        continue; // else listed by git but deleted from the work tree
      }
      // there, but it cannot be looked at (a folder on the way that may not be searched: EACCES): kept, so that
      // reading it reports why (a parse-error finding naming the file), never dropped as if deleted
      st = { size: 0, isSymbolicLink: () => false, isFile: () => true };
    }
    if (st.isSymbolicLink()) {
      linked++;
      try {
        const target = realpathSync(fsPath(root, path)).toString();
        if (target !== realRoot && !target.startsWith(realRoot + sep)) outside.push(path);
      } catch {
        // a dangling link: nothing to read
      }
      continue;
    }
    if (!st.isFile()) continue;
    const service = listed(path)?.service;
    const production = isProduction(path);
    const test = !production && (service?.kind === 'test-support' || isTest(path));
    const file: WorkspaceFile = { path, language, service: service?.name, test, size: st.size };
    if (st.mtimeMs !== undefined) file.mtimeMs = st.mtimeMs;
    if (entry) file.blob = entry.blob;
    if (!production && !test && runners?.pythonTestName(path) === 'named') file.testName = true;
    if (language === 'python') {
      Object.assign(file, pythonModule(path, config.pythonRoots));
      if (config.pythonVersion) file.pythonVersion = config.pythonVersion;
    }
    files.push(file);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  // a service path that matches nothing is a typo until proven otherwise
  const topLevel = topLevelNames(root);
  for (const s of config.services) {
    s.paths.forEach((p, i) => {
      if (!servicePathHits.has(`${s.name}\0${p}`)) {
        const hint = didYouMean(p.split('/')[0]!, topLevel);
        throw new ConfigError(
          `${config.source}: services.${s.name}.paths[${i}]: "${p}" matches no source file in ${source === 'git' ? "git's file list" : 'the tree'}` +
            `${hint && hint !== p ? `; did you mean "${hint}"?` : '.'} Fix the path or remove it.`,
          config.source,
        );
      }
    });
  }
  for (const [key, globs] of [
    ['files.tests', config.files.tests],
    ['files.production', config.files.production],
  ] as const) {
    globs.forEach((g, i) => {
      if (!userGlobHits.has(g)) {
        throw new ConfigError(`${config.source}: ${key}[${i}]: "${g}" matches no source file. Fix the glob or remove it.`, config.source);
      }
    });
  }
  config.files.exclude.forEach((g) => {
    if (!userGlobHits.has(g)) notes.push(`${config.source}: files.exclude "${g}" matches no source file (nothing to exclude).`);
  });
  if (linked > 0) notes.push(`${linked} symlinked source file(s) skipped (comply never follows links).`);
  if (notCheckedOut > 0) {
    notes.push(`${notCheckedOut} tracked source file(s) not checked out (a sparse checkout): not scanned; findings and scores cover the files checked out.`);
  }
  const escaped = files.filter((f) => hasEscapes(f.path)).map((f) => showName(f.path));
  for (const p of escaped.slice(0, 5)) notes.push(`${p}: the file name is not valid UTF-8 (each such byte shown as \\xNN); scanned, and named in JSON with \\udcNN for it.`);
  if (escaped.length > 5) notes.push(`${escaped.length - 5} more file name(s) that are not valid UTF-8, scanned.`);
  for (const p of undecodable.slice(0, 5)) notes.push(`${p}: a file name that is not valid UTF-8 (outside git, the folder listing loses such bytes, so it cannot be opened); not scanned. Rename it, or scan in a git work tree.`);
  if (undecodable.length > 5) notes.push(`${undecodable.length - 5} more file name(s) that are not valid UTF-8, not scanned.`);
  for (const p of outside.slice(0, 5)) notes.push(`${p}: a symlink to a path outside the repository; not followed.`);

  const ownerOf = (p: string): ServiceConfig | undefined => owner(p)?.service;
  const isTestPath = (p: string): boolean => !isProduction(p) && (ownerOf(p)?.kind === 'test-support' || isTest(p));
  const inputs = runners?.inputs ?? new Map<string, string | null>();
  const allPaths = [...paths].sort();
  const pythonRoots = config.pythonRoots;
  if (!snapshot) {
    const readFile = (p: string): Buffer => readFileSync(fsPath(root, p));
    return { root, source, files, notes, allPaths, isTracked, readFile, ownerOf, isTestPath, inputs, pythonRoots };
  }
  // staged content, read from git: prefetched in one call for the files the cache does not know, else one by one
  const fetched = new Map<string, Buffer>();
  const prefetch = (wanted: WorkspaceFile[]): void => {
    // one call to git for their sizes and content (a pre-commit scan: the few staged files the cache does not know)
    const read = snapshot.read(wanted.map((f) => f.blob!).filter((b) => !fetched.has(b)));
    for (const [blob, bytes] of read) fetched.set(blob, bytes);
    for (const f of wanted) f.size = fetched.get(f.blob!)?.length ?? 0;
  };
  /** the work tree's copy of a file when it is what is staged (its blob id says so): a file a rule asks for after the
   * prefetch (multiple-implementations following production code into a test helper) costs no call to git (10 ms
   * each). Read as comply reads its own inputs: no link on the way, a regular file, bounded. */
  const workTreeCopy = (p: string, blob: string): Buffer | undefined => {
    if (hasEscapes(p)) return undefined;
    try {
      const bytes = readContained(root, p, { what: 'a staged file', maxBytes: config.files.maxBytes });
      return bytes && blobId(bytes) === blob ? bytes : undefined;
    } catch {
      return undefined; // a link, a folder, too large: git has the staged content
    }
  };
  const readFile = (p: string): Buffer => {
    const blob = indexed.get(p)?.blob;
    if (!blob) return readFileSync(fsPath(root, p));
    let bytes = fetched.get(blob) ?? workTreeCopy(p, blob);
    if (!bytes) {
      bytes = snapshot.read([blob]).get(blob);
      if (!bytes) throw Object.assign(new Error(`the staged content of ${p} is missing from git`), { code: 'ENOENT' });
    }
    return bytes;
  };
  return { root, source, files, notes, allPaths, isTracked, readFile, prefetch, ownerOf, isTestPath, inputs, pythonRoots };
}

function topLevelNames(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/** file path → owning service: the longest matching folder (or glob's static prefix) wins. */
export function serviceMatcher(services: ServiceConfig[]): (path: string) => { service: ServiceConfig; key: string } | undefined {
  const entries: { service: ServiceConfig; key: string; weight: number; test: (p: string) => boolean }[] = [];
  for (const service of services) {
    for (const p of service.paths) {
      const key = `${service.name}\0${p}`;
      if (/[*?[{]/.test(p)) {
        const scan = picomatch.scan(p);
        const m = picomatch(p, { dot: true });
        entries.push({ service, key, weight: scan.base.length, test: (x) => m(x) });
      } else if (p === '.') {
        entries.push({ service, key, weight: 0, test: () => true });
      } else {
        const prefix = `${p}/`;
        entries.push({ service, key, weight: p.length, test: (x) => x === p || x.startsWith(prefix) });
      }
    }
  }
  entries.sort((a, b) => b.weight - a.weight);
  return (path) => {
    for (const e of entries) if (e.test(path)) return { service: e.service, key: e.key };
    return undefined;
  };
}

/** A Python file's dotted module name below the deepest configured root that holds it. */
export function pythonModule(path: string, roots: string[]): { moduleName?: string; isPackageInit?: boolean } {
  let best: string | undefined;
  for (const r of roots) {
    if (r === '.' || path.startsWith(`${r}/`)) {
      if (best === undefined || r.length > best.length) best = r;
    }
  }
  if (best === undefined) return {};
  const rel = best === '.' ? path : path.slice(best.length + 1);
  // by slicing, not splitting (this runs for every Python file of the repo, on every scan)
  const noExt = rel.endsWith('.pyi') ? rel.slice(0, -4) : rel.endsWith('.py') ? rel.slice(0, -3) : rel;
  const isPackageInit = noExt === '__init__' || noExt.endsWith('/__init__');
  const dotted = isPackageInit ? noExt.slice(0, Math.max(0, noExt.length - 9)) : noExt;
  return { moduleName: dotted.replaceAll('/', '.'), isPackageInit };
}
