import { distortion } from '../metrics/distortion.js';
import { argmax } from '../runtime/logits.js';
import type { Batch } from './batch.js';
import { isAdversarial } from './criterion.js';
import type { AttackResult } from './types.js';

/** What an attack found for one example, before verification. */
export interface Candidate {
  /** The image to verify (owned by the result from here on); undefined when the attack found none. */
  image: Float32Array | undefined;
  eps?: number;
  c?: number;
}

/**
 * Turns candidates into results: every candidate is re-classified in one forward call and counts as a
 * success only if its plain argmax (no kappa) is adversarial. Whatever fails verification is dropped,
 * so a failed or non-finite example never carries an image.
 */
export async function verify(batch: Batch, candidates: readonly Candidate[]): Promise<AttackResult[]> {
  const rows = candidates.flatMap((cand, e) => (cand.image && !batch.tallies[e]!.nonFinite ? [e] : []));
  const images = new Float32Array(batch.n * batch.size);
  for (const e of rows) images.set(candidates[e]!.image!, e * batch.size);
  const logits = rows.length > 0 ? await batch.logits(images, rows) : [];
  const verified = new Map(rows.map((e, r) => [e, logits[r]]));
  const timeMs = (performance.now() - batch.started) / batch.n;

  return candidates.map((cand, e) => {
    const { iterations, gradientCalls, forwardCalls, nonFinite } = batch.tallies[e]!;
    const label = batch.labels[e]!;
    const target = batch.targets?.[e];
    const z = verified.get(e);
    const predicted = z && argmax(z, z.length, 0);
    // A candidate whose re-classification is NaN or Inf names no class: non-finite, never a success.
    const success = predicted !== undefined && predicted !== null && isAdversarial(z!, label, target);
    const status = nonFinite || predicted === null ? 'non-finite' : success ? 'success' : 'failed';
    return {
      status,
      success,
      label,
      target,
      predicted: predicted ?? undefined,
      adversarial: success ? cand.image : undefined,
      distortion: success ? distortion(cand.image!, batch.original(e)) : undefined,
      ...(cand.eps !== undefined && success ? { eps: cand.eps } : {}),
      ...(cand.c !== undefined && success ? { c: cand.c } : {}),
      iterations,
      gradientCalls,
      forwardCalls,
      timeMs,
    };
  });
}
