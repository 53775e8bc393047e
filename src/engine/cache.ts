/**
 * The facts cache (`.comply/cache/`, never committed): a file whose path, size and modification time are unchanged
 * is not even read again, and a changed file whose content was seen before (a branch switch, the staged copy of a
 * file) is not parsed again. Facts depend only on a file's content and on what the key records (comply's version,
 * the facts format, the file's module name), so a stale or foreign cache can only miss, never mislead.
 *
 * Content is identified by git's blob id (SHA-1 of `blob <size>\0<bytes>`), so a `--staged` scan can look files
 * up by the ids `git ls-files -s` prints, without reading or even stat-ing the work tree.
 *
 * `facts.bin`: a header line, the large facts (imports, declarations, mocks, functions, suppressions, mock notes) as JSON byte
 * ranges, one region per kind, then one line of JSON with an entry per path (size, mtime, blob id, the small
 * facts and the lengths of its ranges). They are parsed only when a rule first reads them, so a scan pays for the facts it uses: a `--staged`
 * scan reads the imports and declarations its rules need, never the mock sites of files it does not report on.
 * Ranges of unchanged files are copied byte for byte when the cache is written again. A scan that changed few
 * files writes them to `facts.journal` (same format) instead, valid only with the `facts.bin` it was written
 * against. Both are written atomically (through cache-store.ts: never through a link).
 *
 * A cache file is untrusted input, checked before anything in it is used: the header holds a SHA-256 of the meta
 * line, and the meta line one of each MiB block of the body, so truncation and corruption are caught where they
 * matter without hashing 200 MB on every warm scan (a block is verified when a fact in it is first parsed,
 * searched or copied into a new cache file). Every entry and every decoded fact is checked for its shape. A file
 * that fails is ignored with a note and rebuilt (a block found damaged later makes the scan start over without
 * the cache); another version's is rebuilt silently. Whether a cache is read at all (a cache that came with the
 * checkout never is) is cache-store.ts's decision.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeSync, writevSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { WorkspaceFile } from '../workspace/workspace.js';
import { CACHE_DIR, CacheWriteError, type CacheStore } from './cache-store.js';
import type { DeclarationFact, FileFacts, FunctionFact, ImportFact, ImportForm, MockFact, MockNote, ParseDiagnostic, SuppressionFact, UnitFact, UseDest } from '../facts/facts.js';
import { asciiJson, jsonText } from '../util/escape.js';
import type { OpenedFile } from '../util/safe-fs.js';

/** bump when extraction changes what it produces */
export const FACTS_VERSION = 10;
export { CACHE_DIR };
export const CACHE_FILE = `${CACHE_DIR}/facts.bin`;

/**
 * The first line: the format, where the meta line starts (fixed width, written last) and the SHA-256 of the meta
 * line, which holds the hashes of the body's blocks.
 */
