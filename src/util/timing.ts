/**
 * Phase timings for the benchmark and for anyone asking where a scan's time goes: with COMPLY_TIMINGS=1 a scan
 * prints one JSON line on stderr (`{"comply-timings":{"startup":80,"list":123,...}}`, milliseconds). Never part
 * of a report, which stays deterministic.
 */
const enabled = process.env.COMPLY_TIMINGS === '1';
const phases = new Map<string, number>();
/** performance.now() counts from the start of the process: the first phase includes Node's start-up */
let last = 0;

/** Attribute the time since the previous mark to `phase` (phases may repeat; their times add up). */
export function mark(phase: string): void {
  if (!enabled) return;
  const now = performance.now();
  phases.set(phase, (phases.get(phase) ?? 0) + (now - last));
  last = now;
}

/** Print the phases, the total and some counts (files, findings, files parsed), at the end of a command. */
export function reportTimings(write: (s: string) => void, counts: Record<string, number> = {}): void {
  if (!enabled) return;
  const out: Record<string, number> = {};
  for (const [k, v] of phases) out[k] = Math.round(v);
  out.total = Math.round(performance.now());
  write(`${JSON.stringify({ 'comply-timings': out, counts })}\n`);
}

/** A clock every thread reads alike: milliseconds since the epoch, monotonic within a thread (the worker pool's
 * bound on a file is checked with it across threads). */
export const clock = (): number => performance.timeOrigin + performance.now();
