/**
 * Where a scan keeps its caches (facts.bin, facts.journal, results.json and the folder's .gitignore), and whether
 * it may use them at all. Every read and write goes through safe-fs: contained in a root, no link followed, reads
 * bounded, writes atomic. The root is the repository for the default folder (`.comply/cache`), so a committed
 * `.comply -> /elsewhere` or `.comply/cache/.gitignore -> ../../../victim` is refused; with `--cache-dir DIR` the
 * folder is the user's (they named it, links on the way to it included) and DIR is the root for the names in it.
 *
 * A cache is untrusted input. Validation and checksums (cache.ts, results.ts) catch a damaged one, but a cache
 * that was *crafted* can be valid: findings of every file recorded as none, for the right blob ids. So what
 * decides whether a cache is read is where it comes from:
 * - A cache file that git tracks came with the checkout (a pull request can commit one): never read or written.
 * - `--ci` reads no cache inside the checkout at all (the CLI passes none), only a `--cache-dir`, which the owner
 *   of the CI job controls: a self-hosted runner that keeps checkouts between jobs may hold an untracked cache
 *   that an earlier job, another pull request's, wrote.
 *
 * A link, a tracked file or something that is not a regular file at a cache path makes the scan run without the
 * cache, with a note naming it, rather than fail: the cache is an optimisation, and a scan without it finds exactly
 * the same, so refusing it costs time, never a result (the ledger, which decides the gate, is an exit 2 instead).
 */
import { lstatSync, statSync, unlinkSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { makeFolders } from '../util/atomic.js';
import { ContainmentError, existsContained, openContained, readContained, STATE_MAX_BYTES, writeContained, type OpenedFile } from '../util/safe-fs.js';

export const CACHE_DIR = '.comply/cache';
/** the files comply keeps in a cache folder */
export const CACHE_NAMES = ['facts.bin', 'facts.journal', 'results.json', 'runners.json', '.gitignore'] as const;
export type CacheName = (typeof CACHE_NAMES)[number] | 'facts.json';

/** A cache file could not be written: its message is the scan's note (the same for every file of one cause). */
export class CacheWriteError extends Error {}

export class CacheStore {
  private folderProblem: string | undefined;

  private constructor(
    /** the containment root: the repository, or the --cache-dir */
    private readonly root: string,
    /** the folder below root: CACHE_DIR, or '.' for a --cache-dir */
    private readonly rel: string,
    /** why this scan does not use the cache (a note), if it does not */
    readonly unusable: string | undefined,
  ) {}

  /** How a message names a cache file. */
  static shown(dir: string | undefined, name: string): string {
    return dir === undefined ? `${CACHE_DIR}/${name}` : join(resolve(dir), name);
  }

  /**
   * The cache of a scan of `repoRoot`: in `dir` when given, else `.comply/cache`. `isTracked` says whether git
   * tracks a repo-relative path.
   */
  static open(repoRoot: string, opts: { dir?: string; isTracked?: (path: string) => boolean } = {}): CacheStore {
    const root = opts.dir === undefined ? repoRoot : resolve(opts.dir);
    const rel = opts.dir === undefined ? CACHE_DIR : '.';
    const not = (why: string): CacheStore => new CacheStore(root, rel, `the cache is not used in this scan: ${why}`);
    const folder = join(root, rel);
    if (opts.dir !== undefined) {
      try {
        if (!statSync(folder).isDirectory()) return not(`--cache-dir ${opts.dir} is not a folder.`);
      } catch {
        // made when the cache is written
      }
    } else {
      // the folders on the way, inside the checkout: real folders or nothing
      for (let i = 1, parts = CACHE_DIR.split('/'); i <= parts.length; i++) {
        const shown = parts.slice(0, i).join('/');
        const kind = kindOf(join(root, shown));
        if (kind === 'link') return not(`${shown} is a symbolic link, and comply never follows a link in its own files. Remove it.`);
        if (kind === 'file' || kind === 'other') return not(`${shown} is not a folder. Remove it.`);
        if (kind === 'missing') break;
      }
    }
    for (const name of CACHE_NAMES) {
      const abs = join(folder, name);
      const shown = CacheStore.shown(opts.dir, name);
      const kind = kindOf(abs);
      if (kind === 'link') return not(`${shown} is a symbolic link, and comply never follows a link in its own files. Remove it.`);
      if (kind === 'other' || kind === 'folder') return not(`${shown} is not a regular file. Remove it.`);
      const inRepo = relative(repoRoot, abs);
      if (kind === 'file' && opts.isTracked && !inRepo.startsWith('..') && !isAbsolute(inRepo) && opts.isTracked(inRepo.split(sep).join('/'))) {
        return not(
          `${shown} is tracked by git: a cache that comes with the checkout could hide findings, so comply neither reads nor writes it. Remove it from git (git rm -r --cached ${opts.dir === undefined ? CACHE_DIR : shown}).`,
        );
      }
    }
    return new CacheStore(root, rel, undefined);
  }

  shown(name: CacheName): string {
    return this.rel === '.' ? join(this.root, name) : `${this.rel}/${name}`;
  }

  private path(name: CacheName): string {
    return this.rel === '.' ? name : `${this.rel}/${name}`;
  }

  /** A cache file's bytes, undefined when there is none; a ContainmentError when it is a link or not a file. */
  read(name: CacheName): Buffer | undefined {
    return readContained(this.root, this.path(name), { what: 'the cache', maxBytes: STATE_MAX_BYTES });
  }

  /** A cache file opened to read parts of it until it is closed (the same checks as read). */
  open(name: CacheName): OpenedFile | undefined {
    return openContained(this.root, this.path(name), { what: 'the cache', maxBytes: STATE_MAX_BYTES });
  }

  /**
   * Write a cache file atomically, never through a link; `data` may stream itself to the descriptor. A --cache-dir
   * is made first, a folder at a time. A CacheWriteError when it cannot be written (what `data` throws, as is).
   */
  write(name: CacheName, data: string | Uint8Array | ((fd: number) => void)): void {
    if (this.rel === '.') this.makeRoot();
    try {
      writeContained(this.root, this.path(name), data, 'the cache was not written');
    } catch (e) {
      if (e instanceof ContainmentError) throw new CacheWriteError(e.message);
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code === 'string') throw new CacheWriteError(`the cache could not be written (${code}); the next scan starts without it`);
      throw e;
    }
  }

  /** Remove a cache file, if there is one (never through a link on the way). */
  remove(name: CacheName): void {
    try {
      if (existsContained(this.root, this.path(name), 'the cache')) unlinkSync(join(this.root, this.path(name)));
    } catch (e) {
      if (!(e instanceof ContainmentError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  private makeRoot(): void {
    if (this.folderProblem === undefined) {
      try {
        makeFolders(this.root);
        this.folderProblem = '';
      } catch (e) {
        this.folderProblem = `the cache folder ${this.root} cannot be made (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the scan keeps no cache. Give --cache-dir a folder that can be written.`;
      }
    }
    if (this.folderProblem) throw new CacheWriteError(this.folderProblem);
  }
}

/** What is at a path, links not followed. */
function kindOf(abs: string): 'missing' | 'file' | 'folder' | 'link' | 'other' {
  let st;
  try {
    st = lstatSync(abs);
  } catch {
    return 'missing';
  }
  return st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other';
}