const HEADER = 'comply facts cache 6 ';
const HEADER_LENGTH = HEADER.length + 16 + 1 + 64 + 1;
/** the body is hashed in blocks of this many bytes */
const BLOCK = 1 << 20;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** the facts kept as byte ranges, parsed on first use */
const SECTIONS = ['imports', 'declarations', 'mocks', 'functions', 'suppressions', 'mockNotes', 'units'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * How the three largest kinds of facts are stored: as arrays rather than objects (half the bytes to read and to
 * parse on every warm scan: 117k imports in 54c8), decoded to the same objects an adapter makes. An import's
 * forms keep their order (messages list them), as a comma-joined string; equal lists decode to one shared,
 * frozen array.
 */
type Codec = { encode(fact: never): unknown[]; decode(row: unknown[]): unknown };
/** A row or fact of the wrong shape: the cache is damaged (or crafted), never passed on to a rule. */
class Shape extends Error {}
const str = (x: unknown): string => {
  if (typeof x !== 'string') throw new Shape();
  return x;
};
/** a line, a column, a count */
const count = (x: unknown): number => {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new Shape();
  return x;
};
const strings = (x: unknown): string[] => {
  if (!Array.isArray(x)) throw new Shape();
  for (const s of x) str(s);
  return x as string[];
};
const IMPORT_FORMS: ReadonlySet<string> = new Set<ImportForm>(['top-level', 'function', 'try-import', 'type-checking', 'type-only', 're-export', 'dynamic', 'mock-target']);
const UNIT_KINDS: ReadonlySet<unknown> = new Set<UnitFact['kind']>(['class', 'function', 'module']);
const DESTS: ReadonlySet<unknown> = new Set<UseDest>(['self', 'global', 'return', 'handout', 'local', 'type']);
const STUBS: ReadonlySet<unknown> = new Set<FunctionFact['stub']>(['pass', 'ellipsis', 'not-implemented', 'todo-return']);
const formLists = new Map<string, readonly ImportForm[]>();
const formsOf = (joined: unknown): ImportForm[] => {
  let forms = formLists.get(str(joined));
  if (!forms) {
    const list = joined === '' ? [] : (joined as string).split(',');
    if (!list.every((f) => IMPORT_FORMS.has(f))) throw new Shape();
    formLists.set(joined as string, (forms = Object.freeze(list as ImportForm[])));
  }
  return forms as ImportForm[];
};
const CODECS: Partial<Record<Section, Codec>> = {
  imports: {
    encode: (i: ImportFact) => [i.module, i.names, i.line, i.column, i.forms.join(',')],
    decode: (r) => {
      if (r.length !== 5) throw new Shape();
      return { module: str(r[0]), names: strings(r[1]), line: count(r[2]), column: count(r[3]), forms: formsOf(r[4]) } satisfies ImportFact;
    },
  },
  functions: {
    encode: (f: FunctionFact) =>
      f.api
        ? [f.name, f.line, f.endLine, f.stub ?? 0, f.abstract ? 1 : 0, f.intent ?? 0, f.params ?? -1, f.api]
        : f.stub
          ? [f.name, f.line, f.endLine, f.stub, f.abstract ? 1 : 0, f.intent ?? 0, f.params ?? -1]
          : f.abstract
            ? [f.name, f.line, f.endLine, 0, 1]
            : [f.name, f.line, f.endLine],
    decode: (r) => {
      if (
        r.length < 3 ||
        r.length > 8 ||
        (r.length > 3 && r[3] !== 0 && !STUBS.has(r[3])) ||
        (r.length > 4 && r[4] !== 0 && r[4] !== 1) ||
        (r.length > 5 && r[5] !== 0 && r[5] !== 'placeholder' && r[5] !== 'deliberate') ||
        (r.length > 6 && !(Number.isInteger(r[6]) && (r[6] as number) >= -1)) ||
        (r.length > 7 && !(Array.isArray(r[7]) && r[7].every((x) => typeof x === 'string')))
      ) {
        throw new Shape();
      }
      const f: FunctionFact = { name: str(r[0]), line: count(r[1]), endLine: count(r[2]) };
      if (r[3]) f.stub = r[3] as FunctionFact['stub'];
      if (r[4]) f.abstract = true;
      if (r[5]) f.intent = r[5] as FunctionFact['intent'];
      if (typeof r[6] === 'number' && r[6] >= 0) f.params = r[6];
      if (r[7]) f.api = r[7] as string[];
      return f;
    },
  },
  mocks: {
    encode: (m: MockFact) => [m.kind, m.call, m.target ?? 0, m.line, m.column, m.notes ?? -1],
    // in the key order of an adapter's object
    decode: (r) => {
      if (r.length !== 6 || (r[2] !== 0 && typeof r[2] !== 'string')) throw new Shape();
      return {
        kind: str(r[0]),
        call: str(r[1]),
        ...(r[2] !== 0 ? { target: r[2] as string } : {}),
        line: count(r[3]),
        column: count(r[4]),
        ...(r[5] !== -1 ? { notes: count(r[5]) } : {}),
      } satisfies MockFact;
    },
  },
};

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const optional = (x: unknown, check: (v: unknown) => unknown): void => {
  if (x !== undefined) check(x);
};
const bool = (x: unknown): boolean => {
  if (typeof x !== 'boolean') throw new Shape();
  return x;
};
/** the facts stored as objects, checked field by field (what the adapters make: facts.ts) */
const CHECKS: Partial<Record<Section, (x: unknown) => void>> = {
  declarations: (d) => {
    if (!isObject(d)) throw new Shape();
    str(d.name);
    str(d.kind);
    count(d.line);
    count(d.column);
    strings(d.bases);
    strings(d.decorators);
    bool(d.exported);
    optional(d.aliasOf, str);
    optional(d.typeText, str);
    optional(d.hash, str);
    if (!Array.isArray(d.members)) throw new Shape();
    for (const m of d.members) {
      if (!isObject(m)) throw new Shape();
      str(m.name);
      str(m.type);
      optional(m.optional, bool);
      optional(m.kind, str);
      optional(m.value, str);
      optional(m.alias, str);
      optional(m.hash, str);
    }
  },
  mockNotes: (x) => {
    if (!isObject(x)) throw new Shape();
    strings(x.texts);
    optional(x.parent, count);
  },
  units: (u) => {
    if (!isObject(u) || !UNIT_KINDS.has(u.kind) || !Array.isArray(u.uses)) throw new Shape();
    str(u.name);
    count(u.line);
    count(u.column);
    for (const x of u.uses) {
      if (!isObject(x) || !DESTS.has(x.to) || (x.ref !== undefined && x.ref !== true)) throw new Shape();
      str(x.name);
      count(x.line);
      optional(x.target, str);
      optional(x.scheme, str);
      optional(x.key, str);
    }
    if (u.urls !== undefined) {
      if (!Array.isArray(u.urls)) throw new Shape();
      for (const x of u.urls) {
        if (!isObject(x)) throw new Shape();
        str(x.url);
        count(x.line);
        optional(x.call, str);
        optional(x.via, str);
        if (x.base !== undefined && x.base !== true) throw new Shape();
      }
    }
    optional(u.schemes, strings);
    if (u.oauth !== undefined && u.oauth !== true) throw new Shape();
  },
  suppressions: (x) => {
    if (!isObject(x)) throw new Shape();
    strings(x.rules);
    str(x.reason);
    count(x.line);
    count(x.target);
  },
};

function diagnostics(x: unknown): ParseDiagnostic[] {
  if (!Array.isArray(x)) throw new Shape();
  for (const d of x) {
    if (!isObject(d)) throw new Shape();
    str(d.message);
    count(d.line);
    count(d.column);
  }
  return x as ParseDiagnostic[];
}

function encodeSection(s: Section, list: unknown[]): string {
  const codec = CODECS[s];
  return JSON.stringify(codec ? list.map((x) => codec.encode(x as never)) : list);
}

/** A stored section's facts, or undefined when they do not parse or are not of the shape an adapter makes. */
function decodeSection(s: Section, text: string): unknown[] | undefined {
  try {
    const rows = JSON.parse(text) as unknown;
    if (!Array.isArray(rows)) return undefined;
    const codec = CODECS[s];
    if (!codec) {
      const check = CHECKS[s]!;
      for (const row of rows) check(row);
      return rows;
    }
    for (let i = 0; i < rows.length; i++) {
      if (!Array.isArray(rows[i])) return undefined;
      rows[i] = codec.decode(rows[i] as unknown[]);
    }
    return rows;
  } catch {
    return undefined;
  }
}

/** Stored facts that fail their checksum or do not parse: found when a rule first reads them (or when they are
 * copied into a new cache file), so the scan starts over without the cache. */
export class DamagedCacheError extends Error {}

/**
 * One file in the cache's meta line, as a tuple (the meta line of a large repo is parsed on every scan):
 * [path, size, mtimeMs, blob id, module key, moduleName (null: none, 1: the module key's), testDefinitions,
 *  physical lines, code lines, diagnostics, generated (1: a comment says a tool wrote it), then the byte length
 *  of each section in SECTIONS order]. The body
 * holds one region per section (every file's imports, then every file's declarations, ...), each region's bytes
 * in entry order: offsets are running sums of lengths, and a search of the imports reads only their region.
 */
type StoredEntry = [string, number, number, string, string, string | null | 1, number, number, number, ParseDiagnostic[], 0 | 1, ...number[]];
const FIXED = 11;

interface Stored {
  key: string;
  /** facts.bin: its id, which a journal names */
  id?: string;
  /** facts.journal: the id of the facts.bin it applies to */
  base?: string;
  /** the SHA-256 of each BLOCK of the body */
  blocks: string[];
  entries: StoredEntry[];
}

/** Stored facts' bytes: a cache file's body, or one file's facts a worker packed (`trusted`). Per section, its
 * region and the offset of each entry's bytes (by entry number). */
interface Layout {
  body: Buffer;
  regions: [number, number][];
  offsets: Float64Array[];
  /** how messages name the file */
  shown: string;
  /** the SHA-256 of each block of the body, and which blocks were found to match */
  blocks: string[];
  verified: Uint8Array;
  /** bytes this process made (a worker's packed facts): nothing to check */
  trusted?: boolean;
}

/** The bytes of section `k` of the entry `at` (its `tuple`) of a layout, once checked. */
function sectionBytes(layout: Layout, at: number, tuple: StoredEntry, k: number): Buffer {
  const off = layout.offsets[k]![at]!;
  const end = off + (tuple[FIXED + k] as number);
  verify(layout, off, end);
  return layout.body.subarray(off, end);
}

/** Check the blocks of `body[from, to)` against their hashes, once each: a DamagedCacheError when one differs. */
function verify(layout: Layout, from: number, to: number): void {
  if (to <= from || layout.trusted) return;
  for (let b = Math.floor(from / BLOCK), last = Math.floor((to - 1) / BLOCK); b <= last; b++) {
    if (layout.verified[b]) continue;
    if (sha256(layout.body.subarray(b * BLOCK, Math.min(layout.body.length, (b + 1) * BLOCK))) !== layout.blocks[b]) {
      throw new DamagedCacheError(`${layout.shown} does not match its checksum at byte ${HEADER_LENGTH + b * BLOCK}`);
    }
    layout.verified[b] = 1;
  }
}

/** an entry in memory: stored ranges into the body read from disk, or facts from this scan */
interface Entry {
  size: number;
  mtimeMs: number;
  hash: string;
  module: string;
  /** its tuple in the meta line, and its place in the body (read lazily: most are never used) */
  stored?: { tuple: StoredEntry; at: number; layout: Layout };
  facts?: FileFacts;
}

const codeHashes = new Map<string, string>();

/** A hash of the code in these folders (relative to this one) and of these files in this folder. */
function codeFingerprint(dirs: string[], files: RegExp): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const h = createHash('sha1');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'fixtures') walk(p); // a rule's fixtures are test data, not code
      } else if (/\.[jt]s$/.test(e.name)) h.update(p.slice(here.length)).update(readFileSync(p));
    }
  };
  for (const d of dirs) walk(join(here, d));
  for (const f of readdirSync(here).filter((n) => files.test(n)).sort()) h.update(f).update(readFileSync(join(here, f)));
  return h.digest('hex').slice(0, 16);
}

