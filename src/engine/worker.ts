/** A worker thread of the extraction pool: bytes in, facts out, and which file it is in (shared memory). */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkspaceFile } from '../workspace/workspace.js';
import { extractBytes } from './extract.js';
import { packFacts, type PackedFacts } from './cache.js';
import { clock } from '../util/timing.js';

export interface Job {
  id: number;
  file: Pick<WorkspaceFile, 'path' | 'language' | 'moduleName' | 'isPackageInit' | 'pythonVersion' | 'omit'>;
  bytes: Uint8Array;
  /** the per-file bound, kept here as in any thread (src/languages/budget.ts) */
  budgetMs: number;
}

export interface Done {
  id: number;
  packed: PackedFacts;
}

export type WorkerMessage = { ready: true } | { done: Done[] };

export interface WorkerData {
  /** two float64s: the id of the job this worker is in (-1: none), and when it started it (pool.ts clock) */
  slot: SharedArrayBuffer;
}

// (imported outside a worker, it has a slot of its own that nobody reads)
const slot = new Float64Array((workerData as WorkerData | null)?.slot ?? new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT));

/** the longest a result waits for others to go with it */
const BATCH_MS = 50;

/**
 * Results go back in batches: those of the jobs in hand (the pool keeps several queued here), sent once none is
 * left or BATCH_MS after the first. A message posted after an extraction cost this thread 0.2-0.3 ms whatever it
 * held (on the netra tree, a tenth of a worker's time at one message per file).
 */
let batch: Done[] = [];
let since = 0;
const flush = (): void => {
  if (batch.length === 0) return;
  const out = batch;
  batch = [];
  // packed as the facts cache stores them (free of the source text), their bytes moved, not copied
  parentPort!.postMessage({ done: out } satisfies WorkerMessage, out.map((d) => d.packed.bytes.buffer as ArrayBuffer));
};

parentPort?.on('message', (job: Job) => {
  slot[1] = clock();
  slot[0] = job.id;
  batch.push({ id: job.id, packed: packFacts(extractBytes(job.file, job.bytes, false, job.budgetMs)) });
  slot[0] = -1;
  const now = performance.now();
  if (batch.length === 1) {
    since = now;
    // after the jobs already queued here
    setImmediate(flush);
  } else if (now - since >= BATCH_MS) flush();
});
// loaded: the pool starts the clock of the first file only now
parentPort?.postMessage({ ready: true } satisfies WorkerMessage);
