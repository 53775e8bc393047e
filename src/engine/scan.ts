/**
 * The scan pipeline (DESIGN §2): workspace → extract each file → project index → rules → sorted findings.
 * Nothing a file contains can stop a scan: unreadable, binary, oversized or undecodable files become parse
 * diagnostics (reported by the parse-error rule), and an adapter that throws is caught the same way.
 */
import * as crypto from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Config, Severity } from '../config/load.js';
import { buildWorkspace, type Workspace, type WorkspaceFile, type WorkspaceOptions } from '../workspace/workspace.js';
import { blobId } from '../workspace/git.js';
import { packageVersion } from '../util/package.js';
import { mark } from '../util/timing.js';
import { DamagedCacheError, FactsCache, findingsFingerprint, workspaceFingerprint } from './cache.js';
import { ScriptsCache } from './scripts-cache.js';
import { CacheStore } from './cache-store.js';
import { hasEscapes, nameBytes } from '../util/names.js';
import { extractBytes, readSource } from './extract.js';
import { OPTIONAL_FACTS, type FileFacts, type OptionalFact } from '../facts/facts.js';
import { defaultWorkers, extractInPool, fitWorkers, workerScript } from './pool.js';
import type { Job } from './worker.js';
import { ProjectIndex, type ScannedFile } from './index.js';
import { fileRow, layoutKey, loadFinding, pathsKey, ResultsCache, storeFinding, type Moved, type Reuse, type StoredConcept, type StoredFinding } from './results.js';
import { ruleSeverity, type Category, type ConceptEntry, type FindingInput, type Rule, type RuleMeta, type SuppressionUse } from './rule.js';

/** one-shot hashing (Node >= 20.12) is 2.5x faster than createHash for the many short inputs of fingerprints */
const sha1 = (s: string | Buffer): string =>
  typeof crypto.hash === 'function' ? crypto.hash('sha1', s) : crypto.createHash('sha1').update(s).digest('hex');

export interface Finding extends FindingInput {
  rule: string;
  category: Category;
  severity: Exclude<Severity, 'off'>;
  service?: string;
  test: boolean;
  /** line-insensitive identity: rule + path + subject + occurrence (DESIGN §6) */
  fingerprint: string;
  /** set when an inline `comply-ignore` with a reason covers the finding: reported, never counted or gated */
  suppressed?: { reason: string };
}

export interface ScanResult {
  workspace: Workspace;
  files: ScannedFile[];
  findings: Finding[];
  rules: (RuleMeta & { severity: Exclude<Severity, 'off'> })[];
  timings: { listMs: number; extractMs: number; rulesMs: number; cached: number; parsed: number; reused: number };
  /** set when findings were looked for only in these files */
  targets?: ReadonlySet<string>;
  /** the SSOT inventory: every candidate implementation of every concept, with its role */
  concepts: ConceptEntry[];
}

export interface ScanOptions {
  root: string;
  config: Config;
  rules: Rule[];
  workspace?: WorkspaceOptions;
  /** use the caches (write: store what was parsed and found; fresh: ignore what is stored; dir: their folder,
   * by default .comply/cache/, where one that git tracks is never used: cache-store.ts) */
  cache?: { write: boolean; fresh?: boolean; dir?: string };
  onProgress?: (done: number, total: number) => void;
  /** report findings only in these files (`--staged`); the other files are read for context, from the cache */
  targets?: ReadonlySet<string>;
  /** the per-file bound on extraction, in every mode (default: the config's files.maxSeconds) */
  timeoutMs?: number;
}

const budgetOf = (opts: ScanOptions): number => opts.timeoutMs ?? opts.config.files.maxSeconds * 1000;