/** A hash of the code that produces facts (the language adapters and the extraction step, and the version of the
 * TypeScript parser they call), so that any change to it, released or not, invalidates every cache it wrote. */
export function extractorFingerprint(): string {
  let v = codeHashes.get('facts');
  if (!v) codeHashes.set('facts', (v = `${codeFingerprint(['../languages', '../facts'], /^(extract)\.[jt]s$/)}-ts${parserVersion()}`));
  return v;
}

/** The installed typescript package's version, read from its package.json (the 9 MB parser is not loaded). */
function parserVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A hash of the code that produces findings (rules, engine, adapters, workspace, config; the TypeScript parser's
 * version), for the results cache. */
/** what the workspace's reading of runner configs depends on: its code and TypeScript's parser */
export function workspaceFingerprint(): string {
  let v = codeHashes.get('workspace');
  if (!v) codeHashes.set('workspace', (v = `${codeFingerprint(['../workspace'], /^$/)}-ts${parserVersion()}`));
  return v;
}
export function findingsFingerprint(): string {
  let v = codeHashes.get('findings');
  if (!v) codeHashes.set('findings', (v = `${codeFingerprint(['../languages', '../facts', '../workspace', '../config', '../../rules'], /\.[jt]s$/)}-ts${parserVersion()}`));
  return v;
}

