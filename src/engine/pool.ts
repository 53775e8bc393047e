/**
 * Extraction across the cores: worker threads, each kept a few files ahead (so none waits on a round trip),
 * largest files first (so no worker is left with a big one at the end), results back in order. Each worker says
 * when it starts a file; a file that takes longer than the bound gets its worker ended and replaced, is reported
 * as a parse error, and the files queued behind it go to the next worker: a pathological file never stalls the
 * scan. A worker says when it has loaded, so its start-up never counts against a file's bound.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../util/package.js';
import { failedFacts } from './extract.js';
import type { FileFacts } from '../facts/facts.js';
import type { Job, WorkerMessage } from './worker.js';

export interface PoolOptions {
  workers: number;
  /** per-file bound on extraction time */
  timeoutMs: number;
  onDone?: () => void;
  /**
   * Jobs this thread extracts itself (`mine(k)`), with `extract`, in slices between the workers' messages: the
   * workers take the others. On two cores one worker parses the TypeScript (whose 9 MB parser warms up there)
   * while this thread parses the Python.
   */
  local?: { mine: (k: number) => boolean; extract: (k: number, bytes: Uint8Array) => FileFacts };
}

const AHEAD = 8;

/**
 * A pool of workers by default only from 4 cores up. Measured on the 2-vCPU machines this project runs on: two
 * workers each tokenizing half of the netra tree's Python (no messages at all) ran 1.3x faster than one thread,
 * not 2x, and during a cold scan V8's concurrent collector already keeps the second core a third busy; a full
 * pool gave nothing there once its messages were paid. On 2-3 cores the scan splits instead (scanAsync: one
 * worker for the TypeScript). `--jobs N` forces a pool of N.
 */
export function defaultWorkers(): number {
  const cores = availableParallelism();
  return cores >= 4 ? Math.min(cores - 1, 8) : 1;
}

/**
 * The bytes of a file as a message may carry them. A view into a larger buffer (a batch of blobs read from git,
 * Node's pool for small reads) would be sent whole, with every other file in it: a cold --staged scan of 54c8
 * copied a 200 MB batch once per TypeScript file (144 s, 2.4 GB) before this.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/** The compiled worker script; undefined when running from sources (then extraction stays in process). */
export function workerScript(): string | undefined {
  const p = join(packageRoot(), 'dist', 'src', 'engine', 'worker.js');
  return existsSync(p) ? p : undefined;
}

/**
 * `jobs` are the files to extract with their sizes; `load(k)` reads job k when it is dispatched (so only the files
 * in flight are in memory), or gives its facts directly when it needs no parsing.
 */
export async function extractInPool(
  jobs: { file: Job['file']; size: number }[],
  load: (k: number) => { facts: FileFacts } | { bytes: Uint8Array },
  script: string,
  opts: PoolOptions,
): Promise<FileFacts[]> {
  const results: (FileFacts | undefined)[] = new Array(jobs.length);
  const bySize = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.size - jobs[a]!.size);
  const local = opts.local;
  const queue = local ? bySize.filter((k) => !local.mine(k)) : bySize;
  const mine = local ? bySize.filter((k) => local.mine(k)) : [];
  let remaining = jobs.length;
  if (remaining === 0) return [];

  return new Promise<FileFacts[]>((resolveAll) => {
    const finish = (id: number, facts: FileFacts): void => {
      if (results[id]) return;
      results[id] = facts;
      remaining--;
      opts.onDone?.();
      if (remaining === 0) resolveAll(results as FileFacts[]);
    };
    const start = (): void => {
      if (queue.length === 0) return;
      // a bigger young generation: parsing allocates many short-lived objects, and scavenges dominate otherwise
      const worker = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 96 } });
      const inFlight: number[] = [];
      let timer: NodeJS.Timeout | undefined;
      let ready = false;
      const top = (): void => {
        while (ready && inFlight.length < AHEAD && queue.length > 0) {
          const id = queue.shift()!;
          const src = load(id);
          if ('facts' in src) {
            finish(id, src.facts);
            continue;
          }
          inFlight.push(id);
          worker.postMessage({ id, file: jobs[id]!.file, bytes: ownBytes(src.bytes) } satisfies Job);
        }
        if (inFlight.length === 0) void worker.terminate();
      };
      const abandon = (current: number | undefined, why: string): void => {
        clearTimeout(timer);
        worker.removeAllListeners();
        void worker.terminate();
        if (current !== undefined) finish(current, failedFacts(why));
        // the files queued behind it go back to the front of the queue, for the next worker
        queue.unshift(...inFlight.filter((id) => id !== current && !results[id]));
        start();
      };
      worker.on('message', (m: WorkerMessage) => {
        if ('ready' in m) {
          ready = true;
          top();
        } else if ('started' in m) {
          clearTimeout(timer);
          const id = m.started;
          timer = setTimeout(
            () => abandon(id, `not analysed: extraction took over ${Math.round(opts.timeoutMs / 1000)} s (files.maxSeconds); exclude the file if it is generated`),
            opts.timeoutMs,
          );
        } else {
          clearTimeout(timer);
          inFlight.splice(inFlight.indexOf(m.id), 1);
          finish(m.id, m.facts);
          top();
        }
      });
      worker.on('error', (e) => abandon(inFlight[0], `comply could not analyse this file (worker error: ${e.message}); please report it`));
    };
    const count = Math.max(queue.length > 0 ? 1 : 0, Math.min(opts.workers, Math.ceil(queue.length / AHEAD)));
    for (let i = 0; i < count; i++) start();
    if (local && mine.length > 0) {
      // slices of about 20 ms, then back to the event loop so that the workers' messages are answered
      let next = 0;
      const step = (): void => {
        const until = performance.now() + 20;
        while (next < mine.length && performance.now() < until) {
          const id = mine[next++]!;
          const src = load(id);
          finish(id, 'facts' in src ? src.facts : local.extract(id, src.bytes));
        }
        if (next < mine.length) setImmediate(step);
      };
      setImmediate(step);
    }
  });
}