/** What a scan needs before its rules run: the workspace, cached facts, and the files still to read. */
interface Prepared {
  workspace: Workspace;
  /** where the caches are, when this scan uses them */
  store: CacheStore | undefined;
  cache: FactsCache | undefined;
  /** the runner-config memo, to write when this scan writes the caches */
  scripts: ScriptsCache | undefined;
  facts: (FileFacts | undefined)[];
  /** files the cache did not know by path, size and mtime (indexes into workspace.files) */
  pending: number[];
  /** content hashes of the files parsed, for the cache to remember */
  hashes: Map<number, string>;
  /** each file's content hash (blob id), when known: what the results cache compares */
  contents: (string | undefined)[];
  parsed: number;
  t0: number;
  t1: number;
}

/**
 * Which optional facts no enabled rule reads in a file: a rule that reads the fact one is part of reads it where its
 * readsIn says (in test files, in files of no service; nowhere), everywhere when it says nothing of it.
 */
function omissions(opts: ScanOptions): (f: WorkspaceFile) => OptionalFact[] | undefined {
  const enabled = opts.rules.filter((r) => ruleSeverity(r.meta, opts.config) !== 'off');
  const where = (Object.keys(OPTIONAL_FACTS) as OptionalFact[]).map((fact) => ({
    fact,
    readers: enabled
      .filter((r) => !r.meta.reads || r.meta.reads.includes(OPTIONAL_FACTS[fact]))
      .map((r) => r.readsIn?.(opts.config.rules[r.meta.id]?.options ?? {})[fact] ?? { tests: true, unowned: true })
      .filter((w) => w !== false),
  }));
  // a file's omissions depend only on whether it is a test and whether it has a service: four answers, each made once
  const memo = new Map<number, OptionalFact[] | undefined>();
  return (f) => {
    const test = f.test;
    const owned = f.service !== undefined;
    const k = (test ? 1 : 0) + (owned ? 2 : 0);
    if (memo.has(k)) return memo.get(k);
    const left = where.filter(({ readers }) => !readers.some((w) => (w.tests || !test) && (w.unowned || owned))).map((x) => x.fact);
    memo.set(k, left.length > 0 ? left : undefined);
    return memo.get(k);
  };
}

function prepare(opts: ScanOptions): Prepared {
  const t0 = performance.now();
  // the cache folder, opened once the listing knows what git tracks (the runner-config memo is read from it while
  // the workspace is built; a cache that came with the checkout is never read)
  let opened: CacheStore | undefined;
  let scripts: ScriptsCache | undefined;
  const openStore = (isTracked: (path: string) => boolean): CacheStore =>
    (opened ??= CacheStore.open(opts.root, { ...(opts.cache?.dir !== undefined ? { dir: opts.cache.dir } : {}), isTracked }));
  const memo = (isTracked: (path: string) => boolean): ScriptsCache | undefined => {
    const store = openStore(isTracked);
    return store.unusable ? undefined : (scripts = new ScriptsCache(store, `comply ${packageVersion()} runners ${workspaceFingerprint()}`, opts.cache?.fresh));
  };
  const workspace = buildWorkspace(opts.root, opts.config, { ...opts.workspace, ...(opts.cache ? { scripts: memo } : {}) });
  const omitted = omissions(opts);
  for (const f of workspace.files) {
    const omit = omitted(f);
    if (omit) f.omit = omit;
  }
  const t1 = performance.now();
  mark('list');
  if (opts.cache) openStore(workspace.isTracked);
  if (opened?.unusable) workspace.notes.push(opened.unusable);
  if (scripts?.problem) workspace.notes.push(scripts.problem);
  const store = opened?.unusable ? undefined : opened;
  const cache = store ? FactsCache.open(store, packageVersion(), opts.cache!.write, opts.cache!.fresh, opts.config.pythonVersion) : undefined;
  mark('cache read');
  if (cache?.problem) workspace.notes.push(cache.problem);
  const facts: (FileFacts | undefined)[] = [];
  const contents: (string | undefined)[] = [];
  const pending: number[] = [];
  workspace.files.forEach((file, i) => {
    if (file.blob !== undefined) {
      // staged content: known by its blob id, with no need to read it
      const seen = cache?.lookupContent(file, file.blob);
      contents[i] = file.blob;
      if (seen) {
        facts[i] = seen.facts;
        file.size = seen.size;
      } else pending.push(i);
      return;
    }
    const cached = cache?.lookup(file);
    if (cached) {
      facts[i] = cached;
      contents[i] = cache!.hashOf(file.path);
    } else pending.push(i);
  });
  workspace.prefetch?.(pending.map((i) => workspace.files[i]!).filter((f) => f.blob !== undefined));
  return { workspace, store, cache, scripts: opts.cache?.write ? scripts : undefined, facts, pending, hashes: new Map(), contents, parsed: 0, t0, t1 };
}

