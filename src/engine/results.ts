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
 * development never reuses findings it did not make. A stale or foreign file misses. The file is untrusted input:
 * `{"sha256": <hash of the body's bytes>, "body": ...}`, so a file cut short or damaged fails its checksum; the body
 * is checked for its shape, and every reused finding field by field (a known rule, a severity, a path in the tree,
 * lines and columns), so no stored value reaches a report that a rule could not have made. One that fails is
 * ignored with a note and rewritten. (A crafted file can pass all that: cache-store.ts decides which caches are read
 * at all.) Paths are JSON strings, never split on a delimiter: a file name may hold a tab or a newline. Written
 * atomically, never through a link.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Severity } from '../config/load.js';
import { asciiJson, jsonText } from '../util/escape.js';
import { CONFIG_MAX_BYTES, readContained } from '../util/safe-fs.js';
import type { Workspace } from '../workspace/workspace.js';
import { CACHE_DIR, CacheWriteError, type CacheStore } from './cache-store.js';
import type { ScannedFile } from './index.js';
import type { ConceptEntry, FindingInput, Location } from './rule.js';

export const RESULTS_FILE = `${CACHE_DIR}/results.json`;
const FORMAT = 7;
/** a path in comply's own state folder (`.comply/` at any depth) */
const isOwnState = (p: string): boolean => p.startsWith('.comply/') || p.includes('/.comply/');
/** the file's bytes: this, the body's SHA-256 in hex, `","body":`, the body, `}` */
const PREFIX = '{"sha256":"';
const BODY_AT = PREFIX.length + 64 + '","body":'.length;
const SEVERITIES: ReadonlySet<unknown> = new Set<Severity>(['info', 'warning', 'error']);
const BLOB_ID = /^[0-9a-f]{40}$/;
const FINGERPRINT = /^[0-9a-f]{20}$/;

/** A finding as the rules reported it, before suppressions: [rule, severity, path, line, column, subject, message,
 * related (0: none), help (0: none), fingerprint]. Category, service and test status are the rule's and the file's,
 * filled in again. The fingerprint is kept: a reused finding is reused with every finding of its rule in its file
 * (file-scope rules: the file is unchanged; the others: the rule is), so its rank among them, which the fingerprint
 * counts, is the same (scan.ts, fingerprint). */
export type StoredFinding = [string, string, string, number, number, string, string, (Location & { message?: string })[] | 0, string | 0, string];
/** The same in the file: the strings as indexes into `strings` (35k findings of the netra tree hold 2.5k distinct
 * messages: 11 MB as plain tuples, a fifth of it this way) */
type PackedFinding = [number, number, number, number, number, number, number, (Location & { message?: string })[] | 0, number, string];

/** a reported finding, as the engine completes it (the fields the store needs) */
export type RuleFinding = FindingInput & { rule: string; severity: Exclude<Severity, 'off'>; fingerprint: string };

interface Stored {
  format: number;
  key: string;
  layout: string;
  /** the path list's key */
  paths: string;
  /** tsconfig/jsconfig files resolution looked for: path → sha1 of the content, or null when there was none */
  inputs: [string, string | null][];
  /** each source file's path, its row (fileRow), and its content (its blob id; null: not known, unreadable) */
  names: readonly string[];
  rows: readonly string[];
  contents: (string | null)[];
  /** the strings of the findings, each once */
  strings: string[];
  /** findings of file-scope rules, and of the other rules */
  file: PackedFinding[];
  project: PackedFinding[];
  /** the SSOT inventory of rules that record one (`meta.inventory`), by rule */
  concepts: StoredConcept[];
  /** each file named like a test module that was decided (test support when only tests import it): its index in
   * names, then the indices of the files that import it */
  tests: number[][];
}

/** an inventory entry as stored: the rule that recorded it, and the entry */
export type StoredConcept = [string, ConceptEntry];

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
  /** stored inventory entries (reused with their rule's findings) */
  concepts: StoredConcept[];
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

/** A source file's row besides its path, as JSON: language, service, test status, module name, package init. A
 * scan makes each file's row once, for reuse() and save(). */
export function fileRow(f: ScannedFile): string {
  // what JSON.stringify makes of the array [language, service or null, test 0/1, module name or null, init 0/1],
  // written out: one string per file instead of an array and its serialisation (11.7k files on every scan)
  const str = (v: string | undefined): string => (v === undefined ? 'null' : JSON.stringify(v));
  return `[${JSON.stringify(f.language)},${str(f.service)},${f.test ? 1 : 0},${str(f.moduleName)},${f.isPackageInit ? 1 : 0}]`;
}

