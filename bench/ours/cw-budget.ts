/**
 * One path of the C&W budget benchmark (bench/cw-budget.ts), in a process of its own:
 * `node dist/bench/ours/cw-budget.js MODEL COUNT BATCH PARAMS_JSON QUEUE THREADS` attacks COUNT examples of
 * MODEL (bench/ours/attack-examples.ts) with C&W-L2 at PARAMS_JSON (resolved: every parameter), once, and
 * prints a BudgetPathSide as JSON. QUEUE 1 runs every example in one queue of BATCH slots (continuous
 * batching); QUEUE 0 runs them BATCH at a time, each batch to its slowest example, as before continuous
 * batching (per-example results are the same either way: only the wall time differs).
 */
import { runAttack } from '../../src/attacks/registry.js';
import type { AttackResult, ParamValues } from '../../src/attacks/types.js';
import { timeRuns } from '../long-timing.js';
import type { ExampleOutcome } from '../budget-compare.js';
import { attackExamples, warmUp } from './attack-examples.js';

export interface BudgetPathSide {
  /** Wall time of the whole run over every example (after warm-up). */
  ms: number;
  otherCpu: number;
  /** Per example: L2 distortion, gradient calls, and the run's wall time divided by the examples. */
  examples: ExampleOutcome[];
}

async function main(model: string, count: number, batch: number, params: ParamValues, queue: boolean, threads: number): Promise<BudgetPathSide> {
  const { classifier, examples: ex } = await attackExamples(model, count, batch, threads);
  try {
    await warmUp(classifier, ex, 'cw-l2', batch);
    const size = ex.x.length / ex.n;
    const results: AttackResult[] = [];
    const t = await timeRuns(async () => {
      for (let start = 0; start < ex.n; start += queue ? ex.n : batch) {
        const end = queue ? ex.n : Math.min(ex.n, start + batch);
        const part = { x: ex.x.subarray(start * size, end * size), n: end - start, labels: ex.labels.subarray(start, end), ids: ex.ids.slice(start, end) };
        const onProgress = (finished: number) => { if (finished > 0) console.error(`cw-budget: ${model}: ${start + finished} of ${ex.n} examples done`); };
        results.push(...(await runAttack('cw-l2', classifier, part, { params, slots: batch, onProgress: throttle(onProgress) })).results);
      }
    }, 0);
    return {
      ms: t.msPerCall,
      otherCpu: t.otherCpu,
      examples: results.map((r, e) => ({
        id: String(ex.ids[e]), success: r.success, distortion: r.distortion?.l2 ?? NaN, gradientCalls: r.gradientCalls, ms: t.msPerCall / ex.n,
      })),
    };
  } finally {
    await classifier.dispose();
  }
}

/** Passes progress on at most every 30 s: runs take minutes, and stderr is the user's only sign of life. */
function throttle(report: (finished: number) => void): (finished: number) => void {
  let last = performance.now();
  return (finished) => {
    if (performance.now() - last < 30_000) return;
    last = performance.now();
    report(finished);
  };
}

const [model, count, batch, params, queue, threads] = process.argv.slice(2);
if (!model || !(Number(count) > 0) || !(Number(batch) > 0) || !params || !['0', '1'].includes(queue ?? '') || !(Number(threads) >= 1)) {
  throw new Error('usage: node dist/bench/ours/cw-budget.js MODEL COUNT BATCH PARAMS_JSON QUEUE(0|1) THREADS');
}
console.log(JSON.stringify(await main(model, Number(count), Number(batch), JSON.parse(params) as ParamValues, queue === '1', Number(threads))));
