/**
 * The project index: every file's facts plus the lookups rules need (module → file, path → service), and import
 * resolution. Resolution lives here, not in the adapters, because it depends on other files while facts depend
 * only on one file's content.
 */
import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import { parseJsonc } from '../util/jsonc.js';
import type { ServiceConfig } from '../config/load.js';
import type { Workspace, WorkspaceFile } from '../workspace/workspace.js';
import { ImportNameSearch } from './cache.js';
import { inputHash } from './results.js';
import { CONFIG_MAX_BYTES, ContainmentError, readContained } from '../util/safe-fs.js';
import type { FileFacts, ImportFact } from '../facts/facts.js';

export interface ScannedFile extends WorkspaceFile {
  facts: FileFacts;
}

export interface ImportTarget {
  /** `file`: a repo file (or a repo path that holds no source file); `package`: a name that a service claims;
   * `external`: neither (a third-party or standard-library module) */
  kind: 'file' | 'package' | 'external';
  path?: string;
  service?: ServiceConfig;
  test: boolean;
  /** what the user would call it: a dotted module or the specifier */
  display: string;
}

const TS_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const JS_TO_TS: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

interface TsPaths {
  /** repo-relative folder the patterns resolve against */
  base: string;
  patterns: { prefix: string; suffix: string; wildcard: boolean; targets: string[] }[];
  baseUrl?: string;
}

/** questions (a name's importers in a partial scan, a Python module's importers) answered by searching the cache's
 * bytes before every import is read instead */
const NAME_SEARCHES = 16;

export class ProjectIndex {
  readonly byPath = new Map<string, ScannedFile>();
  readonly moduleToPath = new Map<string, string>();
  readonly services = new Map<string, ServiceConfig>();
  private readonly packageOwners = new Map<string, ServiceConfig>();
  private readonly tsconfigCache = new Map<string, TsPaths | undefined>();

  /** the files whose findings the scan reports: all of them, or the staged ones (`--staged`). Rules that judge a
   * file by itself and its imports look only at these; rules that compare files read the others for context.
   * (The engine narrows them for a file-scope rule to the files changed since the results it reuses.) */
  targets: ScannedFile[];
  private targetPaths: ReadonlySet<string> | undefined;
  /** the scan's own targets, restored after a rule saw fewer */
  private readonly scanTargets: { files: ScannedFile[]; paths: ReadonlySet<string> | undefined };
  /** a scan of a few files (`--staged`): importers are counted per name asked about */
  private readonly partial: boolean;
  /** what resolution read besides the files' facts: tsconfig/jsconfig path → sha1 of its content, or null when
   * it was looked for and is not there (the results cache checks them before reusing findings) */
  readonly inputs = new Map<string, string | null>();
  /** the bytes of each input read (null: not there; undefined: refused or unreadable) */
  private readonly inputBytes = new Map<string, Buffer | null | undefined>();