/**
 * What besides its content a file's facts depend on: a Python file's module name (relative imports are made
 * absolute with it); for TypeScript and JavaScript, how its name makes the parser read it (`.tsx` and `.ts` parse
 * `<T>x` differently, `.d.ts` declares); the optional facts left out of it (after a NUL). Content is shared only
 * between files of one such key.
 */
const moduleKey = (f: Pick<WorkspaceFile, 'path' | 'language' | 'moduleName' | 'isPackageInit' | 'omit'>): string =>
  `${f.language === 'python' ? `${f.moduleName ?? ''}${f.isPackageInit ? '/' : ''}` : `:${scriptKey(f.path)}`}${f.omit ? `\0${f.omit.join(',')}` : ''}`;

/** the module name a Python file's key records */
const keyModuleName = (key: string): string => key.split('\0', 1)[0]!.replace(/\/$/, '');

function scriptKey(path: string): string {
  if (/\.d\.[mc]?ts$/.test(path)) return 'd.ts';
  const ext = path.slice(path.lastIndexOf('.') + 1);
  return ext === 'tsx' || ext === 'jsx' ? ext : /^[mc]?js$/.test(ext) ? 'js' : 'ts';
}

/**
 * Facts read from the cache: the small ones at once, each large one parsed from its byte range when first read.
 * JSON.stringify sees plain data (toJSON), like the facts of a freshly parsed file.
 */
class StoredFacts implements FileFacts {
  moduleName?: string;
  testDefinitions: number;
  lines: { physical: number; code: number };
  diagnostics: ParseDiagnostic[];
  generated?: true;
  private readonly parsed: Partial<Record<Section, unknown[]>> = {};

  constructor(
    private readonly path: string,
    private readonly tuple: StoredEntry,
    /** the entry's number in the cache file */
    private readonly at: number,
    /** the cache file's bytes these facts are read from */
    readonly layout: Layout,
  ) {
    if (tuple[5] === 1) this.moduleName = keyModuleName(tuple[4]);
    else if (tuple[5] !== null) this.moduleName = tuple[5];
    this.testDefinitions = tuple[6];
    this.lines = { physical: tuple[7], code: tuple[8] };
    this.diagnostics = tuple[9];
    if (tuple[10] === 1) this.generated = true;
  }

  /** the byte range of a section in `body`, while it is not parsed yet */
  unparsedRange(s: Section): [number, number] | undefined {
    if (this.parsed[s]) return undefined;
    return this.range(SECTIONS.indexOf(s));
  }

  /** a section's bytes as stored (parsed or not: facts are never changed once made) */
  bytesOf(k: number): Buffer {
    return sectionBytes(this.layout, this.at, this.tuple, k);
  }

  private range(k: number): [number, number] {
    const off = this.layout.offsets[k]![this.at]!;
    return [off, off + (this.tuple[FIXED + k] as number)];
  }

  private section<T>(s: Section): T[] {
    let v = this.parsed[s];
    if (!v) {
      const k = SECTIONS.indexOf(s);
      // most sections are empty (a warm scan asks every file for its suppressions): nothing to find or check
      if (this.tuple[FIXED + k] === 0) return (this.parsed[s] = []) as T[];
      v = decodeSection(s, this.bytesOf(k).toString('utf8'));
      if (!Array.isArray(v)) throw new DamagedCacheError(`the facts of ${this.path} in ${this.layout.shown} do not parse`);
      this.parsed[s] = v;
    }
    return v as T[];
  }

  get imports(): ImportFact[] {
    return this.section('imports');
  }
  get declarations(): DeclarationFact[] {
    return this.section('declarations');
  }
  get mocks(): MockFact[] {
    return this.section('mocks');
  }
  get functions(): FunctionFact[] {
    return this.section('functions');
  }
  get suppressions(): SuppressionFact[] {
    return this.section('suppressions');
  }
  get mockNotes(): MockNote[] {
    return this.section('mockNotes');
  }
  get units(): UnitFact[] {
    return this.section('units');
  }

  toJSON(): FileFacts {
    const { moduleName, testDefinitions, lines, diagnostics, generated } = this;
    return {
      imports: this.imports,
      declarations: this.declarations,
      mocks: this.mocks,
      mockNotes: this.mockNotes,
      suppressions: this.suppressions,
      diagnostics,
      ...(moduleName !== undefined ? { moduleName } : {}),
      testDefinitions,
      lines,
      ...(generated ? { generated } : {}),
      functions: this.functions,
      units: this.units,
    };
  }
}

/**
 * A file's facts as the cache stores them: the small ones as they are, the sections as their JSON bytes, one
 * after another in a buffer of their own. A worker thread sends these (the buffer is transferred, not copied):
 * a structured clone of every fact object cost the worker as much as a fifth of its time, and this thread as
 * much again to rebuild them. Here they are read lazily, like the cache's own, and written to it byte for byte.
 */
export interface PackedFacts {
  moduleName: string | null;
  testDefinitions: number;
  lines: { physical: number; code: number };
  diagnostics: ParseDiagnostic[];
  generated: boolean;
  /** each section's byte length, in SECTIONS order */
  lengths: number[];
  bytes: Uint8Array;
}

