/**
 * The results cache (`.comply/cache/results.json`, next to the facts cache): the findings of the last full scan,
 * so that a scan runs each rule only where its findings can have changed (issue 7: a warm scan under 1 s).
 *
 * What a finding depends on decides when it is reused:
 * - The **layout** of the project: the config, the rules, and the tsconfig/jsconfig files import resolution read.
 *   A different layout reuses nothing.
 * - Each source file's **row**: its path, language, service, test status and module name. A file added, removed or
 *   given another row has *moved*: the files whose imports may now resolve differently (a Python import of a moved
 *   module or of one of its parents; with a TypeScript or JavaScript file moved, any such file that imports) count
 *   as changed for file-scope rules, and every rule that compares files runs again.
 * - The list of every path in the tree (source or not) is kept apart: only rules that say they read it run again
 *   for it.
 * - A rule with `scope: 'file'` finds in a file from that file's facts and the layout alone. Its findings in a file
 *   whose content is unchanged are reused; it runs on the changed files only.
 * - Any other rule compares files: its findings are reused when no file changed, or when it declares the facts it
 *   `reads` and each changed file has the same such facts as the content the findings were found in (the engine
 *   looks that content up in the facts cache by its blob id, kept here per file).
 * Rules that run after suppressions are applied always run (they read the other rules' findings).
 *
 * The key holds comply's version and a hash of its code (the rules, the engine, the adapters), so a rule edited in
 * development never reuses findings it did not make. A stale or foreign file misses; a corrupt one is ignored with
 * a note and rewritten. Written atomically.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Severity } from '../config/load.js';
import { writeFileAtomic } from '../util/atomic.js';
import { CONFIG_MAX_BYTES, readContained } from '../util/safe-fs.js';
import type { Workspace } from '../workspace/workspace.js';
import { CACHE_DIR, cacheLocation } from './cache.js';
import type { ScannedFile } from './index.js';
import type { FindingInput, Location } from './rule.js';

export const RESULTS_FILE = `${CACHE_DIR}/results.json`;
const FORMAT = 3;
const OWN_STATE = /(?:^|\/)\.comply\//;

/** A finding as the rules reported it, before suppressions: [rule, severity, path, line, column, subject, message,
 * related (0: none), help (0: none)]. Category, service and test status are the rule's and the file's, filled in
 * again. */
export type StoredFinding = [string, string, string, number, number, string, string, (Location & { message?: string })[] | 0, string | 0];
/** The same in the file: the strings as indexes into `strings` (35k findings of the netra tree hold 2.5k distinct
 * messages: 11 MB as plain tuples, a fifth of it this way) */
type PackedFinding = [number, number, number, number, number, number, number, (Location & { message?: string })[] | 0, number];

/** a reported finding, as the engine completes it (the fields the store needs) */
export type RuleFinding = FindingInput & { rule: string; severity: Exclude<Severity, 'off'> };

interface Stored {
  format: number;
  key: string;
  layout: string;
  /** the path list's key */
  paths: string;
  /** tsconfig/jsconfig files resolution looked for: path → sha1 of the content, or null when there was none */
  inputs: [string, string | null][];
  /** each source file's row (fileRow), and its content (its blob id; null: not known, unreadable) */
  rows: readonly string[];
  contents: (string | null)[];
  /** the strings of the findings, each once */
  strings: string[];
  /** findings of file-scope rules, and of the other rules */
  file: PackedFinding[];
  project: PackedFinding[];
}

export interface Reuse {
  /** the files whose content or row changed since the stored scan, or that are new (file-scope rules run on these,
   * and on the files `moved` may affect) */
  changed: ReadonlySet<string>;
  /** files added, removed or given another row: their Python module names (before and after), and whether one is
   * TypeScript or JavaScript; undefined when none moved */
  moved: Moved | undefined;
  /** stored findings of file-scope rules in files still there and not changed */
  file: StoredFinding[];
  /** stored findings of the other rules (the engine decides which still hold) */
  project: StoredFinding[];
  /** the content a file had when they were found (null: not known, or not there) */
  previous(path: string): string | null;
  /** the list of every path differs from the stored one */
  pathsChanged: boolean;
  /** the tsconfig inputs known to the stored scan, still valid */
  inputs: [string, string | null][];
}

export interface Moved {
  modules: Set<string>;
  script: boolean;
}

const sha1 = (s: string | Buffer): string => createHash('sha1').update(s).digest('hex');

/** The layout of a scan: what all findings may depend on besides the files (their rows and contents). */
export function layoutKey(config: Config, workspace: Workspace, ruleIds: readonly string[]): string {
  return sha1(`${JSON.stringify(config)}\0${workspace.source}\0${ruleIds.join(',')}`);
}

/** A source file's row: path, language, service, test status, module name (\x01: none), package init, test name. A
 * scan makes each file's row once, for reuse() and save(). */
export function fileRow(f: ScannedFile): string {
  return `${f.path}\t${f.language}\t${f.service ?? ''}\t${f.test ? 1 : 0}\t${f.moduleName ?? '\x01'}\t${f.isPackageInit ? 1 : 0}\t${f.testByName ? 1 : 0}`;
}

/** The list of every path in the tree, but comply's own state (.comply/: the caches a scan writes, the ledger). */
export function pathsKey(workspace: Workspace): string {
  return sha1(workspace.allPaths.filter((p) => !OWN_STATE.test(p)).join('\n'));
}

/** The current content hash of a resolution input (null: it does not exist). */
export function inputHash(root: string, path: string): string | null {
  try {
    const bytes = readContained(root, path, { what: 'a resolution input', maxBytes: CONFIG_MAX_BYTES });
    return bytes === undefined ? null : sha1(bytes);
  } catch (e) {
    return `unreadable: ${(e as Error).message}`; // a link, a FIFO, a huge file: refused, never followed
  }
}