/**
 * Read a pending file: its facts when they need no parsing (the cache knows the content, or it cannot be read),
 * else its bytes. Files are read one at a time, when they are parsed, so a cold scan never holds the whole tree.
 */
function load(opts: ScanOptions, p: Prepared, i: number): { facts: FileFacts } | { bytes: Buffer } {
  const file = p.workspace.files[i]!;
  const src = readSource(p.workspace.readFile, file, opts.config.files.maxBytes);
  if ('facts' in src) return src;
  if (file.blob !== undefined) {
    p.hashes.set(i, file.blob); // a staged file the cache did not know
    p.parsed++;
    return src;
  }
  const hash = blobId(src.bytes);
  p.contents[i] = hash;
  // known content (a touched file, a branch switched back): the cache has moved its entry, stored bytes and all
  const seen = p.cache?.lookupContent(file, hash);
  if (seen) return { facts: seen.facts };
  p.hashes.set(i, hash);
  p.parsed++;
  return src;
}

/** Scan with extraction in this thread: for tests, small repositories, and library use. */
export function scan(opts: ScanOptions): ScanResult {
  return againIfDamaged(opts, (o) => {
    const p = prepare(o);
    try {
      extractHere(o, p);
      return analyse(o, p);
    } finally {
      p.cache?.close();
    }
  });
}

/**
 * Cached facts are parsed when a rule first reads them; a damaged cache shows only then. The scan is then run
 * again, ignoring the stored cache and writing a new one, with a note: a bad cache never loses a result.
 */
function againIfDamaged<T extends ScanResult | Promise<ScanResult>>(opts: ScanOptions, run: (o: ScanOptions) => T): T {
  const retry = (e: unknown): T => {
    if (!(e instanceof DamagedCacheError) || !opts.cache || opts.cache.fresh) throw e;
    const again = run({ ...opts, cache: { ...opts.cache, fresh: true } });
    const note = (r: ScanResult): ScanResult => {
      r.workspace.notes.push(`the facts cache is damaged (${e.message}); the scan was run again without it, and the cache rebuilt`);
      return r;
    };
    return (again instanceof Promise ? again.then(note) : note(again as ScanResult)) as T;
  };
  try {
    const r = run(opts);
    return (r instanceof Promise ? r.catch(retry) : r) as T;
  } catch (e) {
    return retry(e);
  }
}

function extractHere(opts: ScanOptions, p: Prepared): void {
  p.pending.forEach((i, done) => {
    const r = load(opts, p, i);
    p.facts[i] = 'facts' in r ? r.facts : extractBytes(p.workspace.files[i]!, r.bytes, true, budgetOf(opts));
    if (opts.onProgress && (done % 200 === 199 || done === p.pending.length - 1)) opts.onProgress(done + 1, p.pending.length);
  });
}

/** Python files up to this size are parsed in this thread in a split scan; larger ones (generated, rare: none of
 * netra's 10,846 is over 256 KiB) by the worker, so that this thread is not held up by one (the time bound,
 * files.maxSeconds, holds in both). It was 64 KiB: the worker then warmed up the Python extractor for 198 netra
 * files, and on 2 cores a split scan was slower than one thread. */
const LOCAL_MAX_BYTES = 1024 * 1024;

