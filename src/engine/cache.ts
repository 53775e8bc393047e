/**
 * The facts cache (`.comply/cache/`, never committed): a file whose path, size and modification time are unchanged
 * is not even read again, and a changed file whose content was seen before (a branch switch, the staged copy of a
 * file) is not parsed again. Facts depend only on a file's content and on what the key records (comply's version,
 * the facts format, the file's module name), so a stale or foreign cache can only miss, never mislead.
 * Stored as JSON in one file (JSON.parse reads it twice as fast as v8.deserialize), written atomically; a corrupt
 * file is ignored and rebuilt.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkspaceFile } from '../workspace/workspace.js';
import type { FileFacts } from './facts.js';

/** bump when extraction changes what it produces */
export const FACTS_VERSION = 1;
export const CACHE_FILE = '.comply/cache/facts.json';

interface Entry {
  size: number;
  mtimeMs: number;
  hash: string;
  /** the extraction input besides the content */
  module: string;
  facts: FileFacts;
}

interface Stored {
  key: string;
  entries: Record<string, Entry>;
}

let codeHash: string | undefined;

/** A hash of the code that produces facts (the language adapters and the extraction step), so that any change to
 * it, released or not, invalidates every cache it wrote. */
export function extractorFingerprint(): string {
  if (codeHash) return codeHash;
  const here = dirname(fileURLToPath(import.meta.url));
  const h = createHash('sha1');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[jt]s$/.test(e.name)) h.update(p.slice(here.length)).update(readFileSync(p));
    }
  };
  walk(join(here, '..', 'languages'));
  for (const f of readdirSync(here).filter((n) => /^(extract|facts)\.[jt]s$/.test(n)).sort()) h.update(f).update(readFileSync(join(here, f)));
  codeHash = h.digest('hex').slice(0, 16);
  return codeHash;
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

const moduleKey = (f: WorkspaceFile): string => `${f.moduleName ?? ''}${f.isPackageInit ? '/' : ''}`;

export class FactsCache {
  private entries: Record<string, Entry> = {};
  private byHash = new Map<string, Entry>();
  private readonly seen = new Set<string>();
  private dirty = false;
  /** why the stored cache was not used, for a note */
  readonly problem: string | undefined;
  hits = 0;

  constructor(
    private readonly file: string,
    private readonly key: string,
    private readonly writable: boolean,
  ) {
    let problem: string | undefined;
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      if (stored && typeof stored === 'object' && stored.key === key && stored.entries && typeof stored.entries === 'object') {
        this.entries = stored.entries;
      } else {
        this.dirty = true; // another comply version or facts format: rebuilt
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        problem = `the cache ${CACHE_FILE} could not be read (${(e as Error).message}); it is rebuilt`;
        this.dirty = true;
      }
    }
    this.problem = problem;
    for (const e of Object.values(this.entries)) this.byHash.set(e.hash, e);
  }

  static open(root: string, version: string, writable: boolean): FactsCache {
    return new FactsCache(join(root, CACHE_FILE), `comply ${version} facts ${FACTS_VERSION} code ${extractorFingerprint()}`, writable);
  }

  /** Facts for an unchanged file (same path, size and modification time), without reading it. */
  lookup(f: WorkspaceFile): FileFacts | undefined {
    this.seen.add(f.path);
    const e = this.entries[f.path];
    if (e && f.mtimeMs !== undefined && e.size === f.size && e.mtimeMs === f.mtimeMs && e.module === moduleKey(f)) {
      this.hits++;
      return e.facts;
    }
    return undefined;
  }

  /** Facts for content seen before under any path with the same module key. */
  lookupContent(f: WorkspaceFile, hash: string): FileFacts | undefined {
    this.seen.add(f.path);
    const e = this.byHash.get(hash);
    if (e && e.module === moduleKey(f)) {
      this.hits++;
      this.remember(f, hash, e.facts);
      return e.facts;
    }
    return undefined;
  }

  remember(f: WorkspaceFile, hash: string, facts: FileFacts): void {
    this.seen.add(f.path);
    const e: Entry = { size: f.size, mtimeMs: f.mtimeMs ?? -1, hash, module: moduleKey(f), facts };
    this.entries[f.path] = e;
    this.byHash.set(hash, e);
    this.dirty = true;
  }

  /** Write the cache if anything changed, dropping files that are gone. Never throws: a cache is optional. */
  save(): string | undefined {
    if (!this.writable) return undefined;
    for (const p of Object.keys(this.entries)) {
      if (!this.seen.has(p)) {
        delete this.entries[p];
        this.dirty = true;
      }
    }
    if (!this.dirty) return undefined;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(join(dirname(this.file), '.gitignore'), '*\n');
      writeFileSync(tmp, JSON.stringify({ key: this.key, entries: this.entries } satisfies Stored));
      renameSync(tmp, this.file);
      this.dirty = false;
      return undefined;
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
      return `the cache could not be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the next scan parses again`;
    }
  }
}