/** The list of every path in the tree, but comply's own state (.comply/: the caches a scan writes, the ledger),
 * joined by NUL: the one byte no path holds. */
export function pathsKey(workspace: Workspace): string {
  return sha1(workspace.allPaths.filter((p) => !isOwnState(p)).join('\0'));
}

/** What a stored finding must be to be reused: a rule of this scan, a path in the tree. */
export interface FindingCheck {
  rules: ReadonlySet<string>;
  inTree(path: string): boolean;
}

const isCount = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isLocation = (x: unknown): boolean => {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const l = x as Record<string, unknown>;
  return typeof l.path === 'string' && isCount(l.line) && isCount(l.column) && (l.message === undefined || typeof l.message === 'string');
};

const ROLES = new Set(['owner-direct', 'owner-composed', 'consumer', 'transient']);
/** whether a stored inventory entry has the fields and types of one */
function isConcept(x: unknown): x is ConceptEntry {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const e = x as Record<string, unknown>;
  return (
    Object.keys(e).length === 9 &&
    typeof e.concept === 'string' &&
    typeof e.variant === 'string' &&
    (e.service === null || typeof e.service === 'string') &&
    typeof e.name === 'string' &&
    typeof e.path === 'string' &&
    isCount(e.line) &&
    typeof e.role === 'string' &&
    ROLES.has(e.role) &&
    Array.isArray(e.evidence) &&
    e.evidence.every((v) => typeof v === 'string') &&
    typeof e.canonical === 'boolean'
  );
}