/**
 * Scan with extraction on worker threads when there is enough to do to pay for starting them. `workers`: a pool
 * of that many threads (1: none; by default from 4 cores up). `split`: one worker for the TypeScript and
 * JavaScript files and the Python files over LOCAL_MAX_BYTES, while this thread parses the other Python files (by
 * default on 3 cores, with 50 such TypeScript files or one such Python file; on 2 cores one thread was faster).
 */
export function scanAsync(opts: ScanOptions & { workers?: number; split?: boolean }): Promise<ScanResult> {
  return againIfDamaged(opts, (o) => scanInPool({ ...opts, ...o }));
}

async function scanInPool(opts: ScanOptions & { workers?: number; split?: boolean }): Promise<ScanResult> {
  const p = prepare(opts);
  try {
    return await extractAndAnalyse(opts, p);
  } finally {
    p.cache?.close();
  }
}

async function extractAndAnalyse(opts: ScanOptions & { workers?: number; split?: boolean }, p: Prepared): Promise<ScanResult> {
  const script = workerScript();
  // as many as fit beside what this thread keeps of a repository this size (a note when that lowers a request)
  const fitted = fitWorkers(opts.workers ?? defaultWorkers(), p.workspace.files.length);
  if (fitted.note && opts.workers !== undefined) p.workspace.notes.push(fitted.note);
  const workers = fitted.workers;
  const notPython = (k: number): boolean => p.workspace.files[p.pending[k]!]!.language !== 'python';
  const large = (k: number): boolean => p.workspace.files[p.pending[k]!]!.size > LOCAL_MAX_BYTES;
  const anyLarge = p.pending.some((_, k) => large(k));
  // on 3 cores, by default: one worker parses the TypeScript (and any huge Python file, bounded in time)
  // while this thread parses the Python files (docs/performance.md)
  const split =
    opts.split ??
    (opts.workers === undefined && workers === 1 && availableParallelism() >= 3 && (anyLarge || p.pending.filter((_, k) => notPython(k)).length >= 50));
  if (!script || (workers <= 1 && !split) || (p.pending.length < 200 && opts.split === undefined && !anyLarge)) {
    extractHere(opts, p);
    return analyse(opts, p);
  }
  let done = 0;
  const facts = await extractInPool(
    p.pending.map((i) => ({ file: pick(p.workspace.files[i]!), size: p.workspace.files[i]!.size })),
    (k) => load(opts, p, p.pending[k]!),
    script,
    {
      workers,
      timeoutMs: budgetOf(opts),
      onDone: () => opts.onProgress?.(++done, p.pending.length),
      ...(split ? { local: { mine: (k: number) => !notPython(k) && !large(k), extract: (k: number, bytes: Uint8Array) => extractBytes(p.workspace.files[p.pending[k]!]!, bytes, true, budgetOf(opts)) } } : {}),
    },
  );
  p.pending.forEach((i, k) => (p.facts[i] = facts[k]!));
  return analyse(opts, p);
}

/**
 * The facts left out of a file (WorkspaceFile.omit), made when a rule reads them after all: multiple-implementations
 * follows a production class into the test helper it builds. The file is read and extracted again, once. (Installed
 * after the facts cache is written, which stores what extraction made.)
 */
function onDemand(opts: ScanOptions, p: Prepared, file: WorkspaceFile, facts: FileFacts): void {
  let full: FileFacts | undefined;
  const again = (): FileFacts => {
    if (!full) {
      const src = readSource(p.workspace.readFile, file, opts.config.files.maxBytes);
      const { omit: _, ...all } = pick(file);
      full = 'facts' in src ? src.facts : extractBytes(all, src.bytes, true, budgetOf(opts));
    }
    return full;
  };
  // (a fact that is a part of another, hashes of declarations, is never made on demand)
  for (const key of file.omit ?? []) {
    if (OPTIONAL_FACTS[key] !== key) continue;
    const whole = OPTIONAL_FACTS[key];
    Object.defineProperty(facts, whole, { configurable: true, enumerable: true, get: () => again()[whole] });
  }
}

