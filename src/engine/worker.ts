/** A worker thread of the extraction pool: bytes in, facts out. */
import { parentPort } from 'node:worker_threads';
import type { WorkspaceFile } from '../workspace/workspace.js';
import { extractBytes } from './extract.js';

export interface Job {
  id: number;
  file: Pick<WorkspaceFile, 'path' | 'language' | 'moduleName' | 'isPackageInit'>;
  bytes: Uint8Array;
}

parentPort?.on('message', (job: Job) => {
  parentPort!.postMessage({ id: job.id, facts: extractBytes(job.file, job.bytes) });
});
// loaded: the pool starts the clock of the first file only now
parentPort?.postMessage({ ready: true });