/** Whether a parsed body has the shape save() writes (the findings' fields are checked when they are reused). */
function validStored(s: Stored): boolean {
  const packed = (p: unknown): boolean =>
    Array.isArray(p) &&
    p.length === 10 &&
    typeof p[9] === 'string' &&
    FINGERPRINT.test(p[9]) &&
    [0, 1, 2, 5, 6].every((k) => isCount(p[k]) && (p[k] as number) < s.strings.length) &&
    (p[8] === -1 || (isCount(p[8]) && (p[8] as number) < s.strings.length)) &&
    isCount(p[3]) &&
    isCount(p[4]) &&
    (p[7] === 0 || (Array.isArray(p[7]) && p[7].every(isLocation)));
  return (
    typeof s.layout === 'string' &&
    typeof s.paths === 'string' &&
    Array.isArray(s.inputs) &&
    s.inputs.every((i) => Array.isArray(i) && i.length === 2 && typeof i[0] === 'string' && (i[1] === null || typeof i[1] === 'string')) &&
    Array.isArray(s.names) &&
    Array.isArray(s.rows) &&
    Array.isArray(s.contents) &&
    s.names.length === s.rows.length &&
    s.rows.length === s.contents.length &&
    s.names.every((n) => typeof n === 'string') &&
    s.rows.every((r) => typeof r === 'string') &&
    s.contents.every((c) => c === null || (typeof c === 'string' && BLOB_ID.test(c))) &&
    Array.isArray(s.strings) &&
    s.strings.every((x) => typeof x === 'string') &&
    Array.isArray(s.file) &&
    Array.isArray(s.project) &&
    s.file.every(packed) &&
    s.project.every(packed) &&
    Array.isArray(s.concepts) &&
    s.concepts.every((c) => Array.isArray(c) && c.length === 2 && typeof c[0] === 'string' && isConcept(c[1])) &&
    Array.isArray(s.tests) &&
    s.tests.every((t) => Array.isArray(t) && t.length >= 1 && t.every((i) => isCount(i) && (i as number) < s.names.length))
  );
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
  /** why the stored results were not used, for a note (set when read, or when a stored finding fails its check) */
  problem: string | undefined;

  private constructor(
    private readonly store: CacheStore,
    private readonly root: string,
    private readonly key: string,
    fresh: boolean,
  ) {
    if (fresh) return;
    try {
      this.stored = decodeResults(store.read('results.json'), key);
    } catch (e) {
      this.problem = `the cache ${this.store.shown('results.json')} could not be read (${(e as Error).message}); every rule runs again and it is rebuilt`;
    }
  }

  /** the results in `store`, for a scan of `root` */
  static open(store: CacheStore, root: string, key: string, fresh = false): ResultsCache {
    return new ResultsCache(store, root, key, fresh);
  }

  private inputsChecked: boolean | undefined;
  /** whether every resolution input (tsconfig, runner config) has the content the stored results were found with
   * (read once a scan) */
  private inputsSame(): boolean {
    return (this.inputsChecked ??= this.stored?.inputs.every(([path, hash]) => inputHash(this.root, path) === hash) ?? false);
  }

  /**
   * Who imported each file named like a test module at the stored scan, when nothing that decides it changed but
   * contents (the same layout, path list, inputs, and rows but for the test status of the files `open` names: their
   * row were they test code), and the files whose content changed since (by index). A test-named file's importers
   * are then the stored ones that did not change and the changed ones that import it now: deciding whether it is
   * test support need not read every file's imports (with nothing changed, it reads none).
   */
  testHistory(layout: string, paths: string, names: readonly string[], rows: readonly string[], contents: readonly (string | undefined)[], open: (i: number) => string | undefined): { changed: Set<number>; importers: Map<number, number[]> } | undefined {
    const s = this.stored;
    if (!s || s.layout !== layout || s.paths !== paths || s.names.length !== names.length || !this.inputsSame()) return undefined;
    const changed = new Set<number>();
    for (let i = 0; i < names.length; i++) {
      if (s.names[i] !== names[i]) return undefined;
      const row = s.rows[i]!;
      if (row !== rows[i] && row !== open(i)) return undefined;
      if (contents[i] === undefined || s.contents[i] !== contents[i]) changed.add(i);
    }
    return { changed, importers: new Map(s.tests.map(([i, ...importers]) => [i!, importers])) };
  }

  /**
   * What can be reused for a scan with this layout, these files (paths, rows, contents: one per workspace file; a
   * content undefined when not known); undefined when nothing can. Every stored finding is checked (`check`): one
   * that no rule of this scan could have reported drops them all, with a note.
   */
  reuse(layout: string, paths: string, names: readonly string[], rows: readonly string[], contents: readonly (string | undefined)[], check: FindingCheck): Reuse | undefined {
    const s = this.stored;
    if (!s || s.layout !== layout) return undefined;
    const str = s.strings;
    // (by index: 35k findings, and destructuring allocates in code that runs once)
    const unpack = (p: PackedFinding): StoredFinding => {
      const out: StoredFinding = [str[p[0]]!, str[p[1]]!, str[p[2]]!, p[3], p[4], str[p[5]]!, str[p[6]]!, p[7], p[8] < 0 ? 0 : str[p[8]]!, p[9]];
      if (!check.rules.has(out[0]) || !SEVERITIES.has(out[1]) || !check.inTree(out[2])) {
        throw new Error(`a stored finding (${JSON.stringify(out.slice(0, 3))}) is not one a rule of this scan reports`);
      }
      return out;
    };
    try {
      if (!this.inputsSame()) return undefined;
      // the common case, no file added or removed: the stored files are these, in this order (each file's stored
      // index is its own), and no map of paths is needed
      const same = s.names.length === names.length && names.every((p, i) => p === s.names[i]);
      let byName: Map<string, number> | undefined;
      const at = (): Map<string, number> => (byName ??= new Map<string, number>(s.names.map((p, j) => [p, j])));
      const changed = new Set<string>();
      const present = same ? undefined : new Set(names);
      const moved: Moved = { modules: new Set(), script: false };
      let anyMoved = false;
      const move = (row: string): void => {
        const parsed = JSON.parse(row) as unknown[];
        anyMoved = true;
        if (typeof parsed[3] === 'string') moved.modules.add(parsed[3]);
        if (parsed[0] !== 'python') moved.script = true;
      };
      for (let i = 0; i < rows.length; i++) {
        const path = names[i]!;
        const j = same ? i : at().get(path);
        if (j === undefined || s.rows[j] !== rows[i]) {
          move(rows[i]!);
          if (j !== undefined) move(s.rows[j]!);
          changed.add(path);
        } else if (contents[i] === undefined || contents[i] !== s.contents[j]) changed.add(path);
      }
      if (present) for (const [path, j] of at()) if (!present.has(path)) move(s.rows[j]!);
      const project = s.project.map(unpack);
      for (const [rule, e] of s.concepts) {
        if (!check.rules.has(rule) || !check.inTree(e.path)) throw new Error(`a stored inventory entry (${JSON.stringify([rule, e.path])}) is not one a rule of this scan records`);
      }
      const file: StoredFinding[] = [];
      for (const packed of s.file) {
        const f = unpack(packed);
        if ((!present || present.has(f[2])) && !changed.has(f[2])) file.push(f);
      }
      return {
        changed,
        moved: anyMoved ? moved : undefined,
        file,
        project,
        concepts: s.concepts,
        previous: (path) => {
          const j = at().get(path);
          return j === undefined ? null : s.contents[j]!;
        },
        pathsChanged: s.paths !== paths,
        inputs: s.inputs,
      };
    } catch (e) {
      // damaged or crafted: every rule runs again, and the file is rewritten
      this.problem = `the cache ${this.store.shown('results.json')} could not be used (${(e as Error).message}); every rule runs again and it is rebuilt`;
      return undefined;
    }
  }

  /** Store this scan's results; never throws (a cache is optional), returns a problem to note instead. */
  save(
    layout: string,
    paths: string,
    inputs: Map<string, string | null>,
    names: readonly string[],
    rows: readonly string[],
    contents: readonly (string | undefined)[],
    file: StoredFinding[],
    project: StoredFinding[],
    concepts: StoredConcept[],
    tests: number[][],
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
    const pack = (f: StoredFinding): PackedFinding => [id(f[0]), id(f[1]), id(f[2]), f[3], f[4], id(f[5]), id(f[6]), f[7], f[8] === 0 ? -1 : id(f[8]), f[9]];
    const data: Stored = {
      format: FORMAT,
      key: this.key,
      layout,
      paths,
      inputs: [...inputs].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      names,
      rows,
      contents: contents.map((c) => c ?? null),
      strings,
      file: file.map(pack),
      project: project.map(pack),
      concepts,
      tests,
    };
    try {
      this.store.write('results.json', encodeResults(data));
      return undefined;
    } catch (e) {
      if (e instanceof CacheWriteError) return e.message;
      return `the cache ${this.store.shown('results.json')} could not be written (${(e as Error).message}); the next scan runs every rule again`;
    }
  }
}

