/** A worker thread of the extraction pool: bytes in, facts out, saying when it starts each file. */
import { parentPort } from 'node:worker_threads';
import type { WorkspaceFile } from '../workspace/workspace.js';
import { extractBytes } from './extract.js';

export interface Job {
  id: number;
  file: Pick<WorkspaceFile, 'path' | 'language' | 'moduleName' | 'isPackageInit' | 'pythonVersion' | 'omit'>;
  bytes: Uint8Array;
  /** the per-file bound, kept here as in any thread (src/languages/budget.ts) */
  budgetMs: number;
}

export type WorkerMessage = { ready: true } | { started: number } | { id: number; facts: ReturnType<typeof extractBytes> };

const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

parentPort?.on('message', (job: Job) => {
  post({ started: job.id });
  // postMessage copies the facts, which detaches them from the source text
  post({ id: job.id, facts: extractBytes(job.file, job.bytes, false, job.budgetMs) });
});
// loaded: the pool starts the clock of the first file only now
post({ ready: true });
