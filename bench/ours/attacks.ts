/**
 * Our side of the attack benchmark, in a process of its own (see bench/paired.ts):
 * `node dist/bench/ours/attacks.js MODEL BATCH ATTACK PARAMS_JSON SECONDS THREADS` prints one AttackSide as JSON.
 * MODEL is a model gradient.py exported (its reference batch, labelled with PyTorch's predictions, as the
 * PyTorch side uses) or `zoo:<name>` (the first BATCH synthetic test images it classifies correctly).
 */
import { runAttack } from '../../src/attacks/registry.js';
import type { ParamValues } from '../../src/attacks/types.js';
import { timeRuns } from '../long-timing.js';
import { attackExamples, warmUp } from './attack-examples.js';
import { peakRssMB } from './reference.js';

export interface AttackSide {
  /** Timed attack runs on the batch. */
  runs: number;
  /** Median wall time of one run. */
  msPerRun: number;
  /** Optimisation steps per example in a run (the attack's tally; the same for every example here). */
  iterations: number;
  /** batch × iterations / seconds per run. */
  exampleIterationsPerS: number;
  /** Share of the batch the run made adversarial (verified by re-classification): a sanity check. */
  successRate: number;
  otherCpu: number;
  peakRssMB: number;
}

async function main(model: string, batch: number, attack: string, params: ParamValues, seconds: number, threads: number): Promise<AttackSide> {
  const { classifier, examples: ex } = await attackExamples(model, batch, batch, threads);
  try {
    await warmUp(classifier, ex, attack, batch);
    let last: Awaited<ReturnType<typeof runAttack>> | undefined;
    const t = await timeRuns(async () => { last = await runAttack(attack, classifier, ex, { params }); }, seconds);
    const iterations = Math.max(...last!.results.map((r) => r.iterations));
    return {
      runs: t.iterations, msPerRun: t.msPerCall, iterations, exampleIterationsPerS: (ex.n * iterations * 1e3) / t.msPerCall,
      successRate: last!.results.filter((r) => r.success).length / ex.n, otherCpu: t.otherCpu, peakRssMB: peakRssMB(),
    };
  } finally {
    await classifier.dispose();
  }
}

const [model, batch, attack, params, seconds, threads] = process.argv.slice(2);
if (!model || !(Number(batch) > 0) || !attack || !params || !(Number(seconds) > 0) || !(Number(threads) >= 1)) {
  throw new Error('usage: node dist/bench/ours/attacks.js MODEL BATCH ATTACK PARAMS_JSON SECONDS THREADS');
}
console.log(JSON.stringify(await main(model, Number(batch), attack, JSON.parse(params) as ParamValues, Number(seconds), Number(threads))));
