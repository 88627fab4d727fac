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

export interface Distortion {
  l0: number;
  l1: number;
  l2: number;
  linf: number;
}

export function l0(adversarial: Float32Array, original: Float32Array, tolerance = L0_TOLERANCE): number {
  let count = 0;
  for (let i = 0; i < original.length; i++) if (Math.abs(adversarial[i]! - original[i]!) > tolerance) count++;
  return count;
}

export function l1(adversarial: Float32Array, original: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < original.length; i++) sum += Math.abs(adversarial[i]! - original[i]!);
  return sum;
}

export function l2(adversarial: Float32Array, original: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < original.length; i++) {
    const d = adversarial[i]! - original[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

export function linf(adversarial: Float32Array, original: Float32Array): number {
  let max = 0;
  for (let i = 0; i < original.length; i++) max = Math.max(max, Math.abs(adversarial[i]! - original[i]!));
  return max;
}

export function distortion(adversarial: Float32Array, original: Float32Array): Distortion {
  if (adversarial.length !== original.length) {
    throw new Error(`distortion: adversarial has ${adversarial.length} values, original ${original.length}`);
  }
  return { l0: l0(adversarial, original), l1: l1(adversarial, original), l2: l2(adversarial, original), linf: linf(adversarial, original) };
}