export function packFacts(f: FileFacts): PackedFacts {
  const texts = SECTIONS.map((s) => {
    const list = f[s] as unknown[];
    return list.length === 0 ? '' : encodeSection(s, list);
  });
  const lengths = texts.map((t) => Buffer.byteLength(t));
  // a buffer of its own (Buffer.from and Buffer.concat may share Node's pool, which cannot be transferred)
  const bytes = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
  const view = Buffer.from(bytes.buffer, 0, bytes.byteLength);
  let at = 0;
  texts.forEach((t, k) => {
    if (t) view.write(t, at, 'utf8');
    at += lengths[k]!;
  });
  return { moduleName: f.moduleName ?? null, testDefinitions: f.testDefinitions, lines: f.lines, diagnostics: f.diagnostics, generated: f.generated === true, lengths, bytes };
}

/** Packed facts as facts: each section parsed when a rule first reads it. */
export function unpackFacts(path: string, p: PackedFacts): FileFacts {
  const body = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  const regions: [number, number][] = [];
  let at = 0;
  for (const n of p.lengths) {
    regions.push([at, at + n]);
    at += n;
  }
  const layout: Layout = {
    body,
    regions,
    offsets: regions.map(([from]) => Float64Array.of(from)),
    shown: `the facts a worker thread made of ${path}`,
    blocks: [],
    verified: new Uint8Array(0),
    trusted: true,
  };
  const tuple: StoredEntry = [path, 0, 0, '', '', p.moduleName, p.testDefinitions, p.lines.physical, p.lines.code, p.diagnostics, p.generated ? 1 : 0, ...p.lengths];
  return new StoredFacts(path, tuple, 0, layout);
}

/**
 * Which files' imports may take a name (`from m import name`, `import { name }`): false only for cached facts
 * whose imports are not parsed yet and whose bytes do not hold the name as a JSON string. A scan of a few files
 * (--staged) asks this to count a type's importers without parsing every file's imports: one search through the
 * cache's bytes per name instead of 100k import objects.
 */
export class ImportNameSearch {
  /** per cache file: the unparsed import ranges by start (one content can be shared by several files) */
  private readonly layouts = new Map<Layout, { starts: number[]; ranges: Map<number, { end: number; files: number[] }> }>();
  private readonly unknown: boolean[];
  /** how many files' imports are not in the cache's bytes (parsed already, or facts of this scan, a worker's packed
   * ones included: one search each would cost more than reading them): a search says "may" of each of them */
  readonly unsearched: number;

  constructor(all: FileFacts[]) {
    this.unknown = all.map(() => true);
    let searched = 0;
    all.forEach((f, i) => {
      if (!(f instanceof StoredFacts) || f.layout.trusted) return;
      const range = f.unparsedRange('imports');
      if (!range) return;
      this.unknown[i] = false;
      searched++;
      if (range[1] === range[0]) return;
      let l = this.layouts.get(f.layout);
      if (!l) this.layouts.set(f.layout, (l = { starts: [], ranges: new Map() }));
      const r = l.ranges.get(range[0]);
      if (r) r.files.push(i);
      else l.ranges.set(range[0], { end: range[1], files: [i] });
    });
    for (const l of this.layouts.values()) l.starts = [...l.ranges.keys()].sort((a, b) => a - b);
    this.unsearched = all.length - searched;
  }

  /** per file (in the order given): whether its imports may take `name` */
  mayImport(name: string): boolean[] {
    return this.mayHold([JSON.stringify(name)]);
  }

  /** per file (in the order given): whether the JSON of its imports may hold one of these fragments (a module's
   * name as a prefix: `"pkg.mod`) */
  mayHold(fragments: string[]): boolean[] {
    const out = [...this.unknown];
    for (const needle of fragments.map((f) => Buffer.from(f))) this.search(needle, out);
    return out;
  }

  private search(needle: Buffer, out: boolean[]): void {
    for (const [layout, { starts, ranges }] of this.layouts) {
      const [from, to] = layout.regions[0]!; // the imports region
      verify(layout, from, to);
      const region = layout.body.subarray(from, to);
      for (let hit = region.indexOf(needle); hit >= 0; hit = region.indexOf(needle, hit + 1)) {
        const at = from + hit;
        // the last range that starts at or before the hit
        let lo = 0;
        let hi = starts.length - 1;
        let found = -1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          if (starts[mid]! <= at) {
            found = mid;
            lo = mid + 1;
          } else hi = mid - 1;
        }
        if (found < 0) continue;
        const r = ranges.get(starts[found]!)!;
        if (at + needle.length <= r.end) for (const i of r.files) out[i] = true;
      }
    }
  }
}

const BLOB_ID = /^[0-9a-f]{40}$/;
const SHA256 = /^[0-9a-f]{64}$/;

function validEntry(e: unknown): e is StoredEntry {
  try {
    return (
      Array.isArray(e) &&
      e.length === FIXED + SECTIONS.length &&
      typeof e[0] === 'string' &&
      typeof e[1] === 'number' &&
      Number.isSafeInteger(e[1]) &&
      e[1] >= 0 &&
      typeof e[2] === 'number' &&
      Number.isFinite(e[2]) &&
      typeof e[3] === 'string' &&
      BLOB_ID.test(e[3]) &&
      typeof e[4] === 'string' &&
      (e[5] === null || e[5] === 1 || typeof e[5] === 'string') &&
      count(e[6]) >= 0 &&
      count(e[7]) >= 0 &&
      count(e[8]) >= 0 &&
      diagnostics(e[9]) !== undefined &&
      (e[10] === 0 || e[10] === 1) &&
      e.slice(FIXED).every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
    );
  } catch {
    return false;
  }
}