function encodeResults(data: Stored): Buffer {
  const body = asciiJson(data);
  return Buffer.concat([Buffer.from(`${PREFIX}${createHash('sha256').update(body).digest('hex')}","body":`), body, Buffer.from('}')]);
}

/**
 * The stored results in a results file's bytes: undefined when there are none or another comply wrote them (rebuilt
 * silently); throws when they are cut short, damaged or not of their shape.
 */
export function decodeResults(buf: Buffer | undefined, key: string): Stored | undefined {
  if (buf === undefined) return undefined;
  if (buf.toString('latin1', 0, PREFIX.length) !== PREFIX) {
    // the format before checksums: another version, rebuilt silently; anything else is damaged
    let old: unknown;
    try {
      old = JSON.parse(buf.toString('utf8'));
    } catch {
      throw new Error('not a comply results cache');
    }
    if (typeof old === 'object' && old !== null && typeof (old as Stored).format === 'number' && (old as Stored).format < FORMAT) return undefined;
    throw new Error('not a comply results cache');
  }
  const sum = buf.toString('latin1', PREFIX.length, PREFIX.length + 64);
  const body = buf.subarray(BODY_AT, buf.length - 1);
  if (buf.length < BODY_AT + 1 || buf.toString('latin1', PREFIX.length + 64, BODY_AT) !== '","body":' || buf[buf.length - 1] !== 0x7d || createHash('sha256').update(body).digest('hex') !== sum) {
    throw new Error('it does not match its checksum: cut short or damaged');
  }
  let s: Stored;
  try {
    s = JSON.parse(jsonText(body)) as Stored;
  } catch {
    throw new Error('its body does not parse');
  }
  if (typeof s !== 'object' || s === null) throw new Error('not of the expected shape');
  if (s.format !== FORMAT || s.key !== key) return undefined; // another version of comply: rebuilt silently
  if (!validStored(s)) throw new Error('not of the expected shape');
  return s;
}

export function storeFinding(f: RuleFinding): StoredFinding {
  return [f.rule, f.severity, f.path, f.line, f.column, f.subject, f.message, f.related ?? 0, f.help ?? 0, f.fingerprint];
}

export function loadFinding(s: StoredFinding): RuleFinding {
  const f: RuleFinding = { rule: s[0], severity: s[1] as RuleFinding['severity'], path: s[2], line: s[3], column: s[4], subject: s[5], message: s[6], fingerprint: s[9] };
  if (s[8]) f.help = s[8];
  if (s[7]) f.related = s[7];
  return f;
}