  constructor(
    readonly workspace: Workspace,
    readonly files: ScannedFile[],
    services: ServiceConfig[],
    targets?: ReadonlySet<string>,
  ) {
    this.partial = targets !== undefined;
    this.targetPaths = targets;
    this.targets = targets ? files.filter((f) => targets.has(f.path)) : files;
    this.scanTargets = { files: this.targets, paths: targets };
    const topRoots = new Map<string, Set<string>>();
    for (const f of files) {
      this.byPath.set(f.path, f);
      if (f.moduleName !== undefined && f.moduleName !== '') {
        // a package's __init__ and a same-named module cannot both exist; prefer the .py over a .pyi stub
        if (!this.moduleToPath.has(f.moduleName) || f.path.endsWith('.py')) this.moduleToPath.set(f.moduleName, f.path);
        const top = topName(f.moduleName);
        let roots = topRoots.get(top);
        if (!roots) topRoots.set(top, (roots = new Set()));
        roots.add(moduleRoot(f));
      }
    }
    // a top-level package defined under several roots (a nested deployable's own `api` beside the repo's `api/`):
    // its modules are looked up per root, from the importing file's roots outwards
    for (const [top, roots] of topRoots) if (roots.size > 1) this.clashing.add(top);
    this.allRoots = [...new Set(workspace.pythonRoots)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    if (this.clashing.size > 0) {
      for (const f of files) {
        if (f.moduleName === undefined || f.moduleName === '' || !this.clashing.has(topName(f.moduleName))) continue;
        const root = moduleRoot(f);
        this.pyRoots.add(root);
        let byRoot = this.clashModules.get(f.moduleName);
        if (!byRoot) this.clashModules.set(f.moduleName, (byRoot = new Map()));
        if (!byRoot.has(root) || f.path.endsWith('.py')) byRoot.set(root, f.path);
      }
    }
    for (const s of services) {
      this.services.set(s.name, s);
      for (const p of s.packages) this.packageOwners.set(p, s);
    }
  }

  /** Report findings only in these files from now on; undefined: in the scan's own targets again. For the
   * engine, between rules. */
  retarget(targets: ReadonlySet<string> | undefined): void {
    this.targetPaths = targets ?? this.scanTargets.paths;
    this.targets = targets ? this.files.filter((f) => targets.has(f.path)) : this.scanTargets.files;
  }

  /** whether the scan reports findings in this file */
  isTarget(path: string): boolean {
    return !this.targetPaths || this.targetPaths.has(path);
  }

  /** the configured Python roots, deepest first (a file is named below the deepest root that holds it) */
  private readonly allRoots: string[];
  /** top-level Python packages defined under more than one root, their modules per root, and those roots */
  private readonly clashing = new Set<string>();
  private readonly clashModules = new Map<string, Map<string, string>>();
  private readonly pyRoots = new Set<string>();
  private readonly rootedResolved = new Map<string, ImportTarget>();

  /** a Map, not a WeakMap: the index lives for one scan, and WeakMap lookups cost 5x more on 100k imports */
  private readonly resolved = new Map<ImportFact, ImportTarget>();
  /** service and test status per repo path, for import targets */
  private readonly pathInfo = new Map<string, { service: ServiceConfig | undefined; test: boolean }>();
  /** Python resolution memo: module → its target, and module → name → the submodule's target (or null) */
  private readonly pyModules = new Map<string, ImportTarget>();
  private readonly pySubmodules = new Map<string, Map<string, ImportTarget | null>>();

  /** TypeScript resolution memo: folder and specifier → target (a relative specifier means another file in another
   * folder; files with the same content share their import objects) */
  private readonly tsResolved = new Map<string, ImportTarget>();

  /** Where an import leads (memoised: several rules ask about the same imports). */
  resolve(file: ScannedFile, imp: ImportFact): ImportTarget {
    if (file.language !== 'python') {
      const key = `${posix.dirname(file.path)}\0${imp.module}`;
      let t = this.tsResolved.get(key);
      if (!t) this.tsResolved.set(key, (t = this.resolveTs(file, imp)));
      return t;
    }
    // a package defined under several roots resolves from the importing file's own roots outwards (as its
    // sys.path would have it)
    if (this.clashing.size > 0 && file.moduleName !== undefined && this.clashing.has(topName(imp.module))) {
      const root = moduleRoot(file);
      const key = `${root}\0${imp.module}\0${imp.names.join(',')}`;
      let t = this.rootedResolved.get(key);
      if (!t) this.rootedResolved.set(key, (t = this.resolvePythonFrom(imp, root)));
      return t;
    }
    // otherwise a Python import object resolves the same from any file: it holds the absolute module name
    let t = this.resolved.get(imp);
    if (!t) {
      t = this.resolvePython(imp);
      this.resolved.set(imp, t);
    }
    return t;
  }

  /** path → name → how many imports take that name from that path, for the names asked about so far */
  private readonly importerCounts = new Map<string, Map<string, number>>();
  private readonly countedNames = new Set<string>();
  private nameSearch: ImportNameSearch | undefined;
  private searches = 0;

  /**
   * A search of the cached imports' bytes, for the first few questions: each reads the cache's whole imports region,
   * so past NAME_SEARCHES one pass over every import (the lookups that are built once) costs less (a staged change to
   * a module with many functions asks about a hundred names and more).
   */
  private bytesSearch(): ImportNameSearch | undefined {
    if (++this.searches > NAME_SEARCHES) return undefined;
    this.nameSearch ??= new ImportNameSearch(this.files.map((f) => f.facts));
    // (facts of this scan, a cold one's, parsed here or packed by workers: nothing to search)
    return this.nameSearch.unsearched < this.files.length / 2 ? this.nameSearch : undefined;
  }
  /** name → the imports that take it (a full scan: built on the first question) */
  private namedImports: Map<string, [ScannedFile, ImportFact][]> | undefined;

  /** How many imports across the repo take `name` from the file at `path` (`from m import name`,
   * `import { name } from './m'`): how established a declaration is. Only the imports that take the name are
   * resolved (on the netra tree, a few thousand of 117k). */
  importersOf(path: string, name: string): number {
    if (!this.countedNames.has(name)) {
      this.countedNames.add(name);
      for (const [f, imp] of this.importsTaking(name)) {
        const t = this.resolve(f, imp);
        if (!t.path) continue;
        let byName = this.importerCounts.get(t.path);
        if (!byName) this.importerCounts.set(t.path, (byName = new Map()));
        for (const n of imp.names) if (n === name) byName.set(n, (byName.get(n) ?? 0) + 1);
      }
    }
    return this.importerCounts.get(path)?.get(name) ?? 0;
  }

  /** a dotted module prefix (`pkg.store_new`) → the Python files importing a module below it (built on the first
   * question: one pass over the imports, instead of one per question) */
  private byPrefix: Map<string, ScannedFile[]> | undefined;

  private pythonImportersByPrefix(): Map<string, ScannedFile[]> {
    if (this.byPrefix) return this.byPrefix;
    const by = new Map<string, ScannedFile[]>();
    for (const f of this.files) {
      if (f.language !== 'python') continue;
      const seen = new Set<string>();
      for (const imp of f.facts.imports) {
        const mod = imp.module;
        for (let dot = mod.lastIndexOf('.'); dot > 0; dot = mod.lastIndexOf('.', dot - 1)) {
          const prefix = mod.slice(0, dot);
          if (seen.has(prefix)) break; // its own prefixes were added with it
          seen.add(prefix);
          let list = by.get(prefix);
          if (!list) by.set(prefix, (list = []));
          list.push(f);
        }
      }
    }
    return (this.byPrefix = by);
  }

  /** last name segment → the imports that may lead to a file of that name (built on the first question) */
  private importsBySegment: Map<string, [ScannedFile, ImportFact][]> | undefined;

  /**
   * The files whose imports lead to the file at `path` (any import form: top level, in a function, dynamic, a mock
   * target; a Python `from pkg import mod` too), itself aside. Only the imports whose last segment can name it are
   * resolved.
   */
  importersOfFile(path: string): ScannedFile[] {
    const target = this.byPath.get(path);
    if (!target) return [];
    // a Python module asked about before the lookups below are built (a warm scan asks about the few changed files
    // that left out a fact): only the files whose cached imports can name it are read. Its name as a module or a
    // prefix of one (`"pkg.mod`), or its last segment taken from its package (`from pkg import mod`: `"mod"`)
    const m = target.language === 'python' ? target.moduleName : undefined;
    const search = !this.importsBySegment && m ? this.bytesSearch() : undefined;
    if (search && m) {
      const may = search.mayHold([JSON.stringify(m).slice(0, -1), JSON.stringify(m.slice(m.lastIndexOf('.') + 1))]);
      return this.files.filter((f, i) => may[i] && this.imports(f, target)).sort((a, b) => (a.path < b.path ? -1 : 1));
    }
    if (!this.importsBySegment) {
      const by = new Map<string, [ScannedFile, ImportFact][]>();
      const add = (key: string, f: ScannedFile, imp: ImportFact): void => {
        let list = by.get(key);
        if (!list) by.set(key, (list = []));
        list.push([f, imp]);
      };
      for (const f of this.files) {
        for (const imp of f.facts.imports) {
          if (f.language === 'python') {
            add(imp.module.slice(imp.module.lastIndexOf('.') + 1), f, imp);
            for (const n of imp.names) add(n, f, imp);
          } else {
            // `./store_new`, `./store_new.js`, `../ui/Builder.backup`, `./views/` (an index file)
            const last = imp.module.replace(/\/+$/, '').split('/').pop()!;
            add(last.replace(/\.(?:[mc]?[jt]sx?)$/, ''), f, imp);
            add(last, f, imp);
          }
        }
      }
      this.importsBySegment = by;
    }
    const out = new Set<ScannedFile>();
    if (target.language === 'python') {
      const m = target.moduleName;
      if (m === undefined || m === '') return [];
      const last = m.slice(m.lastIndexOf('.') + 1);
      for (const [f, imp] of [...(this.importsBySegment.get(last) ?? [])]) {
        if (f === target || f.language !== 'python') continue;
        if (importsModule(imp, m)) out.add(f);
      }
      // `from pkg.store_new import X` is keyed by X, and `import pkg.store_new.sub` by sub: look by prefix too
      for (const f of this.pythonImportersByPrefix().get(m) ?? []) if (f !== target) out.add(f);
    } else {
      const base = posix.basename(path).replace(/\.d\.[mc]?ts$|\.[^.]+$/, '');
      const keys = base === 'index' ? [posix.basename(posix.dirname(path)), '.', '..', ''] : [base, posix.basename(path)];
      for (const key of keys) {
        for (const [f, imp] of this.importsBySegment.get(key) ?? []) {
          if (f === target || f.language === 'python' || out.has(f)) continue;
          if (this.resolve(f, imp).path === path) out.add(f);
        }
      }
    }
    return [...out].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** Whether the imports of `f` lead to the file `target`: importersOfFile asked of one importer. */
  imports(f: ScannedFile, target: ScannedFile): boolean {
    if (f === target) return false;
    if (target.language === 'python') {
      const m = target.moduleName;
      return f.language === 'python' && m !== undefined && m !== '' && f.facts.imports.some((imp) => importsModule(imp, m));
    }
    return f.language !== 'python' && f.facts.imports.some((imp) => this.resolve(f, imp).path === target.path);
  }

  private importsTaking(name: string): [ScannedFile, ImportFact][] {
    const search = this.partial ? this.bytesSearch() : undefined;
    if (search) {
      // a scan of a few files asks about a few names: read only the files whose cached imports can hold the name
      const may = search.mayImport(name);
      const out: [ScannedFile, ImportFact][] = [];
      this.files.forEach((f, i) => {
        if (may[i]) for (const imp of f.facts.imports) if (imp.names.includes(name)) out.push([f, imp]);
      });
      return out;
    }
    if (!this.namedImports) {
      // a full scan asks about many names: one pass over every import, by name
      const byName = new Map<string, [ScannedFile, ImportFact][]>();
      for (const f of this.files) {
        for (const imp of f.facts.imports) {
          for (const n of imp.names) {
            let list = byName.get(n);
            if (!list) byName.set(n, (list = []));
            if (list.length === 0 || list[list.length - 1]![1] !== imp) list.push([f, imp]);
          }
        }
      }
      this.namedImports = byName;
    }
    return this.namedImports.get(name) ?? [];
  }

  private pathTarget(path: string, display: string): ImportTarget {
    let info = this.pathInfo.get(path);
    if (!info) {
      const known = this.byPath.get(path);
      info = { service: this.workspace.ownerOf(path), test: known ? known.test : this.workspace.isTestPath(path) };
      this.pathInfo.set(path, info);
    }
    return { kind: 'file', path, ...(info.service ? { service: info.service } : {}), test: info.test, display };
  }

  private packageTarget(name: string, display: string): ImportTarget {
    const service = this.packageOwners.get(name);
    if (service) return { kind: 'package', service, test: service.kind === 'test-support', display };
    return { kind: 'external', test: false, display };
  }

  resolvePython(imp: ImportFact): ImportTarget {
    const m = imp.module;
    if (m.startsWith('.') || m === '') return { kind: 'external', test: false, display: m };
    // `from a.b import c` where a/b/c.py exists (memoised: a large repo imports the same modules thousands of times)
    if (imp.names.length > 0) {
      let subs = this.pySubmodules.get(m);
      if (!subs) this.pySubmodules.set(m, (subs = new Map()));
      for (const n of imp.names) {
        let t = subs.get(n);
        if (t === undefined) {
          const sub = `${m}.${n}`;
          const p = this.moduleToPath.get(sub) ?? this.belowOtherRoot(sub);
          t = p ? this.pathTarget(p, sub) : null;
          subs.set(n, t);
        }
        if (t) return t;
      }
    }
    let t = this.pyModules.get(m);
    if (!t) {
      t = this.modulePrefixTarget(m);
      this.pyModules.set(m, t);
    }
    return t;
  }

  /** resolvePython for a package defined under several roots: the importer's root and the roots holding it
   * (deepest first) are searched before the others */
  private resolvePythonFrom(imp: ImportFact, importerRoot: string): ImportTarget {
    const holds = (r: string): boolean => r === '.' || importerRoot === r || importerRoot.startsWith(`${r}/`);
    const order = [...this.pyRoots].sort((a, b) => Number(holds(b)) - Number(holds(a)) || (holds(a) ? b.length - a.length : a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0));
    const find = (module: string): string | undefined => {
      const byRoot = this.clashModules.get(module);
      if (!byRoot) return undefined;
      for (const r of order) {
        const p = byRoot.get(r);
        if (p) return p;
      }
      return undefined;
    };
    const m = imp.module;
    for (const n of imp.names) {
      const p = find(`${m}.${n}`);
      if (p) return this.pathTarget(p, `${m}.${n}`);
    }
    for (let prefix = m; ; ) {
      const p = find(prefix) ?? this.belowOtherRoot(prefix);
      if (p) return this.pathTarget(p, m);
      const dot = prefix.lastIndexOf('.');
      if (dot < 0) break;
      prefix = prefix.slice(0, dot);
    }
    return this.packageTarget(topName(m), m);
  }

  /**
   * The file a module names below a root other than the one its file is named below: Python imports it by every
   * root on its path (`ee.db.models` from the root `api` is `api/ee/db/models.py`, named `db.models` below the
   * deeper root `api/ee`). Deepest root first, as files are named.
   */
  private belowOtherRoot(module: string): string | undefined {
    if (this.allRoots.length < 2) return undefined;
    // most modules asked are not the repo's (`os`, `typing.Any`): only the roots with a file or folder of the
    // module's first name are searched
    const tops = (this.topsBelowRoot ??= this.topNamesBelowRoots());
    const top = topName(module);
    const rel = module.replaceAll('.', '/');
    for (const r of this.allRoots) {
      if (!tops.get(r)?.has(top)) continue;
      const base = r === '.' ? rel : `${r}/${rel}`;
      for (const p of [`${base}.py`, `${base}/__init__.py`, `${base}.pyi`, `${base}/__init__.pyi`]) if (this.byPath.has(p)) return p;
    }
    return undefined;
  }
  private topsBelowRoot: Map<string, Set<string>> | undefined;

  /** for each root, the first names of the Python files' paths below it (a folder, or a module's file name) */
  private topNamesBelowRoots(): Map<string, Set<string>> {
    const tops = new Map<string, Set<string>>(this.allRoots.map((r) => [r, new Set<string>()]));
    for (const f of this.files) {
      if (f.language !== 'python') continue;
      for (const r of this.allRoots) {
        if (r !== '.' && !f.path.startsWith(`${r}/`)) continue;
        const rest = r === '.' ? f.path : f.path.slice(r.length + 1);
        const slash = rest.indexOf('/');
        const first = slash < 0 ? rest.replace(/\.pyi?$/, '') : rest.slice(0, slash);
        tops.get(r)!.add(first);
      }
    }
    return tops;
  }

  /** the file of the longest prefix of a dotted module that is a repo module, else a package target */
  private modulePrefixTarget(m: string): ImportTarget {
    let prefix = m;
    for (;;) {
      const p = this.moduleToPath.get(prefix) ?? this.belowOtherRoot(prefix);
      if (p) return this.pathTarget(p, m);
      const dot = prefix.lastIndexOf('.');
      if (dot < 0) break;
      prefix = prefix.slice(0, dot);
    }
    return this.packageTarget(m.split('.')[0]!, m);
  }

  resolveTs(file: ScannedFile, imp: ImportFact): ImportTarget {
    const spec = imp.module;
    if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..') {
      const p = posix.normalize(posix.join(posix.dirname(file.path), spec));
      if (p.startsWith('../') || p === '..') return { kind: 'external', test: false, display: spec };
      return this.pathTarget(this.findTsFile(p) ?? p, spec);
    }
    if (spec.startsWith('/') || /^[a-z]+:/i.test(spec)) return { kind: 'external', test: false, display: spec };
    const cfg = this.tsPathsFor(posix.dirname(file.path));
    if (cfg) {
      let best: { prefix: string; suffix: string; wildcard: boolean; targets: string[] } | undefined;
      for (const pat of cfg.patterns) {
        const hit = pat.wildcard ? spec.startsWith(pat.prefix) && spec.endsWith(pat.suffix) && spec.length >= pat.prefix.length + pat.suffix.length : spec === pat.prefix;
        if (hit && (!best || pat.prefix.length > best.prefix.length)) best = pat;
      }
      if (best) {
        const star = best.wildcard ? spec.slice(best.prefix.length, spec.length - best.suffix.length) : '';
        let first: string | undefined;
        for (const t of best.targets) {
          const p = posix.normalize(posix.join(cfg.base, t.replace('*', star)));
          if (p.startsWith('../')) continue;
          first ??= p;
          const found = this.findTsFile(p);
          if (found) return this.pathTarget(found, spec);
        }
        if (first) return this.pathTarget(first, spec);
      }
      if (cfg.baseUrl !== undefined) {
        const found = this.findTsFile(posix.normalize(posix.join(cfg.baseUrl, spec)));
        if (found) return this.pathTarget(found, spec);
      }
    }
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    return this.packageTarget(name, spec);
  }

  private findTsFile(p: string): string | undefined {
    const has = (x: string): boolean => this.byPath.has(x);
    if (has(p)) return p;
    const ext = posix.extname(p);
    for (const alt of JS_TO_TS[ext] ?? []) {
      const x = p.slice(0, -ext.length) + alt;
      if (has(x)) return x;
    }
    for (const e of TS_EXTENSIONS) if (has(p + e)) return p + e;
    for (const e of TS_EXTENSIONS) if (has(`${p}/index${e}`)) return `${p}/index${e}`;
    return undefined;
  }

  /** The nearest tsconfig.json (or jsconfig.json) at or above a folder, inside the root. */
  private tsPathsFor(dir: string): TsPaths | undefined {
    if (this.tsconfigCache.has(dir)) return this.tsconfigCache.get(dir);
    let result: TsPaths | undefined;
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const rel = dir === '.' ? name : `${dir}/${name}`;
      const bytes = this.readInput(rel);
      if (bytes === null) continue;
      result = this.readTsconfig(rel, 0, bytes);
      break;
    }
    if (result === undefined && dir !== '.' && dir !== '') result = this.tsPathsFor(posix.dirname(dir) === dir ? '.' : posix.dirname(dir));
    this.tsconfigCache.set(dir, result);
    return result;
  }