/**
 * Read one cache file: its meta line and its entries, which point into its body. `read(pos, len)` gives its bytes
 * (the header, then the meta line); the body is asked of `body(from, to)` only when facts are first read from it (a
 * warm scan that reuses its results reads none of the 40 MB of a large repo's). Undefined when another comply wrote
 * it (its key differs: its format may too); throws when it is broken (cut short, damaged, not of its shape).
 */
export function decodeFactsCache(
  size: number,
  read: (pos: number, len: number) => Buffer,
  body: (from: number, to: number) => Buffer,
  key: string,
  shown: string,
): { stored: Stored; entries: Map<string, Entry> } | undefined {
  const head = read(0, Math.min(size, HEADER_LENGTH));
  const header = head.toString('latin1', 0, HEADER.length);
  if (header !== HEADER && header.startsWith('comply facts cache ')) return undefined; // another format: rebuilt
  const digits = head.toString('latin1', HEADER.length, HEADER.length + 16);
  const metaAt = Number(digits);
  if (header !== HEADER || size < HEADER_LENGTH || head[HEADER_LENGTH - 1] !== 10 || !/^\d{16}$/.test(digits) || metaAt < HEADER_LENGTH || metaAt > size) {
    throw new Error('not a comply facts cache');
  }
  const meta = read(metaAt, size - metaAt);
  if (sha256(meta) !== head.toString('latin1', HEADER.length + 17, HEADER.length + 17 + 64)) throw new Error('it does not match its checksum: cut short or damaged');
  let stored: Stored;
  try {
    stored = JSON.parse(jsonText(meta)) as Stored;
  } catch {
    throw new Error('its meta line does not parse');
  }
  if (!isObject(stored)) throw new Error('not a comply facts cache');
  if (stored.key !== key) return undefined;
  const bodyLength = metaAt - HEADER_LENGTH;
  if (
    !Array.isArray(stored.entries) ||
    (stored.id !== undefined && typeof stored.id !== 'string') ||
    (stored.base !== undefined && typeof stored.base !== 'string') ||
    !Array.isArray(stored.blocks) ||
    stored.blocks.length !== Math.ceil(bodyLength / BLOCK) ||
    !stored.blocks.every((h) => typeof h === 'string' && SHA256.test(h))
  ) {
    throw new Error('its meta line is not of the expected shape');
  }
  const entries = new Map<string, Entry>();
  const n = stored.entries.length;
  let bytes: Buffer | undefined;
  const layout: Layout = {
    get body(): Buffer {
      return (bytes ??= body(HEADER_LENGTH, metaAt));
    },
    regions: [],
    offsets: SECTIONS.map(() => new Float64Array(n)),
    shown,
    blocks: stored.blocks,
    verified: new Uint8Array(stored.blocks.length),
  };
  let offset = 0;
  for (let k = 0; k < SECTIONS.length; k++) {
    const start = offset;
    const offsets = layout.offsets[k]!;
    for (let i = 0; i < n; i++) {
      const e = stored.entries[i]!;
      if (k === 0 && !validEntry(e)) throw new Error('a broken entry');
      offsets[i] = offset;
      offset += e[FIXED + k] as number;
    }
    layout.regions.push([start, offset]);
  }
  if (offset > bodyLength) throw new Error(`a broken entry: its facts end at byte ${offset} of ${bodyLength}`);
  stored.entries.forEach((e, at) => entries.set(e[0], { size: e[1], mtimeMs: e[2], hash: e[3], module: e[4], stored: { tuple: e, at, layout } }));
  return { stored, entries };
}

/** The SHA-256 of each BLOCK of a body written as a stream of buffers. */
class BlockHasher {
  readonly blocks: string[] = [];
  private hash = createHash('sha256');
  private filled = 0;

  update(b: Buffer): void {
    for (let at = 0; at < b.length; ) {
      const take = Math.min(BLOCK - this.filled, b.length - at);
      this.hash.update(b.subarray(at, at + take));
      this.filled += take;
      at += take;
      if (this.filled === BLOCK) this.end();
    }
  }

  finish(): string[] {
    if (this.filled > 0) this.end();
    return this.blocks;
  }

  private end(): void {
    this.blocks.push(this.hash.digest('hex'));
    this.hash = createHash('sha256');
    this.filled = 0;
  }
}

/**
 * Write one cache file, streaming: a section's bytes go to disk file by file (the cache of a 50k-file repo is
 * 200 MB, and holding it all before writing slowed the end of a cold scan with garbage collection), hashed by
 * block on the way, then the meta line with every entry's lengths and the blocks' hashes, then the header is
 * completed with where the meta line starts and its hash. Stored facts are copied as bytes (their blocks verified
 * first: a damaged byte is never given a new checksum), and so are the facts a worker packed; facts parsed in
 * this thread are written from their objects.
 * Atomic, never through a link: the store writes a temporary file and renames it.
 */
