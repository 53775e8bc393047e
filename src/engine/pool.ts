/**
 * Extraction across the cores: worker threads, each kept a few files ahead (so none waits on a round trip),
 * largest files first (so no worker is left with a big one at the end), results back in batches. A worker keeps
 * the per-file bound itself, as this thread does (src/languages/budget.ts). It also writes which file it is in,
 * and since when, to memory this thread shares (a message per file cost it 0.1-0.3 ms each); one still in a file
 * past the bound and a grace period (stuck where it cannot look at the clock) is ended and replaced, its file
 * reported as timed out alike, and the files queued behind it go to the next worker: a pathological file never
 * stalls the scan. A worker says when it has loaded, so its start-up never counts against a file's bound.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../util/package.js';
import { clock } from '../util/timing.js';
import { failedFacts, timedOutFacts } from './extract.js';
import { unpackFacts } from './cache.js';
import type { FileFacts } from '../facts/facts.js';
import type { Job, WorkerData, WorkerMessage } from './worker.js';

export interface PoolOptions {
  workers: number;
  /** per-file bound on extraction time */
  timeoutMs: number;
  onDone?: () => void;
  /**
   * Jobs this thread extracts itself (`mine(k)`), with `extract`, in slices between the workers' messages: the
   * workers take the others. On three cores one worker parses the TypeScript (whose 9 MB parser warms up there)
   * while this thread parses the Python.
   */
  local?: { mine: (k: number) => boolean; extract: (k: number, bytes: Uint8Array) => FileFacts };
}

/** files a worker is kept ahead (so it never waits on this thread to read and hash the next), and their bytes at
 * most: 8 files left each netra worker idle 0.8-1 s of 9 s, 32 about 0.17 s */
const AHEAD = 32;
const AHEAD_BYTES = 16 * 1024 * 1024;
/** how much longer than the bound a worker may take to answer before it is ended (its own check comes first) */
const GRACE_MS = 1000;
/** how often the pool looks for a worker stuck in a file */
const WATCH_MS = 100;

/**
 * A pool of workers by default only from 4 cores up. Measured on the 2-vCPU machines this project runs on: two
 * workers each tokenizing half of the netra tree's Python (no messages at all) ran 1.3x faster than one thread,
 * not 2x, and during a cold scan V8's concurrent collector already keeps the second core a third busy; a full
 * pool gave nothing there once its messages were paid. On 3 cores the scan splits instead (scanAsync: one worker
 * for the TypeScript); on 2 it stays in one thread, whose garbage collector and compiler already keep the second
 * core busy (a split was 0.5-0.9 s slower on netra and on onyx, docs/performance.md). `--jobs N` forces a pool of N.
 */
export function defaultWorkers(machine: Pick<Machine, 'cores'> = { cores: availableParallelism() }): number {
  return machine.cores >= 4 ? Math.min(machine.cores - 1, 8) : 1;
}

/** what the worker count depends on: cores, and the memory free (bytes) */
export interface Machine {
  cores: number;
  free: number;
}
const thisMachine = (): Machine => ({ cores: availableParallelism(), free: freemem() });

const MiB = 1024 * 1024;
/** What a whole scan may take at its peak, in all its threads (less when less is free). */
const SCAN_MEMORY = 1024 * MiB;
/** What this thread holds at its peak beside workers (every file's facts kept, packed): about 160 MiB and 11 KiB a
 * file (netra at 54c80d5a, 11,728 files: 280 MiB; a generated tree of 50,086 files: 700 MiB) */
const mainMemory = (files: number): number => 160 * MiB + files * 11 * 1024;
/** What a worker adds at its peak: its heap with TypeScript's parser loaded and its young generation (YOUNG_MB),
 * a large file in flight; measured 100-106 MiB each with 5-8 workers on netra, and a margin */
const WORKER_MEMORY = 112 * MiB;
/** a worker's young generation: parsing allocates many short-lived objects; 96 MiB cost 30 MiB more per worker
 * than 32 and was not faster */
const YOUNG_MB = 32;

/** How many workers fit in the memory a scan of this many files may take: under 1 GiB, and under half of what the
 * machine has free. */
function memoryCap(machine: Machine, files: number): number {
  return Math.max(1, Math.floor((scanMemory(machine) - mainMemory(files)) / WORKER_MEMORY));
}

/**
 * The workers a scan of `files` files can take within its memory, once the listing has counted them (the one place
 * memory bounds them; defaultWorkers and capWorkers count cores): a large repository leaves room for fewer. `note`
 * says so when the number was lowered.
 */
export function fitWorkers(workers: number, files: number, machine: Machine = thisMachine()): { workers: number; note?: string } {
  const fit = memoryCap(machine, files);
  if (workers <= fit) return { workers };
  return { workers: fit, note: `${workers} worker threads lowered to ${fit}: with ${files} files, this thread keeps about ${Math.round(mainMemory(files) / MiB)} MiB, and a scan stays under ${(scanMemory(machine) / 2 ** 30).toFixed(1)} GiB (about ${WORKER_MEMORY / MiB} MiB per worker)` };
}
const scanMemory = (machine: Machine): number => Math.min(SCAN_MEMORY, machine.free / 2);

/**
 * A requested number of workers (`--jobs`), capped by the cores: more threads than cores only share them. (Each
 * worker also costs memory, `--jobs 1000` took 7 GB: fitWorkers bounds that, once the files are counted.) `note`
 * says so when the request was lowered.
 */
