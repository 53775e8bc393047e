/**
 * The per-file time bound (files.maxSeconds), kept by the adapters themselves: their loops call `spend()`, which
 * looks at the clock every 1024 steps (a token, a logical line, a syntax node) and throws OverBudget once the
 * file's deadline has passed. It is the same bound wherever a file is parsed (this thread with `--jobs 1` or in a
 * small repository, a worker thread otherwise), so a scan finds the same things in every mode; a file of fewer
 * steps than that never looks at the clock, so small files never time out on a slow start. The pool still ends a
 * worker that stops answering (src/engine/pool.ts), for code that cannot call back here (the TypeScript parser).
 */

export class OverBudget extends Error {}

let deadline = Infinity;
let steps = 0;

/** Run one file's extraction within `ms` milliseconds (Infinity: unbounded). */
export function withBudget<T>(ms: number, run: () => T): T {
  const outer = deadline;
  deadline = Number.isFinite(ms) ? performance.now() + ms : Infinity;
  steps = 0;
  try {
    return run();
  } finally {
    deadline = outer;
  }
}

/** One step of work: past the deadline, throws OverBudget. */
export function spend(): void {
  if ((++steps & 1023) === 0 && performance.now() > deadline) throw new OverBudget();
}