function writeCacheFile(store: CacheStore, name: 'facts.bin' | 'facts.journal', paths: string[], all: Map<string, Entry>, meta: Omit<Stored, 'entries' | 'blocks'>): void {
  store.write(name, (fd) => {
    let pos = 0;
    const hasher = new BlockHasher();
    const put = (chunks: Buffer[], body = true): void => {
      const total = chunks.reduce((n, b) => n + b.length, 0);
      const done = writevSync(fd, chunks, pos);
      // a short write (rare, but allowed) finishes with one buffer
      if (done < total) writeSync(fd, Buffer.concat(chunks).subarray(done), 0, total - done, pos + done);
      pos += total;
      if (body) for (const c of chunks) hasher.update(c);
    };
    put([Buffer.from(`${HEADER}${'0'.repeat(16)} ${'0'.repeat(64)}\n`)], false);
    const lengths = paths.map(() => [] as number[]);
    for (let k = 0; k < SECTIONS.length; k++) {
      let batch: Buffer[] = [];
      let bytesInBatch = 0;
      paths.forEach((path, i) => {
        const e = all.get(path)!;
        let bytes: Buffer;
        if (!e.facts) {
          // facts never read in this scan: their bytes as they are, once checked
          const s = e.stored!;
          bytes = sectionBytes(s.layout, s.at, s.tuple, k);
        } else if (e.facts instanceof StoredFacts) {
          // facts stored (here, under another path) or packed by a worker thread: their bytes
          bytes = e.facts.bytesOf(k);
        } else {
          const list = e.facts![SECTIONS[k]!] as unknown[];
          bytes = list.length === 0 ? Buffer.alloc(0) : Buffer.from(encodeSection(SECTIONS[k]!, list));
        }
        lengths[i]!.push(bytes.length);
        if (bytes.length === 0) return;
        batch.push(bytes);
        bytesInBatch += bytes.length;
        if (batch.length >= 1024 || bytesInBatch >= 1 << 22) {
          put(batch);
          batch = [];
          bytesInBatch = 0;
        }
      });
      if (batch.length > 0) put(batch);
    }
    const entries: StoredEntry[] = paths.map((path, i) => {
      const e = all.get(path)!;
      const s = e.stored;
      if (s && (!e.facts || (e.facts instanceof StoredFacts && e.facts.layout === s.layout))) {
        return [path, e.size, e.mtimeMs, e.hash, e.module, s.tuple[5], s.tuple[6], s.tuple[7], s.tuple[8], s.tuple[9], s.tuple[10], ...lengths[i]!];
      }
      const f = e.facts!;
      const moduleName = f.moduleName === undefined ? null : f.moduleName === keyModuleName(e.module) ? 1 : f.moduleName;
      return [path, e.size, e.mtimeMs, e.hash, e.module, moduleName, f.testDefinitions, f.lines.physical, f.lines.code, f.diagnostics, f.generated ? 1 : 0, ...lengths[i]!];
    });
    const metaAt = pos;
    const line = asciiJson({ ...meta, blocks: hasher.finish(), entries });
    put([line], false);
    writeSync(fd, Buffer.from(`${String(metaAt).padStart(16, '0')} ${sha256(line)}`), 0, 16 + 1 + 64, HEADER.length);
  });
}

/** Up to this many changed files, a scan writes a small journal next to the cache instead of rewriting it. */
const JOURNAL_MAX = 1000;

export class FactsCache {
  private entries = new Map<string, Entry>();
  /** content and module key → entry (one content, e.g. an empty __init__.py, has facts per module name) */
  private byHash = new Map<string, Entry>();
  private readonly seen = new Set<string>();
  /** paths whose entry this scan set (parsed, or known content under a new path or modification time) */
  private readonly touched = new Set<string>();
  private dirty = false;
  /** the cache file's id (a journal applies to the file it was written against), when it was read */
  private baseId: string | undefined;
  /** the layout of the cache file: entries stored elsewhere (the journal, this scan) are the journal's */
  private baseLayout: Layout | undefined;
  /** the cache files read, open until the scan ends: their bodies are read when facts are, from these files even
   * after this scan's save has put new ones at their paths (the old facts of a changed file are compared after) */
  private readonly files: OpenedFile[] = [];
  private closed = false;
  /** why the stored cache was not used, for a note */
  readonly problem: string | undefined;
  hits = 0;

  constructor(
    private readonly store: CacheStore,
    private readonly key: string,
    private readonly writable: boolean,
    /** ignore what is stored (it was found damaged) and write a new cache */
    fresh = false,
  ) {
    const problems: string[] = [];
    /** a cache file decoded, undefined when there is none or another comply wrote it; a note when it is broken */
    const read = (name: 'facts.bin' | 'facts.journal'): ReturnType<typeof decodeFactsCache> => {
      try {
        const shown = store.shown(name);
        // the header and the meta line now; the body when facts are first read from it, from this very file: it
        // stays open until the scan ends (a cache another comply writes meanwhile is another file); read after
        // that, it is opened again and must be the same file, or the facts are damaged for this scan
        const f = store.open(name);
        if (!f) return undefined;
        this.files.push(f);
        const body = (from: number, to: number): Buffer => {
          if (!this.closed) return f.read(from, to - from);
          let again: OpenedFile | undefined;
          try {
            again = store.open(name);
            if (again?.identity === f.identity) return again.read(from, to - from);
          } catch {
            // unreadable now: damaged, below
          } finally {
            again?.close();
          }
          throw new DamagedCacheError(`${shown} changed since this scan read it (another comply wrote it)`);
        };
        try {
          const decoded = decodeFactsCache(f.size, (pos, len) => f.read(pos, len), body, key, shown);
          if (!decoded) f.close(); // another comply's: nothing will be read from it
          return decoded;
        } catch (e) {
          f.close();
          throw e;
        }
      } catch (e) {
        problems.push(`the cache ${store.shown(name)} could not be read (${(e as Error).message}); it is rebuilt`);
        this.dirty = true;
        return undefined;
      }
    };
    if (fresh) this.dirty = true;
    else {
      const base = read('facts.bin');
      if (base && typeof base.stored.id === 'string') {
        this.entries = base.entries;
        this.baseId = base.stored.id;
        this.baseLayout = base.entries.values().next().value?.stored?.layout;
      } else if (base) this.dirty = true; // another comply version or facts format: rebuilt
      if (this.baseId) {
        // a journal written against another facts.bin (a crash between two writes) is stale, not damaged
        const j = read('facts.journal');
        if (j && j.stored.base === this.baseId) for (const [p, e] of j.entries) this.entries.set(p, e);
      }
    }
    this.problem = problems.length > 0 ? problems.join('; ') : undefined;
    for (const e of this.entries.values()) this.byHash.set(`${e.hash}\0${e.module}`, e);
  }