const pick = (f: WorkspaceFile): Job['file'] => ({
  path: f.path,
  language: f.language,
  ...(f.moduleName !== undefined ? { moduleName: f.moduleName } : {}),
  ...(f.isPackageInit ? { isPackageInit: true } : {}),
  ...(f.pythonVersion !== undefined ? { pythonVersion: f.pythonVersion } : {}),
  ...(f.omit ? { omit: f.omit } : {}),
});

function analyse(opts: ScanOptions, p: Prepared): ScanResult {
  const { config } = opts;
  const { workspace, t0, t1 } = p;
  mark('extract');
  if (p.cache) for (const [i, hash] of p.hashes) p.cache.remember(workspace.files[i]!, hash, p.facts[i]!);
  const note = (n: string | undefined): void => {
    if (n && !workspace.notes.includes(n)) workspace.notes.push(n);
  };
  note(p.cache?.save());
  note(p.scripts?.save());
  mark('cache write');
  // each workspace file is completed in place with its facts (facts left out made when a rule reads them after all)
  const files: ScannedFile[] = workspace.files.map((file, i) => {
    const scanned = file as ScannedFile;
    scanned.facts = p.facts[i]!;
    if (file.omit) onDemand(opts, p, file, scanned.facts);
    return scanned;
  });
  const t2 = performance.now();
  const index = new ProjectIndex(workspace, files, config.services, opts.targets);
  const active: ScanResult['rules'] = [];
  const sorted = [...opts.rules].sort((a, b) => a.meta.id.localeCompare(b.meta.id));
  // the results of the last full scan, where they still hold (a --staged scan reuses none of its findings and writes
  // nothing: it reads who imported the test-named files, below)
  const cache = p.store ? ResultsCache.open(p.store, opts.root, `comply ${packageVersion()} ${findingsFingerprint()}`, opts.cache?.fresh) : undefined;
  const results = opts.targets ? undefined : cache;
  const layout = cache ? layoutKey(config, workspace, sorted.map((r) => r.meta.id)) : '';
  const paths = cache ? pathsKey(workspace) : '';
  const names = cache ? files.map((f) => f.path) : [];
  const rows = cache ? files.map(fileRow) : [];
  // named like a test module where pytest does not collect it: test support when only tests import it. Who imported
  // each at the last scan is stored; only the files changed since are read again (deciding from nothing reads every
  // file's imports)
  const history = cache?.testHistory(layout, paths, names, rows, p.contents, (i) => (files[i]!.testName ? fileRow({ ...files[i]!, test: true }) : undefined));
  /** each test-named file and its importers (indexes into files), for the results cache to keep */
  const decided: number[][] = [];
  let at: Map<ScannedFile, number> | undefined;
  for (const [i, f] of files.entries()) {
    if (!f.testName) continue;
    const before = history?.importers.get(i);
    let importers: number[];
    if (before) {
      const now = new Set(before.filter((j) => !history!.changed.has(j)));
      for (const c of history!.changed) if (c !== i && index.imports(files[c]!, f)) now.add(c);
      importers = [...now];
    } else {
      at ??= new Map(files.map((x, j) => [x, j]));
      importers = index.importersOfFile(f.path).map((x) => at!.get(x)!);
    }
    if (importers.length > 0 && importers.every((j) => files[j]!.test)) f.test = true;
    if (results) {
      decided.push([i, ...importers.sort((a, b) => a - b)]);
      if (f.test) rows[i] = fileRow(f);
    }
  }
  let inTree: Set<string> | undefined;
  const reuse = results?.reuse(layout, paths, names, rows, p.contents, {
    rules: new Set(sorted.map((r) => r.meta.id)),
    // a finding is in a source file but for a few (a manifest, a config): the set of every path only for those
    inTree: (path) => index.byPath.has(path) || (inTree ??= new Set(workspace.allPaths)).has(path),
  });
  note(results?.problem);
  const metaOf = new Map(sorted.map((r) => [r.meta.id, r.meta]));
  const { reusedRules, rerun, reusedFile, reusedProject } = planReuse(reuse, sorted, files, p.cache, index);
  mark('results read');
  /** a finding as reports need it: the rule's category, the file's service and test status */
  const complete = (f: FindingInput & { rule?: string; severity?: string }, meta: RuleMeta, severity: Exclude<Severity, 'off'>): Omit<Finding, 'fingerprint'> => {
    const file = index.byPath.get(f.path);
    // the rule's object is completed in place: a scan may report tens of thousands of findings
    const out = f as Omit<Finding, 'fingerprint'>;
    out.rule = meta.id;
    out.category = meta.category;
    out.severity = (f.severity as Finding['severity'] | undefined) ?? severity;
    if (file?.service) out.service = file.service;
    out.test = file?.test ?? false;
    return out;
  };
  /** found in this scan: by file-scope rules, and by the others */
  const fileFound: Omit<Finding, 'fingerprint'>[] = [];
  const projectFound: Omit<Finding, 'fingerprint'>[] = [];
  const findings: Omit<Finding, 'fingerprint'>[] = [];
  // suppressions apply between the two phases: rules that judge suppressions run after they are applied
  const concepts: ConceptEntry[] = [];
  // the inventory as the results cache keeps it: the entries of rules that ran, and the stored ones of reused rules
  const storedConcepts: StoredConcept[] = reuse ? reuse.concepts.filter(([rule]) => reusedRules.has(rule)) : [];
  for (const [, e] of storedConcepts) concepts.push(e);
  const usage: SuppressionUse[] = index.targets.flatMap((file) => file.facts.suppressions.map((fact) => ({ path: file.path, fact, used: false })));
  for (const phase of ['findings', 'after-suppressions'] as const) {
    if (phase === 'after-suppressions') {
      for (const s of reusedFile) findings.push(complete(loadFinding(s), metaOf.get(s[0])!, s[1] as Finding['severity']));
      for (const s of reusedProject) findings.push(complete(loadFinding(s), metaOf.get(s[0])!, s[1] as Finding['severity']));
      findings.push(...fileFound, ...projectFound);
      mark('rules');
      applySuppressions(findings, usage);
    }
    for (const rule of sorted) {
      if ((rule.meta.phase ?? 'findings') !== phase) continue;
      const setting = config.rules[rule.meta.id];
      const severity = ruleSeverity(rule.meta, config);
      if (severity === 'off') continue;
      active.push({ ...rule.meta, severity });
      const fileScope = phase === 'findings' && rule.meta.scope === 'file';
      const narrowed = reuse !== undefined && fileScope;
      if (reuse && phase === 'findings') {
        // reused: a file-scope rule's findings in unchanged files, another rule's when what it reads is unchanged
        if (fileScope ? rerun!.size === 0 : reusedRules.has(rule.meta.id)) continue;
        if (narrowed) index.retarget(rerun);
      }
      const sink = phase === 'after-suppressions' ? findings : fileScope ? fileFound : projectFound;
      rule.run({
        index,
        config,
        options: setting?.options ?? {},
        suppressions: usage,
        knownRules: new Set(sorted.map((r) => r.meta.id)),
        report: (f) => {
          if (index.isTarget(f.path)) sink.push(complete(f, rule.meta, severity));
        },
        inventory: (e) => {
          concepts.push(e);
          storedConcepts.push([rule.meta.id, e]);
        },
      });
      if (narrowed) index.retarget(undefined);
    }
  }
  // fingerprinted before they are stored: a reused finding keeps its fingerprint
  const done = fingerprint(findings.sort(compareFindings));
  if (results && opts.cache?.write && !(reuse && reuse.changed.size === 0 && !reuse.pathsChanged && !reuse.moved)) {
    const inputs = new Map([...(reuse?.inputs ?? []), ...workspace.inputs, ...index.inputs]);
    const stored = (found: Omit<Finding, 'fingerprint'>[]): StoredFinding[] => found.map((f) => storeFinding(f as Finding));
    note(results.save(layout, paths, inputs, names, rows, p.contents, [...reusedFile, ...stored(fileFound)], [...reusedProject, ...stored(projectFound)], storedConcepts, decided));
  }
  active.sort((a, b) => a.id.localeCompare(b.id));
  const t3 = performance.now();
  mark('rules');
  const reused = reusedFile.length + reusedProject.length;
  return {
    workspace,
    files,
    findings: done,
    rules: active,
    timings: { listMs: t1 - t0, extractMs: t2 - t1, rulesMs: t3 - t2, cached: p.cache?.hits ?? 0, parsed: p.parsed, reused },
    concepts: concepts.sort(compareEntries),
    ...(opts.targets ? { targets: opts.targets } : {}),
  };
}

