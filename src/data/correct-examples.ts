import type { Classifier } from '../runtime/classifier-types.js';
import { argmax } from '../runtime/logits.js';
import { loadExamples, type Dataset } from './dataset.js';
import { alignLabels } from './labels.js';
import type { ResizeMode } from './image.js';

export interface ExampleSet {
  /** n examples in the classifier's canonical input shape, back to back. */
  x: Float32Array;
  n: number;
  /** True classes as logit indices of the classifier. */
  labels: Int32Array;
  /** Dataset ids: they seed per-example randomness. */
  ids: string[];
  /** Dataset indices of the examples. */
  items: number[];
  /** How many examples were classified to find these (the clean pass). */
  scanned: number;
}

/**
 * The first `limit` examples of `order` (dataset indices) that the classifier gets right: attacks are run
 * only on correctly classified examples, as the study does (an already-wrong example is no evidence).
 */
export async function correctlyClassified(
  classifier: Classifier,
  dataset: Dataset,
  order: readonly number[],
  limit: number,
  opts: { batch?: number; resize?: ResizeMode; onScanned?: (scanned: number) => void } = {},
): Promise<ExampleSet> {
  const toLogit = alignLabels(dataset.classes, classifier);
  const [c, h, w] = classifier.inputShape;
  const size = c * h * w;
  const batch = opts.batch ?? 64;
  const kept: { x: Float32Array; label: number; id: string; item: number }[] = [];
  let scanned = 0;
  while (kept.length < limit && scanned < order.length) {
    const idx = order.slice(scanned, scanned + batch);
    const x = await loadExamples(dataset, idx, classifier.inputShape, opts.resize);
    const logits = await classifier.logits(x, idx.length);
    idx.forEach((item, row) => {
      const label = toLogit[dataset.label(item)]!;
      if (kept.length < limit && argmax(logits, classifier.numClasses, row) === label) {
        kept.push({ x: x.slice(row * size, (row + 1) * size), label, id: dataset.id(item), item });
      }
    });
    scanned += idx.length;
    opts.onScanned?.(scanned);
  }
  const x = new Float32Array(kept.length * size);
  kept.forEach((k, i) => x.set(k.x, i * size));
  return { x, n: kept.length, labels: Int32Array.from(kept, (k) => k.label), ids: kept.map((k) => k.id), items: kept.map((k) => k.item), scanned };
}
