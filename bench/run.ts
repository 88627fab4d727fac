/**
 * Runs the benchmarks: `node dist/bench/run.js [--only NAME[,NAME]] [--models MODEL[,MODEL]] [--threads N] [--seconds S] [--examples N]`
 * (--models narrows the gradient and cw-budget benchmarks to some of their models; --threads the gradient
 * benchmark to one of its thread counts; --examples sets how many examples cw-budget attacks per model, 0
 * for its loop timing alone).
 * Not part of the tests: it needs PyTorch (Debian's python3-torch) and minutes of an otherwise idle machine.
 */
import { parseArgs } from 'node:util';
import { runForward } from './forward.js';
import { runGradient } from './gradient.js';
import { runAttacks } from './attacks.js';
import { runQueue } from './queue.js';
import { runCwBudget } from './cw-budget.js';

const BENCHMARKS: Record<string, (opts: { seconds?: number; models?: string[]; threads?: number; examples?: number }) => Promise<unknown>> = {
  forward: runForward,
  gradient: runGradient,
  attacks: runAttacks,
  queue: runQueue,
  'cw-budget': runCwBudget,
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, models: { type: 'string' }, seconds: { type: 'string' }, threads: { type: 'string' }, examples: { type: 'string' } } });
  const names = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(BENCHMARKS);
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
  if (seconds !== undefined && !(seconds > 0)) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
  const examples = values.examples === undefined ? undefined : Number(values.examples);
  if (examples !== undefined && !(Number.isInteger(examples) && examples >= 0)) throw new Error(`--examples must be a whole number, got '${values.examples}'`);
  const models = values.models?.split(',').map((s) => s.trim());
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  for (const name of names) await BENCHMARKS[name]!({ seconds, models, threads, examples });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