/**
 * What a scan takes from the stored results: the rules that compare files whose findings still hold (those whose
 * facts, `reads`, are the same in every changed file as in the content the findings were found in, with no file
 * moved, and the path list if they read it; those that say nothing, when nothing changed), the files file-scope
 * rules run on (changed, or importing something that moved), and the stored findings kept.
 */
function planReuse(
  reuse: Reuse | undefined,
  rules: Rule[],
  files: ScannedFile[],
  cache: FactsCache | undefined,
  index: ProjectIndex,
): { reusedRules: Set<string>; rerun: ReadonlySet<string> | undefined; reusedFile: StoredFinding[]; reusedProject: StoredFinding[] } {
  const reusedRules = new Set<string>();
  if (!reuse) return { reusedRules, rerun: undefined, reusedFile: [], reusedProject: [] };
  const changed = files.filter((f) => reuse.changed.has(f.path));
  const unchanged = (key: keyof FileFacts | 'paths'): boolean =>
    key === 'paths'
      ? !reuse.pathsChanged
      : !reuse.moved &&
        changed.every((f) => {
          // a whole fact left out of a file (made on demand) is read only through a file that has it (a test helper a
          // production class builds): unchanged unless such a file imports it, directly or through others without it
          const left = f.omit?.find((o) => o === key && OPTIONAL_FACTS[o] === o);
          if (left) return !readThrough(index, f, left);
          const before = reuse.previous(f.path);
          const old = before ? cache?.factsOfContent(f, before) : undefined;
          return old !== undefined && JSON.stringify(old[key]) === JSON.stringify(f.facts[key]);
        });
  for (const r of rules) {
    if (r.meta.scope === 'file' || (r.meta.phase ?? 'findings') !== 'findings') continue;
    if (r.meta.reads ? r.meta.reads.every(unchanged) : changed.length === 0 && !reuse.pathsChanged && !reuse.moved) reusedRules.add(r.meta.id);
  }
  const moved = reuse.moved;
  const rerun = moved ? new Set([...reuse.changed, ...files.filter((f) => !reuse.changed.has(f.path) && importsMoved(f, moved)).map((f) => f.path)]) : reuse.changed;
  return {
    reusedRules,
    rerun,
    reusedFile: moved ? reuse.file.filter((f) => !rerun.has(f[2])) : reuse.file,
    reusedProject: reuse.project.filter((f) => reusedRules.has(f[0])),
  };
}