export function capWorkers(requested: number, machine: Pick<Machine, 'cores'> = { cores: availableParallelism() }): { workers: number; note?: string } {
  const cap = Math.max(1, machine.cores);
  if (requested <= cap) return { workers: requested };
  return { workers: cap, note: `${requested} worker threads capped to ${cap} (${cap} core${cap === 1 ? '' : 's'})` };
}

/** Jobs in order, taken from the front (an index, not Array.shift: 11,728 shifts of a long array move it each time). */
class Lane {
  private head = 0;
  constructor(private readonly items: number[]) {}
  get size(): number {
    return this.items.length - this.head;
  }
  shift(): number {
    return this.items[this.head++]!;
  }
  unshift(id: number): void {
    if (this.head > 0) this.items[--this.head] = id;
    else this.items.unshift(id);
  }
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
  // two lanes: the first worker takes the TypeScript and JavaScript first, the others the Python, and each then the
  // other lane's: only the workers that get a TypeScript file load TypeScript's 9 MB parser (0.25-0.4 s each)
  const laneOf = (k: number): 0 | 1 => (jobs[k]!.file.language === 'python' ? 1 : 0);
  const lanes = [new Lane(queue.filter((k) => laneOf(k) === 0)), new Lane(queue.filter((k) => laneOf(k) === 1))];
  const waiting = (): number => lanes[0]!.size + lanes[1]!.size;
  let remaining = jobs.length;
  if (remaining === 0) return [];

  return new Promise<FileFacts[]>((resolveAll) => {
    /** each live worker's check for a file past its bound, a few times a second (when the bound is finite) */
    const watched = new Set<(now: number) => void>();
    const watchdog = Number.isFinite(opts.timeoutMs) ? setInterval(() => watched.forEach((check) => check(clock())), WATCH_MS) : undefined;
    const finish = (id: number, facts: FileFacts): void => {
      if (results[id]) return;
      results[id] = facts;
      remaining--;
      opts.onDone?.();
      if (remaining === 0) {
        clearInterval(watchdog);
        resolveAll(results as FileFacts[]);
      }
    };
    const start = (lane: number): void => {
      if (waiting() === 0) return;
      const order = [lanes[lane]!, lanes[1 - lane]!];
      // what the worker is extracting, and since when (its clock): written by the worker, read here
      const slot = new Float64Array(new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT));
      slot[0] = -1;
      const worker = new Worker(script, { workerData: { slot: slot.buffer } satisfies WorkerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } });
      const inFlight: number[] = [];
      const sizes = new Map<number, number>();
      let bytesInFlight = 0;
      let ready = false;
      /** the job the worker is in, if it is one of its own */
      const current = (): number | undefined => {
        const id = slot[0]!;
        return id >= 0 && inFlight.includes(id) ? id : undefined;
      };
      const top = (): void => {
        while (ready && inFlight.length < AHEAD && (inFlight.length === 0 || bytesInFlight < AHEAD_BYTES) && waiting() > 0) {
          const id = (order[0]!.size > 0 ? order[0]! : order[1]!).shift();
          const src = load(id);
          if ('facts' in src) {
            finish(id, src.facts);
            continue;
          }
          inFlight.push(id);
          sizes.set(id, src.bytes.byteLength);
          bytesInFlight += src.bytes.byteLength;
          worker.postMessage({ id, file: jobs[id]!.file, bytes: ownBytes(src.bytes), budgetMs: opts.timeoutMs } satisfies Job);
        }
        if (inFlight.length === 0) {
          watched.delete(check);
          void worker.terminate();
        }
      };
      const abandon = (blamed: number | undefined, facts: FileFacts): void => {
        watched.delete(check);
        worker.removeAllListeners();
        void worker.terminate();
        if (blamed !== undefined) finish(blamed, facts);
        // the files queued behind it (and those it finished but had not sent yet) go back to the front of their
        // lanes, for the next worker
        for (const id of inFlight.filter((i) => i !== blamed && !results[i]).reverse()) lanes[laneOf(id)]!.unshift(id);
        start(lane);
      };
      // a file that takes longer than the bound and a grace period: the worker is stuck where it cannot look at
      // the clock
      const check = (now: number): void => {
        const id = current();
        if (id !== undefined && now - slot[1]! > opts.timeoutMs + GRACE_MS) abandon(id, timedOutFacts(opts.timeoutMs));
      };
      watched.add(check);
      worker.on('message', (m: WorkerMessage) => {
        if ('ready' in m) {
          ready = true;
          top();
        } else {
          for (const { id, packed } of m.done) {
            inFlight.splice(inFlight.indexOf(id), 1);
            bytesInFlight -= sizes.get(id) ?? 0;
            sizes.delete(id);
            finish(id, unpackFacts(jobs[id]!.file.path, packed));
          }
          top();
        }
      });
      // the file it was in (the first in flight when it was in none: results go back in batches)
      worker.on('error', (e) => abandon(current() ?? inFlight[0], failedFacts(`comply could not analyse this file (worker error: ${e.message}); please report it`)));
    };
    const count = Math.max(queue.length > 0 ? 1 : 0, Math.min(opts.workers, Math.ceil(queue.length / AHEAD)));
    for (let i = 0; i < count; i++) start(i === 0 ? 0 : 1);
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