  /** `fresh`: ignore what is stored (it was found damaged) and write a new cache; `python`: the target Python
   * version (its grammar decides the syntax errors a file's facts hold) */
  static open(store: CacheStore, version: string, writable: boolean, fresh = false, python?: string): FactsCache {
    return new FactsCache(store, `comply ${version} facts ${FACTS_VERSION} code ${extractorFingerprint()}${python ? ` python ${python}` : ''}`, writable, fresh);
  }

  /** the facts of content the cache knows (as a scan's start found it), for a file's module key */
  factsOfContent(f: WorkspaceFile, hash: string): FileFacts | undefined {
    const e = this.byHash.get(`${hash}\0${moduleKey(f)}`);
    return e ? this.factsOf(f.path, e) : undefined;
  }

  /** the content hash (blob id) the cache holds for a path: after a lookup hit, the file's */
  hashOf(path: string): string | undefined {
    return this.entries.get(path)?.hash;
  }

  private factsOf(path: string, e: Entry): FileFacts {
    if (!e.facts) e.facts = new StoredFacts(path, e.stored!.tuple, e.stored!.at, e.stored!.layout);
    return e.facts;
  }

  /** Facts for an unchanged file (same path, size and modification time), without reading it. */
  lookup(f: WorkspaceFile): FileFacts | undefined {
    this.seen.add(f.path);
    const e = this.entries.get(f.path);
    if (e && f.mtimeMs !== undefined && e.size === f.size && e.mtimeMs === f.mtimeMs && e.module === moduleKey(f)) {
      this.hits++;
      return this.factsOf(f.path, e);
    }
    return undefined;
  }

  /** Facts and size for content seen before under any path with the same module key (`hash`: its blob id). */
  lookupContent(f: WorkspaceFile, hash: string): { facts: FileFacts; size: number } | undefined {
    this.seen.add(f.path);
    const e = this.byHash.get(`${hash}\0${moduleKey(f)}`);
    if (e) {
      this.hits++;
      const facts = this.factsOf(f.path, e);
      const same = this.entries.get(f.path);
      // known content under a new path, or touched: remember it there with its stat data, sharing the stored
      // bytes (content read from the git index has none, and leaves the work tree's entry alone)
      if (f.mtimeMs !== undefined ? same !== e || e.mtimeMs !== f.mtimeMs : !same) {
        this.entries.set(f.path, { ...e, mtimeMs: f.mtimeMs ?? -1, facts });
        this.touched.add(f.path);
        this.dirty = true;
      }
      return { facts, size: e.size };
    }
    return undefined;
  }

  remember(f: WorkspaceFile, hash: string, facts: FileFacts): void {
    this.seen.add(f.path);
    const e: Entry = { size: f.size, mtimeMs: f.mtimeMs ?? -1, hash, module: moduleKey(f), facts };
    this.entries.set(f.path, e);
    this.byHash.set(`${hash}\0${e.module}`, e);
    this.touched.add(f.path);
    this.dirty = true;
  }

  /** The end of the scan: the cache files are closed (a body read after this opens its file again). */
  close(): void {
    this.closed = true;
    for (const f of this.files) f.close();
  }

  /**
   * Write what changed, never throwing (a cache is optional). A few changed files go to the journal, rewritten
   * whole each time (small); more, or a cache with many files gone, rewrite the cache file and drop the journal.
   * Both writes are atomic (a temporary file, then rename), and a journal applies only to the cache file it was
   * written against, so a crash between the two writes loses only the journal.
   */
  save(): string | undefined {
    if (!this.writable) return undefined;
    let gone = 0;
    for (const p of this.entries.keys()) if (!this.seen.has(p)) gone++;
    if (!this.dirty && gone === 0) return undefined;
    try {
      this.store.write('.gitignore', '*\n');
      const journaled = [...this.entries].filter(([p, e]) => this.touched.has(p) || !this.baseLayout || e.stored?.layout !== this.baseLayout).map(([p]) => p);
      if (this.baseId && journaled.length <= JOURNAL_MAX && gone <= this.entries.size / 10) {
        if (this.dirty) writeCacheFile(this.store, 'facts.journal', journaled.sort(), this.entries, { key: this.key, base: this.baseId });
      } else {
        for (const p of [...this.entries.keys()]) if (!this.seen.has(p)) this.entries.delete(p);
        const id = createHash('sha1').update(`${process.pid} ${Date.now()} ${Math.random()}`).digest('hex').slice(0, 16);
        writeCacheFile(this.store, 'facts.bin', [...this.entries.keys()].sort(), this.entries, { key: this.key, id });
        this.store.remove('facts.journal');
        this.store.remove('facts.json'); // the cache format before 0.1's lazy one
      }
      this.dirty = false;
      return undefined;
    } catch (e) {
      if (e instanceof DamagedCacheError) throw e; // stored bytes to copy were damaged: the scan starts over
      if (e instanceof CacheWriteError) return e.message;
      return `the cache ${this.store.shown('facts.bin')} could not be written (${(e as Error).message}); the next scan parses again`;
    }
  }
}
