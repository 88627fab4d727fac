import type { TransferOutcome } from '../records/outcomes.js';

/**
 * Outcomes of transfer attempts, counted: the one definition the `transfer` command and the report's
 * matrices share. Only transferred and not-transferred examples are in the rate; the exclusions are
 * counted so every denominator can be printed.
 */
export interface TransferCounts {
  transferred: number;
  notTransferred: number;
  /** The source attack failed: there is no adversarial example to transfer (the original code counted these as transfers). */
  sourceFailed: number;
  /** The target model gets the clean image wrong already, so fooling it proves nothing. */
  targetMisclassifiesClean: number;
  /** The target's logits on the adversarial image were NaN or Inf: it named no class. */
  targetNonFinite: number;
}

const FIELD: Readonly<Record<TransferOutcome, keyof TransferCounts>> = {
  transferred: 'transferred',
  'not-transferred': 'notTransferred',
  'source-failed': 'sourceFailed',
  'target-misclassifies-clean': 'targetMisclassifiesClean',
  'target-non-finite': 'targetNonFinite',
};

export function emptyTransferCounts(): TransferCounts {
  return { transferred: 0, notTransferred: 0, sourceFailed: 0, targetMisclassifiesClean: 0, targetNonFinite: 0 };
}

export function countOutcome(counts: TransferCounts, outcome: TransferOutcome): void {
  counts[FIELD[outcome]]++;
}

export function countOutcomes(outcomes: Iterable<TransferOutcome>): TransferCounts {
  const counts = emptyTransferCounts();
  for (const o of outcomes) countOutcome(counts, o);
  return counts;
}

/** Adds b's counts into a. */
export function addCounts(a: TransferCounts, b: TransferCounts): void {
  for (const k of Object.keys(a) as (keyof TransferCounts)[]) a[k] += b[k];
}

/** Evaluated examples: the rate's denominator. */
export const evaluated = (c: TransferCounts): number => c.transferred + c.notTransferred;

/** transferred / evaluated; null when nothing was evaluated. */
export const transferRate = (c: TransferCounts): number | null => (evaluated(c) ? c.transferred / evaluated(c) : null);
