import { lpDistance, type DistortionNorm } from '../core/lp.js';

/**
 * Distortion norms of a perturbation (adversarial - original) over one example: plain functions over
 * Float32Array slices of equal length (pass `subarray`s to measure one example of a batch). Sums run in
 * float64 so that large images do not lose precision.
 */

/**
 * L0 counts elements that changed by more than this. Canonical space has range 1, so 1e-5 is 1/400 of an
 * 8-bit quantum (a change a saved image could show) yet far above float32 round-off in [0,1] (6e-8) and
 * the round trip of C&W's tanh change of variables (5e-7): elements an attack left alone never count.
 */
export const L0_TOLERANCE = 1e-5;

/** An adversarial example's distance to its original in every norm the study reports. */
export type Distortion = Record<DistortionNorm, number>;

export function l0(adversarial: Float32Array, original: Float32Array, tolerance = L0_TOLERANCE): number {
  let count = 0;
  for (let i = 0; i < original.length; i++) if (Math.abs(adversarial[i]! - original[i]!) > tolerance) count++;
  return count;
}

export const l1 = (adversarial: Float32Array, original: Float32Array): number => lpDistance(adversarial, original, 'l1');
export const l2 = (adversarial: Float32Array, original: Float32Array): number => lpDistance(adversarial, original, 'l2');
export const linf = (adversarial: Float32Array, original: Float32Array): number => lpDistance(adversarial, original, 'linf');

export function distortion(adversarial: Float32Array, original: Float32Array): Distortion {
  if (adversarial.length !== original.length) {
    throw new Error(`distortion: adversarial has ${adversarial.length} values, original ${original.length}`);
  }
  return { l0: l0(adversarial, original), l1: l1(adversarial, original), l2: l2(adversarial, original), linf: linf(adversarial, original) };
}
