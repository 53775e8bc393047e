/**
 * Extraction across the cores: worker threads fed one file at a time, largest first (so no worker is left with a
 * big file at the end), results back in order. A file that takes longer than the bound gets its worker ended and
 * replaced, and is reported as a parse error: a pathological file never stalls the scan. A worker says when it
 * has loaded, so its start-up never counts against a file's bound.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../util/package.js';
import { failedFacts } from './extract.js';
import type { FileFacts } from './facts.js';
import type { Job } from './worker.js';

export interface PoolOptions {
  workers: number;
  /** per-file bound on extraction time */
  timeoutMs: number;
  onDone?: () => void;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** The compiled worker script; undefined when running from sources (then extraction stays in process). */
export function workerScript(): string | undefined {
  const p = join(packageRoot(), 'dist', 'src', 'engine', 'worker.js');
  return existsSync(p) ? p : undefined;
}

export async function extractInPool(jobs: Omit<Job, 'id'>[], script: string, opts: PoolOptions): Promise<FileFacts[]> {
  const results: FileFacts[] = new Array(jobs.length);
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.bytes.length - jobs[a]!.bytes.length);
  let next = 0;
  const count = Math.max(1, Math.min(opts.workers, jobs.length));

  await new Promise<void>((resolveAll, rejectAll) => {
    let running = 0;
    const start = (): void => {
      const worker = new Worker(script);
      running++;
      let current: number | undefined;
      let timer: NodeJS.Timeout | undefined;
      const feed = (): void => {
        if (next >= order.length) {
          current = undefined;
          void worker.terminate();
          return;
        }
        current = order[next++]!;
        const job = jobs[current]!;
        timer = setTimeout(() => {
          // too slow: give up on this file, replace the worker
          results[current!] = failedFacts(`not analysed: extraction took over ${Math.round(opts.timeoutMs / 1000)} s (files.maxSeconds); exclude the file if it is generated`);
          opts.onDone?.();
          current = undefined;
          worker.removeAllListeners();
          void worker.terminate();
          running--;
          start();
        }, opts.timeoutMs);
        worker.postMessage({ id: current, file: job.file, bytes: job.bytes } satisfies Job);
      };
      worker.on('message', (msg: { id: number; facts: FileFacts } | { ready: true }) => {
        if ('ready' in msg) {
          feed();
          return;
        }
        clearTimeout(timer);
        results[msg.id] = msg.facts;
        opts.onDone?.();
        feed();
      });
      worker.on('error', (e) => {
        clearTimeout(timer);
        if (current !== undefined) {
          results[current] = failedFacts(`comply could not analyse this file (worker error: ${e.message}); please report it`);
          opts.onDone?.();
        }
        worker.removeAllListeners();
        running--;
        start();
      });
      worker.on('exit', () => {
        if (current !== undefined) return; // replaced after a timeout or an error
        running--;
        if (running === 0) {
          if (results.filter(Boolean).length === jobs.length) resolveAll();
          else rejectAll(new Error('extraction pool ended with files left'));
        }
      });
    };
    if (jobs.length === 0) {
      resolveAll();
      return;
    }
    for (let i = 0; i < count; i++) start();
  });
  return results;
}