  /**
   * A resolution input (tsconfig.json, jsconfig.json) as comply's own config-like input: inside the root, through
   * no link, a regular file, bounded (safe-fs). Null when it is not there; a refused one (a link, a FIFO, a huge
   * file) is named in a note and used as if empty. Its hash goes to `inputs` either way.
   */
  private readInput(rel: string): Buffer | null | undefined {
    if (this.inputBytes.has(rel)) return this.inputBytes.get(rel)!;
    let bytes: Buffer | null | undefined;
    try {
      bytes = readContained(this.workspace.root, rel, { what: 'a TypeScript config', maxBytes: CONFIG_MAX_BYTES }) ?? null;
      this.inputs.set(rel, bytes === null ? null : createHash('sha1').update(bytes).digest('hex'));
    } catch (e) {
      this.workspace.notes.push(`${e instanceof ContainmentError ? e.message : `${rel}: cannot read it (${(e as Error).message})`}; its paths and baseUrl are not used.`);
      this.inputs.set(rel, inputHash(this.workspace.root, rel));
      bytes = undefined;
    }
    this.inputBytes.set(rel, bytes);
    return bytes;
  }

  private readTsconfig(rel: string, depth: number, bytes = this.readInput(rel)): TsPaths | undefined {
    if (depth > 8 || !bytes) return undefined;
    let json: { extends?: string | string[]; compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> } };
    try {
      json = parseJsonc(bytes.toString('utf8').replace(/^\uFEFF/, '')) as typeof json;
      if (!json || typeof json !== 'object') return undefined;
    } catch {
      return undefined;
    }
    const dir = posix.dirname(rel);
    let inherited: TsPaths | undefined;
    for (const ext of ([] as string[]).concat(json.extends ?? [])) {
      if (!ext.startsWith('.')) continue; // a package's tsconfig: outside the repo, never read
      let target = posix.normalize(posix.join(dir, ext));
      if (!target.endsWith('.json')) target += '.json';
      if (target.startsWith('../')) continue;
      inherited = this.readTsconfig(target, depth + 1) ?? inherited;
    }
    const co = json.compilerOptions ?? {};
    if (!co.paths && co.baseUrl === undefined) return inherited;
    const baseUrl = co.baseUrl !== undefined ? posix.normalize(posix.join(dir, co.baseUrl)) : undefined;
    const base = baseUrl ?? (co.paths ? dir : inherited?.base ?? dir);
    const patterns = co.paths
      ? Object.entries(co.paths).map(([k, targets]) => {
          const star = k.indexOf('*');
          return star >= 0
            ? { prefix: k.slice(0, star), suffix: k.slice(star + 1), wildcard: true, targets }
            : { prefix: k, suffix: '', wildcard: false, targets };
        })
      : inherited?.patterns ?? [];
    return { base, patterns, ...(baseUrl !== undefined ? { baseUrl } : inherited?.baseUrl !== undefined ? { baseUrl: inherited.baseUrl } : {}) };
  }
}