export class ResultsCache {
  private stored: Stored | undefined;
  /** why the stored results were not used, for a note */
  readonly problem: string | undefined;

  /** the results file, and how messages name it */
  private readonly file: string;
  private readonly shown: string;

  private constructor(
    private readonly root: string,
    private readonly key: string,
    fresh: boolean,
    dir: string | undefined,
  ) {
    const at = cacheLocation(root, dir);
    this.file = join(at.dir, 'results.json');
    this.shown = at.shown('results.json');
    if (fresh) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return; // none yet
    }
    try {
      const s = JSON.parse(text) as Stored;
      if (s?.format !== FORMAT || s.key !== key) return; // another version of comply: rebuilt silently
      if (typeof s.layout !== 'string' || typeof s.paths !== 'string' || !Array.isArray(s.inputs) || !Array.isArray(s.rows) || !Array.isArray(s.contents) || s.rows.length !== s.contents.length || !Array.isArray(s.strings) || !Array.isArray(s.file) || !Array.isArray(s.project)) {
        throw new Error('unexpected content');
      }
      this.stored = s;
    } catch (e) {
      this.problem = `the cache ${this.shown} could not be read (${(e as Error).message}); every rule runs again and it is rebuilt`;
    }
  }

  /** `dir`: the cache folder chosen (`--cache-dir`), else `<root>/.comply/cache` */
  static open(root: string, key: string, fresh = false, dir?: string): ResultsCache {
    return new ResultsCache(root, key, fresh, dir);
  }

  /**
   * What can be reused for a scan with this layout, these rows and these contents (one per workspace file; a content
   * undefined when not known); undefined when nothing can.
   */
  reuse(layout: string, paths: string, rows: readonly string[], contents: readonly (string | undefined)[]): Reuse | undefined {
    const s = this.stored;
    if (!s || s.layout !== layout) return undefined;
    const str = s.strings;
    const unpack = (p: PackedFinding): StoredFinding => {
      const [rule, severity, path, line, column, subject, message, related, help] = p;
      const out: StoredFinding = [str[rule]!, str[severity]!, str[path]!, line, column, str[subject]!, str[message]!, related, help < 0 ? 0 : str[help]!];
      if (out.some((x) => x === undefined)) throw new Error('a finding names a string that is not there');
      return out;
    };
    try {
      for (const [path, hash] of s.inputs) if (inputHash(this.root, path) !== hash) return undefined;
      const pathOf = (row: string): string => row.slice(0, row.indexOf('\t'));
      const at = new Map<string, number>(s.rows.map((r, j) => [pathOf(r), j]));
      const changed = new Set<string>();
      const present = new Set<string>();
      const moved: Moved = { modules: new Set(), script: false };
      let anyMoved = false;
      const move = (row: string): void => {
        const [, language, , , module] = row.split('\t');
        anyMoved = true;
        if (module !== undefined && module !== '\x01') moved.modules.add(module);
        if (language !== 'python') moved.script = true;
      };
      rows.forEach((row, i) => {
        const path = pathOf(row);
        present.add(path);
        const j = at.get(path);
        if (j === undefined || s.rows[j] !== row) {
          move(row);
          if (j !== undefined) move(s.rows[j]!);
          changed.add(path);
        } else if (contents[i] === undefined || contents[i] !== s.contents[j]) changed.add(path);
      });
      for (const [path, j] of at) if (!present.has(path)) move(s.rows[j]!);
      return {
        changed,
        moved: anyMoved ? moved : undefined,
        file: s.file.map(unpack).filter((f) => present.has(f[2]) && !changed.has(f[2])),
        project: s.project.map(unpack),
        previous: (path) => {
          const j = at.get(path);
          return j === undefined ? null : s.contents[j]!;
        },
        pathsChanged: s.paths !== paths,
        inputs: s.inputs,
      };
    } catch {
      return undefined; // damaged: every rule runs again, and the file is rewritten
    }
  }

  /** Store this scan's results; never throws (a cache is optional), returns a problem to note instead. */
  save(
    layout: string,
    paths: string,
    inputs: Map<string, string | null>,
    rows: readonly string[],
    contents: readonly (string | undefined)[],
    file: StoredFinding[],
    project: StoredFinding[],
  ): string | undefined {
    const strings: string[] = [];
    const ids = new Map<string, number>();
    const id = (x: string): number => {
      let k = ids.get(x);
      if (k === undefined) {
        ids.set(x, (k = strings.length));
        strings.push(x);
      }
      return k;
    };
    const pack = (f: StoredFinding): PackedFinding => [id(f[0]), id(f[1]), id(f[2]), f[3], f[4], id(f[5]), id(f[6]), f[7], f[8] === 0 ? -1 : id(f[8])];
    const data: Stored = {
      format: FORMAT,
      key: this.key,
      layout,
      paths,
      inputs: [...inputs].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      rows,
      contents: contents.map((c) => c ?? null),
      strings,
      file: file.map(pack),
      project: project.map(pack),
    };
    try {
      writeFileAtomic(this.file, JSON.stringify(data));
      return undefined;
    } catch (e) {
      return `the cache ${this.shown} could not be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the next scan runs every rule again`;
    }
  }
}

export function storeFinding(f: RuleFinding): StoredFinding {
  return [f.rule, f.severity, f.path, f.line, f.column, f.subject, f.message, f.related ?? 0, f.help ?? 0];
}

export function loadFinding(s: StoredFinding): RuleFinding {
  const [rule, severity, path, line, column, subject, message, related, help] = s;
  return { rule, severity: severity as RuleFinding['severity'], path, line, column, subject, message, ...(help ? { help } : {}), ...(related ? { related } : {}) };
}
