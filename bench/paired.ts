/**
 * Both sides of a ratio, each in a process of its own and measured in alternation (ours, torch, ours,
 * torch, ...): on a machine others keep busy, the two sides then see the same neighbours, and each side's
 * peak memory is its own.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_ATTEMPTS, OTHER_CPU_LIMIT } from './timing.js';

/** dist/bench/, where our sides' compiled scripts are. */
const DIST_BENCH = dirname(fileURLToPath(import.meta.url));

/** Runs our side dist/bench/ours/SCRIPT.js in a fresh Node process and returns its stdout. */
export function oursProcess(script: string, args: string[]): string {
  const file = join(DIST_BENCH, 'ours', `${script}.js`);
  const r = spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.error) throw new Error(`${file}: cannot run (${r.error.message})`);
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${r.status}`);
  return r.stdout;
}

export interface Paired<A, B> {
  /** The least disturbed measurement of each side. */
  ours: A;
  torch: B;
  /** Every measurement, in order. */
  attempts: { ours: A[]; torch: B[] };
}

/**
 * Measures ours then torch, again while either side's best so far was disturbed by others (otherCpu over
 * OTHER_CPU_LIMIT), at most MAX_ATTEMPTS rounds, and keeps each side's least disturbed measurement.
 */
export async function alternate<A extends { otherCpu: number }, B extends { otherCpu: number }>(
  measureOurs: () => A | Promise<A>,
  measureTorch: () => B | Promise<B>,
): Promise<Paired<A, B>> {
  const attempts: { ours: A[]; torch: B[] } = { ours: [], torch: [] };
  const least = <T extends { otherCpu: number }>(all: T[]) => all.reduce((a, b) => (b.otherCpu < a.otherCpu ? b : a));
  for (let round = 0; round < MAX_ATTEMPTS; round++) {
    attempts.ours.push(await measureOurs());
    attempts.torch.push(await measureTorch());
    if (Math.max(least(attempts.ours).otherCpu, least(attempts.torch).otherCpu) <= OTHER_CPU_LIMIT) break;
  }
  return { ours: least(attempts.ours), torch: least(attempts.torch), attempts };
}
