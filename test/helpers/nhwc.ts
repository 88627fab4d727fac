import assert from 'node:assert/strict';

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
