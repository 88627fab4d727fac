/**
 * Our side of the attack benchmark, in a process of its own (see bench/paired.ts):
 * `node dist/bench/ours/attacks.js MODEL BATCH ATTACK PARAMS_JSON SECONDS THREADS` prints one AttackSide as JSON.
 * MODEL is a model gradient.py exported (its reference batch, labelled with PyTorch's predictions, as the
 * PyTorch side uses) or `zoo:<name>` (the first BATCH synthetic test images it classifies correctly).
 */
import { runAttack, type ExampleBatch } from '../../src/attacks/registry.js';
import type { ParamValues } from '../../src/attacks/types.js';
import { correctlyClassified } from '../../src/data/correct-examples.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { loadModel } from '../../src/models/load-model.js';
import type { OnnxClassifier } from '../../src/runtime/onnx-classifier.js';
import { timeRuns } from '../long-timing.js';
import { WARMUP } from '../timing.js';
import { peakRssMB, readReference } from './reference.js';

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

async function examples(model: string, batch: number, threads: number): Promise<{ classifier: OnnxClassifier; examples: ExampleBatch }> {
  if (model.startsWith('zoo:')) {
    const classifier = await loadModel(model, { threads, batchSize: batch });
    const set = await correctlyClassified(classifier, await loadDataset('synthetic'), Array.from({ length: 4 * batch }, (_, i) => i), batch);
    if (set.n < batch) throw new Error(`${model}: only ${set.n} of the first ${4 * batch} synthetic test images are classified correctly`);
    return { classifier, examples: { x: set.x, n: set.n, labels: set.labels, ids: set.ids } };
  }
  const ref = readReference(model);
  if (ref.meta.batch !== batch) throw new Error(`${model} was exported with batch ${ref.meta.batch}, not ${batch}`);
  const classifier = await loadModel(ref.onnx, { threads, batchSize: batch });
  return { classifier, examples: { x: ref.x, n: batch, labels: ref.predictions, ids: Array.from({ length: batch }, (_, i) => i) } };
}

async function main(model: string, batch: number, attack: string, params: ParamValues, seconds: number, threads: number): Promise<AttackSide> {
  const { classifier, examples: ex } = await examples(model, batch, threads);
  try {
    // Warm-up as the PyTorch side does it: the loss head's gradient calls (the first compiles our gradient
    // graph) and the forward call verification makes, so that the timed runs are the attack alone.
    const head = attack === 'cw-l2' ? ({ kind: 'cw-margin', targeted: false } as const) : ({ kind: 'cross-entropy' } as const);
    for (let i = 0; i < WARMUP; i++) await classifier.gradient(ex.x, ex.n, head, { labels: ex.labels, kappa: 0 });
    await classifier.logits(ex.x, ex.n);
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