/** Whether a file that left out `key` is imported by one that has it, directly or through files that left it out. */
function readThrough(index: ProjectIndex, file: ScannedFile, key: OptionalFact): boolean {
  const seen = new Set([file.path]);
  const queue = [file];
  while (queue.length > 0) {
    for (const importer of index.importersOfFile(queue.pop()!.path)) {
      if (!importer.omit?.includes(key)) return true;
      if (!seen.has(importer.path)) {
        seen.add(importer.path);
        queue.push(importer);
      }
    }
  }
  return false;
}

/**
 * Whether a file's imports may resolve differently now that files moved (added, removed, given another row): a
 * Python import of a moved module, of one of its parents, or of a moved submodule by name (what resolvePython
 * looks up); any import of a TypeScript or JavaScript file when such a file moved (relative paths and path
 * aliases are not worth matching here), or one that names a Python file.
 */
function importsMoved(f: ScannedFile, moved: Moved): boolean {
  if (f.language !== 'python') return moved.script ? f.facts.imports.length > 0 : f.facts.imports.some((i) => /\.pyi?$/.test(i.module));
  if (moved.modules.size === 0) return false;
  for (const imp of f.facts.imports) {
    const m = imp.module;
    if (m === '' || m.startsWith('.')) continue; // resolves to nothing in the repo
    for (const n of imp.names) if (moved.modules.has(`${m}.${n}`)) return true;
    for (let prefix = m; ; ) {
      if (moved.modules.has(prefix)) return true;
      const dot = prefix.lastIndexOf('.');
      if (dot < 0) break;
      prefix = prefix.slice(0, dot);
    }
  }
  return false;
}

