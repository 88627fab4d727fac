import type { LossHead, LossValues } from '../runtime/classifier-types.js';
import type { Batch } from './batch.js';
import { choice } from './params.js';

/** The `loss` parameter of the gradient-sign attacks (FGSM, I-FGSM, PGD). */
export const lossParam = choice(['ce', 'cw'], 'ce', "loss whose gradient is followed: 'ce' cross-entropy on logits (the study's), 'cw' the C&W margin with kappa 0");

/**
 * The loss head a gradient-sign attack follows and the direction to move along its gradient: untargeted
 * cross-entropy of the label is ascended, targeted cross-entropy of the target descended, and the C&W
 * margin (which is positive while the example is not yet adversarial) descended either way.
 */
export function stepObjective(loss: 'ce' | 'cw', batch: Batch): { head: LossHead; params: LossValues; direction: 1 | -1 } {
  const { labels, targets } = batch;
  if (loss === 'cw') return { head: { kind: 'cw-margin', targeted: targets !== undefined }, params: { labels, targets, kappa: 0 }, direction: -1 };
  return targets === undefined
    ? { head: { kind: 'cross-entropy' }, params: { labels }, direction: 1 }
    : { head: { kind: 'cross-entropy' }, params: { labels: targets }, direction: -1 };
}