function topName(module: string): string {
  const dot = module.indexOf('.');
  return dot < 0 ? module : module.slice(0, dot);
}

/** The Python root a file's module name is taken below: its path less the module's own path ('.' for the top). */
export function moduleRoot(f: Pick<WorkspaceFile, 'path' | 'moduleName' | 'isPackageInit'>): string {
  // the module's own path is its name with slashes for dots (as long), `/__init__` for a package, and the extension:
  // only its length is needed (this runs for every Python file of the repo, on every scan)
  const module = f.moduleName ?? '';
  const rel = module.length + (f.isPackageInit ? (module ? 1 : 0) + '__init__'.length : 0) + (f.path.endsWith('.pyi') ? 4 : 3);
  let end = f.path.length - rel;
  if (end > 0 && f.path[end - 1] === '/') end--;
  return end <= 0 ? '.' : f.path.slice(0, end);
}

/** Whether a Python import takes the module `m` or something below it: `import m`, `from m import x`,
 * `import m.sub`, `from parent import last` (m is parent.last). */
function importsModule(imp: ImportFact, m: string): boolean {
  if (imp.module === m || imp.module.startsWith(`${m}.`)) return true;
  const dot = m.lastIndexOf('.');
  return imp.module === m.slice(0, Math.max(0, dot)) && imp.names.includes(m.slice(dot + 1));
}
