/**
 * What every command shares: exit codes, the usage error, the process's streams, the repository a command works
 * on and its config, report files, and the scan itself as the CLI runs it (workers, caches, progress).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RULES } from '../../rules/index.js';
import { loadConfig, type Config } from '../config/load.js';
import { capWorkers } from '../engine/pool.js';
import { scanAsync, type ScanResult } from '../engine/scan.js';
import { writeFileAtomic } from '../util/atomic.js';
import { packageRoot } from '../util/package.js';

/** A rule's README, without the markers of its generated blocks (scripts/build-rules.mjs). */
export function ruleReadme(id: string): string | undefined {
  const doc = join(packageRoot(), 'rules', id, 'README.md');
  return existsSync(doc) ? readFileSync(doc, 'utf8').replace(/^<!-- \/?meta:[a-z]+ -->\n/gm, '') : undefined;
}

/** DESIGN §7: 0 gate passed, 1 gate failed, 2 usage or configuration error, 3 internal error */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** a mistake in how comply was called: one message, exit 2 */
export class UsageError extends Error {}

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

/** What a command gets: the streams, and a way to set the exit code of a run that completed. */
export interface Cli {
  io: Io;
  exit(code: number): void;
}

/**
 * The process's streams. A reader that goes away (`comply scan --json | head -c 100`) closes stdout: EPIPE then
 * ends the output quietly, never with a stack trace, and the scan still writes the report files it was asked for
 * and exits with its own code.
 */
let stdoutClosed = false;
export const defaultIo: Io = {
  stdout: (s) => {
    if (stdoutClosed) return;
    if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', onStdoutError);
    process.stdout.write(s);
  },
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') stdoutClosed = true;
  else throw e;
}

/** a repeatable option: each use adds to the list */
export const collect = (v: string, list: string[] = []): string[] => [...list, v];

/** Write a report file the user asked for: atomically, and with a clear error when it cannot be written; `-` is
 * stdout (the text report then goes to stderr: stdout holds one report only). */
export function writeOutput(file: string, text: string, io: Io): void {
  if (file === '-') {
    io.stdout(text);
    return;
  }
  try {
    writeFileAtomic(resolve(file), text);
  } catch (e) {
    throw new UsageError(`${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
}

/** The repository a command works on, and its config. */
export function project(path: string | undefined, opts: { config?: string }): { root: string; config: Config } {
  const root = scanRoot(path);
  return { root, config: loadConfig(root, opts.config) };
}

export function scanRoot(path: string | undefined): string {
  const root = resolve(path ?? '.');
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`${path ?? '.'}: not a folder. Give the path of the repository to scan.`);
  return root;
}

export interface RunOptions {
  quiet?: boolean;
  json?: boolean;
  staged?: boolean;
  cache?: boolean;
  cacheDir?: string;
  ci?: boolean;
  jobs?: string;
}

/** A scan as the CLI runs it: every rule, the configured per-file bound, the caches, a progress bar on a TTY. */
export function runScan(io: Io, root: string, config: Config, opts: RunOptions, targets?: ReadonlySet<string>): Promise<ScanResult> {
  const showProgress = !opts.quiet && !opts.json && Boolean(process.stderr.isTTY);
  let lastDraw = 0;
  const started = performance.now();
  let jobs = opts.jobs !== undefined ? Number(opts.jobs) : process.env.COMPLY_JOBS ? Number(process.env.COMPLY_JOBS) : undefined;
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError(`--jobs takes a whole number of at least 1, not "${opts.jobs ?? process.env.COMPLY_JOBS}".`);
  if (jobs !== undefined) {
    const capped = capWorkers(jobs);
    if (capped.note) io.stderr(`comply: ${opts.jobs !== undefined ? '--jobs' : 'COMPLY_JOBS'}: ${capped.note}.\n`);
    jobs = capped.workers;
  }
  return scanAsync({
    root,
    config,
    rules: [...RULES],
    ...(jobs !== undefined ? { workers: jobs } : {}),
    // the caches are read and written unless --no-cache; --ci neither reads nor writes one in the checkout (the pull
    // request's: src/engine/cache-store.ts), only a folder given with --cache-dir, which CI keeps between runs
    ...(opts.cache !== false && (!opts.ci || opts.cacheDir !== undefined) ? { cache: { write: true, ...(opts.cacheDir !== undefined ? { dir: opts.cacheDir } : {}) } } : {}),
    ...(opts.staged ? { workspace: { staged: true } } : {}),
    ...(targets ? { targets } : {}),
    ...(showProgress
      ? {
          onProgress: (done: number, total: number) => {
            const now = performance.now();
            if (now - started < 1000 || (now - lastDraw < 100 && done < total)) return;
            lastDraw = now;
            const width = 30;
            const filled = Math.round((done / total) * width);
            io.stderr(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files`);
            if (done === total) io.stderr('\r\u001b[K');
          },
        }
      : {}),
  });
}
