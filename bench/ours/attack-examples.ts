/**
 * What our attack sides attack, and their warm-up: the reference batch gradient.py exported (labelled with
 * PyTorch's predictions, as the PyTorch side attacks it) or, for `zoo:<name>`, the first synthetic test
 * images the zoo model classifies correctly.
 */
import type { ExampleBatch } from '../../src/attacks/registry.js';
import { correctlyClassified } from '../../src/data/correct-examples.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { loadModel } from '../../src/models/load-model.js';
import type { OnnxClassifier } from '../../src/runtime/onnx-classifier.js';
import { WARMUP } from '../timing.js';
import { readReference } from './reference.js';

/**
 * `count` examples of MODEL and its classifier (batched calls of at most `batch`). An exported model has
 * only its reference batch: `count` must not exceed it.
 */
export async function attackExamples(model: string, count: number, batch: number, threads: number): Promise<{ classifier: OnnxClassifier; examples: ExampleBatch }> {
  if (model.startsWith('zoo:')) {
    const classifier = await loadModel(model, { threads, batchSize: batch });
    const set = await correctlyClassified(classifier, await loadDataset('synthetic'), Array.from({ length: 4 * count }, (_, i) => i), count, { batch });
    if (set.n < count) throw new Error(`${model}: only ${set.n} of the first ${4 * count} synthetic test images are classified correctly`);
    return { classifier, examples: { x: set.x, n: set.n, labels: set.labels, ids: set.ids } };
  }
  const ref = readReference(model);
  if (count > ref.meta.batch) throw new Error(`${model} was exported with a batch of ${ref.meta.batch}, fewer than ${count} examples`);
  const classifier = await loadModel(ref.onnx, { threads, batchSize: batch });
  const size = ref.x.length / ref.meta.batch;
  return {
    classifier,
    examples: { x: ref.x.subarray(0, count * size), n: count, labels: ref.predictions.subarray(0, count), ids: Array.from({ length: count }, (_, i) => i) },
  };
}

/**
 * Warm-up as the PyTorch side does it: WARMUP gradient calls of the attack's loss head on the first batch
 * (the first compiles our gradient graph) and the forward call verification makes, so that what is timed
 * afterwards is the attack alone.
 */
export async function warmUp(classifier: OnnxClassifier, ex: ExampleBatch, attack: string, batch: number): Promise<void> {
  const n = Math.min(batch, ex.n);
  const x = ex.x.subarray(0, (n * ex.x.length) / ex.n);
  const labels = ex.labels.subarray(0, n);
  const head = attack === 'cw-l2' ? ({ kind: 'cw-margin', targeted: false } as const) : ({ kind: 'cross-entropy' } as const);
  for (let i = 0; i < WARMUP; i++) await classifier.gradient(x, n, head, { labels, kappa: 0 });
  await classifier.logits(x, n);
}