/**
 * An inline suppression with a reason covers the findings of its rules on its target line; it is then used. The
 * first one for a rule on a line covers them all (the others are unused), looked up by path, line and rule: linear
 * however many suppressions aim at one line.
 */
function applySuppressions(findings: Omit<Finding, 'fingerprint'>[], usage: SuppressionUse[]): void {
  const first = new Map<string, SuppressionUse>();
  /** the files with a suppression that applies: the others' findings need no key */
  const where = new Set<string>();
  for (const u of usage) {
    if (!u.fact.reason) continue; // without a reason it does not apply
    where.add(u.path);
    for (const rule of u.fact.rules) {
      const key = `${u.path}\0${u.fact.target}\0${rule}`;
      if (!first.has(key)) first.set(key, u);
    }
  }
  if (where.size === 0) return;
  for (const f of findings) {
    if (!where.has(f.path)) continue;
    const u = first.get(`${f.path}\0${f.line}\0${f.rule}`);
    if (!u) continue;
    u.used = true;
    f.suppressed = { reason: u.fact.reason };
  }
}

export function compareFindings(a: Omit<Finding, 'fingerprint'>, b: Omit<Finding, 'fingerprint'>): number {
  return (
    cmp(a.path, b.path) || a.line - b.line || a.column - b.column || cmp(a.rule, b.rule) || cmp(a.subject, b.subject) || cmp(a.message, b.message)
  );
}

const ROLE_ORDER = { 'owner-direct': 0, 'owner-composed': 1, consumer: 2, transient: 3 };

function compareEntries(a: ConceptEntry, b: ConceptEntry): number {
  return (
    cmp(a.concept, b.concept) || cmp(a.variant, b.variant) || cmp(a.service ?? '', b.service ?? '') || ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || cmp(a.path, b.path) || a.line - b.line || cmp(a.name, b.name)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fingerprints ignore lines: the n-th finding of one rule on one subject in one file keeps its identity. A path
 * that is not UTF-8 is hashed by its bytes (as UTF-8, its escaped bytes would all be U+FFFD: names.ts). A finding
 * reused from the results cache has its fingerprint already: it is reused with every finding of its rule in its
 * file (results.ts, StoredFinding), so the findings counted here, those found in this scan, are never ranked among
 * reused ones. */
function fingerprint(sorted: Omit<Finding, 'fingerprint'>[]): Finding[] {
  const seen = new Map<string, number>();
  for (const f of sorted) {
    if ((f as Finding).fingerprint !== undefined) continue;
    const key = `${f.rule}\0${f.path}\0${f.subject}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    (f as Finding).fingerprint = sha1(hasEscapes(key) ? nameBytes(`${key}\0${n}`) : `${key}\0${n}`).slice(0, 20);
  }
  return sorted as Finding[];
}
