import { countOutcomes, evaluated, transferRate } from '../analysis/transfer-counts.js';
import type { Classifier } from '../runtime/classifier-types.js';
import { argmax, topK } from '../runtime/logits.js';
import { resampleToCanonical } from '../data/resample.js';
import { toChannels } from '../data/dataset.js';
import type { TransferOutcome } from '../records/outcomes.js';

export type { TransferOutcome };

export interface TransferAttempt {
  /** The source attack's adversarial image in the source's canonical shape; null when the attack failed. */
  adversarial: Float32Array | null;
  /** The true class (the target model's logit index) and, targeted, the attack's target class. */
  label: number;
  target: number | null;
  /** Whether the target model classifies the clean example correctly. */
  targetCleanCorrect: boolean;
}

export interface TransferResult {
  outcome: TransferOutcome;
  /** The target model's class for the adversarial image (null when it was not evaluated). */
  predicted: number | null;
  /** Targeted attacks: whether the target class is in the target model's top 5. */
  targetInTop5: boolean | null;
}

export interface TransferSummary {
  /** transferred / evaluated (null when nothing was evaluated). */
  rate: number | null;
  transferred: number;
  evaluated: number;
  sourceFailed: number;
  targetMisclassifiesClean: number;
  /** The target's logits on the adversarial image were NaN or Inf. */
  targetNonFinite: number;
}

/**
 * How a source image reaches the target's input shape; the returned description is recorded with the
 * results. Sizes that agree need nothing; others are resampled bilinearly (stretch), and RGB becomes
 * luminance for a greyscale target.
 */
export function adaptImage(image: Float32Array, from: readonly [number, number, number], to: readonly [number, number, number]): { image: Float32Array; adaptation: string } {
  const [c0, h0, w0] = from;
  const [c1, h1, w1] = to;
  if (c0 === c1 && h0 === h1 && w0 === w1) return { image, adaptation: 'none' };
  if (![1, 3].includes(c0) || ![1, 3].includes(c1)) throw new Error(`cannot adapt a ${c0}-channel image to ${c1} channels`);
  const steps: string[] = [];
  // Work in RGB: a greyscale source is replicated into three equal channels.
  let rgb = c0 === 3 ? image : Float32Array.from({ length: 3 * h0 * w0 }, (_, i) => image[i % (h0 * w0)]!);
  if (h0 !== h1 || w0 !== w1) {
    const resized = new Float32Array(3 * h1 * w1);
    resampleToCanonical(rgb, 'chw', h0, w0, resized, 0, h1, w1, 'stretch', 1);
    rgb = resized;
    steps.push(`bilinear resize ${h0}x${w0} -> ${h1}x${w1}`);
  }
  if (c0 !== c1) steps.push(c1 === 1 ? 'RGB -> luminance' : 'grey -> RGB');
  return { image: toChannels(rgb, c1, h1 * w1), adaptation: steps.join(', ') };
}

/** Evaluates source attempts on a target model (one batched forward call for all evaluated images). */
export async function evaluateTransfer(
  target: Classifier,
  attempts: readonly TransferAttempt[],
  sourceShape: readonly [number, number, number],
  targeted: boolean,
): Promise<{ results: TransferResult[]; adaptation: string }> {
  const evaluated = attempts.map((a, i) => (a.adversarial && a.targetCleanCorrect ? i : -1)).filter((i) => i >= 0);
  const size = target.inputShape[0] * target.inputShape[1] * target.inputShape[2];
  const x = new Float32Array(evaluated.length * size);
  let adaptation = 'none';
  evaluated.forEach((i, row) => {
    const adapted = adaptImage(attempts[i]!.adversarial!, sourceShape, target.inputShape);
    adaptation = adapted.adaptation;
    x.set(adapted.image, row * size);
  });
  const k = target.numClasses;
  const logits = evaluated.length ? await target.logits(x, evaluated.length) : new Float32Array(0);
  const rowOf = new Map(evaluated.map((i, row) => [i, row]));
  const results = attempts.map((a, i): TransferResult => {
    if (!a.adversarial) return { outcome: 'source-failed', predicted: null, targetInTop5: null };
    if (!a.targetCleanCorrect) return { outcome: 'target-misclassifies-clean', predicted: null, targetInTop5: null };
    const row = rowOf.get(i)!;
    const predicted = argmax(logits, k, row);
    if (predicted === null) return { outcome: 'target-non-finite', predicted: null, targetInTop5: null };
    const targetInTop5 = targeted ? topK(logits, k, row, 5).includes(a.target!) : null;
    const transferred = targeted ? targetInTop5! : predicted !== a.label;
    return { outcome: transferred ? 'transferred' : 'not-transferred', predicted, targetInTop5 };
  });
  return { results, adaptation };
}

export function summarizeTransfer(outcomes: readonly TransferOutcome[]): TransferSummary {
  const c = countOutcomes(outcomes);
  return { rate: transferRate(c), transferred: c.transferred, evaluated: evaluated(c), sourceFailed: c.sourceFailed, targetMisclassifiesClean: c.targetMisclassifiesClean, targetNonFinite: c.targetNonFinite };
}
