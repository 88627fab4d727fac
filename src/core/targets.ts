import { exampleRng, type ExampleId } from './rng.js';

export const TARGET_KINDS = ['untargeted', 'random', 'least-likely', 'top2'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface TargetOptions {
  seed: number;
  ids: readonly ExampleId[];
  /** Clean logits [n, numClasses]; needed by least-likely and top-2. */
  logits?: Float32Array;
}

/**
 * The target class of every example for a targeted attack (the study's three kinds):
 * - random: uniform over the classes other than the label, drawn from the example's own stream
 *   (seed, id), so a target does not depend on the batch or on the order of work;
 * - least-likely: the class of lowest clean logit;
 * - top-2: the class of second-highest clean logit.
 * Both logit-based kinds choose among the classes other than the label, which is the literal rule
 * whenever the model classifies the example correctly (the study attacks only those) and keeps a target
 * from ever being the label otherwise.
 *
 * Classes are the classifier's: for 1001-class models the runtime slices the background logit off in the
 * graph (the manifest's labelOffset), so no kind can ever pick the background class.
 */
export function chooseTargets(kind: Exclude<TargetKind, 'untargeted'>, labels: Int32Array, numClasses: number, opts: TargetOptions): Int32Array {
  if (numClasses < 2) throw new Error(`targeted attacks need at least 2 classes, the model has ${numClasses}`);
  const { logits } = opts;
  if (kind !== 'random' && (!logits || logits.length !== labels.length * numClasses)) {
    throw new Error(`${kind} targets need the clean logits of all ${labels.length} examples`);
  }
  return Int32Array.from(labels, (y, e) => {
    if (kind === 'random') {
      const t = exampleRng(opts.seed, opts.ids[e]!, 'target').int(numClasses - 1);
      return t >= y ? t + 1 : t;
    }
    const row = logits!.subarray(e * numClasses, (e + 1) * numClasses);
    const sign = kind === 'top2' ? 1 : -1;
    let best = -1;
    for (let j = 0; j < numClasses; j++) {
      if (j !== y && (best < 0 || sign * row[j]! > sign * row[best]!)) best = j;
    }
    return best;
  });
}
