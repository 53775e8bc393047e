/**
 * The scan as the CLI runs it: every rule, the configured per-file bound, the caches, a progress bar on a TTY.
 * Commands import this when they run (it loads the engine and the rules), not when they are registered.
 */
import { RULES } from '../../rules/index.js';
import type { Config } from '../config/load.js';
import { capWorkers } from '../engine/pool.js';
import { scanAsync, type ScanResult } from '../engine/scan.js';
import type { WorkspaceOptions } from '../workspace/workspace.js';
import { UsageError, type Io, type RunOptions } from './common.js';

/** `given`: what git said already (the command started it before it loaded the engine: listing.ts, git.ts). */
export function runScan(io: Io, root: string, config: Config, opts: RunOptions, targets?: ReadonlySet<string>, given: Pick<WorkspaceOptions, 'listing' | 'snapshot'> = {}): Promise<ScanResult> {
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
    workspace: { ...(opts.staged ? { staged: true } : {}), ...given },
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
