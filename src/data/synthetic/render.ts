import type { Rng } from '../../core/rng.js';
import { DIFFICULTY, SYNTHETIC_BYTES, SYNTHETIC_SIDE } from './definition.js';
import { classObject, clutterItem } from './objects.js';
import { direction, drawLabel } from './random.js';
import type { Cover } from './shapes.js';

/**
 * Drawing one example from its random stream: the background, then clutter and the class's object
 * (objects.ts) composited on a float canvas, then pixel noise and rounding to bytes.
 */

const SIDE = SYNTHETIC_SIDE;
/** Standard deviation of the sum of four uniform bytes, which approximates a Gaussian draw from one 32-bit number. */
const BYTE_SUM_STD = Math.sqrt((4 * (256 * 256 - 1)) / 12);

/** A float RGB image (HWC) that layers are composited onto. */
class Canvas {
  readonly rgb = new Float64Array(SYNTHETIC_BYTES);

  /**
   * Blends `colour` over the canvas with the coverage of `cover`, placed at (cx, cy) and rotated by the
   * unit vector (cos, sin); only pixels within `reach` of the centre are visited.
   */
  draw(cover: Cover, cx: number, cy: number, cos: number, sin: number, reach: number, colour: readonly number[]): void {
    const x0 = Math.max(Math.floor(cx - reach - 1), 0);
    const x1 = Math.min(Math.floor(cx + reach + 2), SIDE);
    const y0 = Math.max(Math.floor(cy - reach - 1), 0);
    const y1 = Math.min(Math.floor(cy + reach + 2), SIDE);
    const [r, g, b] = colour as [number, number, number];
    const rgb = this.rgb;
    for (let y = y0; y < y1; y++) {
      const dy = y + 0.5 - cy;
      for (let x = x0; x < x1; x++) {
        const dx = x + 0.5 - cx;
        const a = cover(cos * dx + sin * dy, cos * dy - sin * dx);
        if (a > 0) {
          const p = 3 * (y * SIDE + x);
          rgb[p] = rgb[p]! + a * (r - rgb[p]!);
          rgb[p + 1] = rgb[p + 1]! + a * (g - rgb[p + 1]!);
          rgb[p + 2] = rgb[p + 2]! + a * (b - rgb[p + 2]!);
        }
      }
    }
  }
}

/** A random colour at least DIFFICULTY.minColourDistance from `other`. */
function contrastingColour(rng: Rng, other: readonly number[]): number[] {
  for (;;) {
    const c = [rng.uniform(), rng.uniform(), rng.uniform()];
    const d0 = c[0]! - other[0]!;
    const d1 = c[1]! - other[1]!;
    const d2 = c[2]! - other[2]!;
    if (d0 * d0 + d1 * d1 + d2 * d2 >= DIFFICULTY.minColourDistance * DIFFICULTY.minColourDistance) return c;
  }
}

/**
 * Base colour plus a brightness ramp in a random direction plus value noise: a coarse grid of random
 * brightness offsets interpolated with smoothstep, which gives soft blotches of 6-16 pixels.
 */
function paintBackground(rng: Rng, canvas: Canvas, colour: readonly number[]): void {
  const [ux, uy] = direction(rng);
  const ramp = rng.uniform(0, DIFFICULTY.backgroundGradient) / (SIDE / 2);
  const texture = rng.uniform(0, DIFFICULTY.backgroundTexture);
  const cells = 2 + rng.int(4);
  const grid = new Float64Array((cells + 1) * (cells + 1));
  for (let k = 0; k < grid.length; k++) grid[k] = rng.uniform(-1, 1);
  const cell = SIDE / cells;
  const rgb = canvas.rgb;
  for (let y = 0; y < SIDE; y++) {
    const gy = (y + 0.5) / cell;
    const iy = Math.floor(gy);
    const ty = gy - iy;
    const sy = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < SIDE; x++) {
      const gx = (x + 0.5) / cell;
      const ix = Math.floor(gx);
      const tx = gx - ix;
      const sx = tx * tx * (3 - 2 * tx);
      const k = iy * (cells + 1) + ix;
      const top = grid[k]! + sx * (grid[k + 1]! - grid[k]!);
      const bottom = grid[k + cells + 1]! + sx * (grid[k + cells + 2]! - grid[k + cells + 1]!);
      const offset = ramp * (ux * (x + 0.5 - SIDE / 2) + uy * (y + 0.5 - SIDE / 2)) + texture * (top + sy * (bottom - top));
      const p = 3 * (y * SIDE + x);
      rgb[p] = colour[0]! + offset;
      rgb[p + 1] = colour[1]! + offset;
      rgb[p + 2] = colour[2]! + offset;
    }
  }
}

/** Shared by all examples, sparing allocations per image: paintBackground sets every pixel, and rendering is synchronous. */
const canvas = new Canvas();
const noiseDraws = new Uint32Array(SYNTHETIC_BYTES);

/**
 * Draws one example from its RNG stream into `out` at `offset` as uint8 HWC RGB. The order of draws is
 * part of the dataset's definition: label, colours, background, clutter, object, noise.
 */
export function renderExample(rng: Rng, out: Uint8Array, offset: number): void {
  const label = drawLabel(rng);
  const background = [rng.uniform(), rng.uniform(), rng.uniform()];
  const foreground = contrastingColour(rng, background);
  paintBackground(rng, canvas, background);
  const clutter = Array.from({ length: rng.int(DIFFICULTY.maxClutter + 1) }, () => ({
    item: clutterItem(rng),
    front: rng.uniform() < DIFFICULTY.clutterInFront,
  }));
  const object = classObject(rng, label, foreground);
  const noise = rng.uniform(0, DIFFICULTY.maxNoise) / BYTE_SUM_STD;
  const layers = [...clutter.filter((c) => !c.front).map((c) => c.item), object, ...clutter.filter((c) => c.front).map((c) => c.item)];
  for (const l of layers) canvas.draw(l.cover, l.cx, l.cy, l.cos, l.sin, l.reach, l.colour);
  const rgb = canvas.rgb;
  rng.fill(noiseDraws);
  for (let p = 0; p < SYNTHETIC_BYTES; p++) {
    const n = noiseDraws[p]!;
    const gauss = (n & 255) + ((n >>> 8) & 255) + ((n >>> 16) & 255) + (n >>> 24) - 510;
    const v = Math.floor((rgb[p]! + noise * gauss) * 255 + 0.5);
    out[offset + p] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}
