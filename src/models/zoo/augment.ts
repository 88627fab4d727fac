import type { Rng } from '../../core/rng.js';

/**
 * Training-time augmentation of one canonical CHW image in place: a random translation of up to `pad`
 * pixels (the uncovered border repeats the edge, so no artificial frame appears) and a horizontal flip.
 * Both leave every synthetic class intact: stripes stay horizontal or vertical, shapes stay shapes.
 */
export function augmentInPlace(img: Float32Array, c: number, h: number, w: number, pad: number, rng: Rng, scratch: Float32Array): void {
  const dy = rng.int(2 * pad + 1) - pad;
  const dx = rng.int(2 * pad + 1) - pad;
  const flip = rng.uniform() < 0.5;
  if (dy === 0 && dx === 0 && !flip) return;
  scratch.set(img.subarray(0, c * h * w));
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++) {
      const sy = Math.min(h - 1, Math.max(0, y + dy));
      for (let x = 0; x < w; x++) {
        const tx = flip ? w - 1 - x : x;
        const sx = Math.min(w - 1, Math.max(0, tx + dx));
        img[base + y * w + x] = scratch[base + sy * w + sx]!;
      }
    }
  }
}
