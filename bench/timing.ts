/**
 * The timing policy every benchmark shares with its PyTorch reference (bench/torch/forward.py mirrors it),
 * so that the two sides of a ratio are measured the same way.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export const THREADS = 2;
export const WARMUP = 3;
export const MIN_ITERATIONS = 5;
export const DEFAULT_SECONDS = 10;
/** Share of the machine other processes may use during a timing before it is redone, then flagged. */
export const OTHER_CPU_LIMIT = 0.05;
/** Timings of one side at most, on a machine others keep busy. */
export const MAX_ATTEMPTS = 3;

export interface Timing {
  iterations: number;
  /** Median wall time of one call: the median resists the odd call slowed by something else on the machine. */
  msPerCall: number;
  /**
   * Share of all cores that other processes (and the hypervisor) used while timing, 0..1. Two threads on two
   * cores slow down far more than in proportion when a core is taken, so a figure with this above
   * OTHER_CPU_LIMIT says more about the neighbours than about the code.
   */
  otherCpu: number;
}

/** CPU seconds the whole machine spent busy so far (Linux /proc/stat; clock ticks are 1/100 s). */
function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
    .trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Runs `call` `warmup` times untimed, then for `seconds` (at least `minCalls` calls), one call at a time.
 * Calls that take seconds to minutes (a whole attack run) pass fewer warm-ups and fewer calls.
 */
export async function timeCalls(call: () => Promise<unknown>, seconds: number, opts: { warmup?: number; minCalls?: number } = {}): Promise<Timing> {
  const { warmup = WARMUP, minCalls = MIN_ITERATIONS } = opts;
  for (let i = 0; i < warmup; i++) await call();
  const times: number[] = [];
  const busy0 = machineBusySeconds();
  const own0 = ownCpuSeconds();
  const start = performance.now();
  while (times.length < minCalls || performance.now() - start < seconds * 1e3) {
    const t0 = performance.now();
    await call();
    times.push(performance.now() - t0);
  }
  const wall = (performance.now() - start) / 1e3;
  const other = (machineBusySeconds() - busy0 - (ownCpuSeconds() - own0)) / (wall * cpus().length);
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const msPerCall = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { iterations: times.length, msPerCall, otherCpu: Math.max(0, other) };
}

/**
 * Repeats a measurement while other processes disturbed it (otherCpu over OTHER_CPU_LIMIT), at most
 * MAX_ATTEMPTS times, and keeps the least disturbed: on a shared machine, quiet moments come and go.
 */
export async function leastDisturbed<T extends { otherCpu: number }>(measure: () => Promise<T> | T): Promise<T> {
  let best = await measure();
  for (let attempt = 1; attempt < MAX_ATTEMPTS && best.otherCpu > OTHER_CPU_LIMIT; attempt++) {
    const next = await measure();
    if (next.otherCpu < best.otherCpu) best = next;
  }
  return best;
}
