import assert from 'node:assert/strict';
import { exampleRng } from '../../src/core/rng.js';

/** Reorders an NHWC batch into the NCHW our graphs take. */
export function nhwcToNchw(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n!; b++) for (let y = 0; y < h!; y++) for (let z = 0; z < w!; z++) for (let k = 0; k < c!; k++) {
    out[((b * c! + k) * h! + y) * w! + z] = x[((b * h! + y) * w! + z) * c! + k]!;
  }
  return out;
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
};

/** Largest difference relative to the largest reference magnitude. */
export function relativeDiff(ours: Float32Array, reference: Float32Array): number {
  return maxAbsDiff(ours, reference) / Math.max(...Array.from(reference, Math.abs), 1e-6);
}

/**
 * `n` random canonical images (NCHW RGB in [0,1], `size` square) and what a TensorFlow-style model's
 * preprocessing `pixel(value, channel)` makes of them, NHWC: the input of a TF.js reference.
 */
export function preprocessedImages(n: number, size: number, seed: string, pixel: (v: number, c: number) => number): { canonical: Float32Array; nhwc: Float32Array } {
  const rng = exampleRng(9, seed, 'images');
  const canonical = Float32Array.from({ length: n * 3 * size * size }, () => rng.uniform());
  const nhwc = new Float32Array(canonical.length);
  for (let e = 0; e < n; e++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < size * size; p++) nhwc[(e * size * size + p) * 3 + c] = pixel(canonical[(e * 3 + c) * size * size + p]!, c);
    }
  }
  return { canonical, nhwc };
}
