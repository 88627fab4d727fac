import { UserError } from '../core/errors.js';
import type { Dataset } from './dataset.js';
import type { ResizeMode } from './image.js';
import { resampleBatch } from './resample.js';
import { seededStream, type Rng } from '../core/rng.js';

/**
 * The built-in `synthetic` dataset: 10 classes of shapes and patterns drawn procedurally at 32x32 RGB, with
 * random colours, placement, size and rotation over textured backgrounds, plus clutter and pixel noise.
 * See docs/synthetic.md for the classes and the knobs in DIFFICULTY.
 *
 * Reproducibility: example i of a split depends on (seed, split, i) alone, through an integer RNG seeded
 * from those three numbers, so any example can be drawn on demand, in any order, with the same bytes.
 * The data path uses only integer operations, +, -, *, /, Math.sqrt and Math.floor (all correctly rounded
 * or exact in IEEE 754 doubles) plus the exact Math.abs/min/max: no sin/cos/exp, whose last bit may differ
 * between engines. Rotations come from random unit vectors, never from angles. The bytes are therefore the
 * same on every platform and Node version.
 *
 * Anti-aliasing is analytic rather than supersampled: every shape is a signed distance field d (in
 * pixels, negative inside) and a pixel is covered by clamp(0.5 - d, 0, 1), which is the box-filtered
 * coverage of a straight edge along an axis and close to it elsewhere (shape areas come out within 1%,
 * single pixels at sharp corners within 0.25), for one evaluation per pixel instead of 16 (4x4 supersampling).
 */

export const SYNTHETIC_CLASSES = [
  'circle',
  'square',
  'triangle',
  'cross',
  'star',
  'ring',
  'horizontal-stripes',
  'vertical-stripes',
  'checkerboard',
  'diagonal-line',
] as const;

export type SyntheticSplit = 'train' | 'test';

/** Side of every image in pixels, and bytes per image (HWC RGB). */
export const SYNTHETIC_SIDE = 32;
export const SYNTHETIC_BYTES = 3 * SYNTHETIC_SIDE * SYNTHETIC_SIDE;
export const SYNTHETIC_DEFAULT_SEED = 0;
export const SYNTHETIC_DEFAULT_SIZE: Readonly<Record<SyntheticSplit, number>> = { train: 50_000, test: 10_000 };

/**
 * How hard the task is. Changing any value changes every image (and the pinned hash in the tests).
 * Position, scale, rotation and colour are always random, which alone defeats a linear classifier; these
 * knobs mostly decide how far a small CNN falls behind a good one. They are set so that the zoo's CNNs
 * learn within a few epochs on 2 CPU cores (harder settings left every CNN near chance after 600 steps).
 */
export const DIFFICULTY = {
  /** Object radius range in pixels (circumradius for polygons, half-length for the diagonal line). */
  minRadius: 9,
  maxRadius: 14,
  /** Pattern classes draw their radius from [minRadius + patternExtraRadius, maxRadius] so they show >= 2 periods. */
  patternExtraRadius: 2,
  /** Least RGB (Euclidean, values in [0,1]) distance between object and background colour: lower is fainter. */
  minColourDistance: 0.6,
  /** Largest amplitude of the background's linear brightness ramp (per half image) and of its blotchy texture. */
  backgroundGradient: 0.05,
  backgroundTexture: 0.05,
  /** Up to this many clutter items (dots and short strokes in random colours) per image... */
  maxClutter: 2,
  /** ...each drawn over the object (occluding it) with this probability, else behind it. */
  clutterInFront: 0,
  /** Per-image standard deviation of additive Gaussian pixel noise is uniform in [0, maxNoise]. */
  maxNoise: 0.03,
} as const;

/**
 * Example i of a split, generated on first use and then kept in memory as uint8 HWC RGB (3 KiB per
 * example: 150 MiB for the full train split).
 */
export class SyntheticDataset implements Dataset {
  readonly name: string;
  readonly classes: readonly string[] = SYNTHETIC_CLASSES;
  private cache: Uint8Array | undefined;
  private readonly ready: Uint8Array;

  constructor(
    readonly split: SyntheticSplit,
    readonly seed: number,
    readonly size: number,
  ) {
    this.name = seed === SYNTHETIC_DEFAULT_SEED ? `synthetic:${split}` : `synthetic:${split}:seed=${seed}`;
    this.ready = new Uint8Array(size);
  }

  label(i: number): number {
    return drawLabel(exampleRng(this.seed, this.split, this.check(i)));
  }

  id(i: number): string {
    return `synthetic:${this.split}:${this.check(i)}`;
  }

  /** Example i as 32x32x3 uint8, HWC RGB (a copy). */
  bytes(i: number): Uint8Array {
    const at = this.generate(this.check(i));
    return this.cache!.slice(at, at + SYNTHETIC_BYTES);
  }

  /** Sizes other than 32x32 are resampled bilinearly (see resampleToCanonical); `resize` applies to those only. */
  async load(
    indices: readonly number[],
    height: number,
    width: number,
    opts: { resize?: ResizeMode } = {},
  ): Promise<Float32Array> {
    const imageOf = (i: number) => {
      const at = this.generate(this.check(i));
      return this.cache!.subarray(at, at + SYNTHETIC_BYTES);
    };
    return resampleBatch(indices, imageOf, 'hwc', SYNTHETIC_SIDE, height, width, opts.resize);
  }

  /** Renders example i into the cache unless it is there; returns its byte offset. */
  private generate(i: number): number {
    this.cache ??= new Uint8Array(this.size * SYNTHETIC_BYTES);
    const at = i * SYNTHETIC_BYTES;
    if (this.ready[i] === 0) {
      renderExample(exampleRng(this.seed, this.split, i), this.cache, at);
      this.ready[i] = 1;
    }
    return at;
  }

  private check(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`${this.name}: example ${i} out of range [0, ${this.size})`);
    }
    return i;
  }
}

export interface SyntheticOptions {
  /** 'test' by default. */
  split?: SyntheticSplit;
  /** Unsigned 32-bit integer; 0 by default. */
  seed?: number;
  /** Examples in the split: 50,000 (train) or 10,000 (test) by default. */
  size?: number;
}

export function openSynthetic(opts: SyntheticOptions = {}): SyntheticDataset {
  const split = opts.split ?? 'test';
  if (split !== 'train' && split !== 'test') throw new UserError(`synthetic: unknown split '${String(split)}'; use train or test`);
  const seed = opts.seed ?? SYNTHETIC_DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UserError(`synthetic: seed ${seed} is not an integer in [0, 2^32)`);
  }
  const size = opts.size ?? SYNTHETIC_DEFAULT_SIZE[split];
  // Bounded so that the whole split's cache stays a valid typed-array length.
  if (!Number.isInteger(size) || size < 1 || size > 2 ** 21) {
    throw new UserError(`synthetic: size ${size} is not an integer in [1, ${2 ** 21}]`);
  }
  return new SyntheticDataset(split, seed, size);
}

// ---------------------------------------------------------------------------------------------------------
// Random numbers

/** Uniform direction as a unit vector [cos, sin], by rejection from the unit disk (no trigonometry). */
function direction(rng: Rng): [number, number] {
  for (;;) {
    const x = rng.uniform(-1, 1);
    const y = rng.uniform(-1, 1);
    const r2 = x * x + y * y;
    if (r2 > 1e-4 && r2 <= 1) {
      const r = Math.sqrt(r2);
      return [x / r, y / r];
    }
  }
}

/** Unit vector within +-`tan` (the tangent of the largest angle) of the x axis, uniform in that tangent. */
function nearAxis(rng: Rng, tan: number): [number, number] {
  const t = rng.uniform(-tan, tan);
  const r = Math.sqrt(1 + t * t);
  return [1 / r, t / r];
}

const SPLIT_TAG: Readonly<Record<SyntheticSplit, number>> = { train: 1, test: 2 };

function exampleRng(seed: number, split: SyntheticSplit, i: number): Rng {
  return seededStream(seed, SPLIT_TAG[split], i);
}

/** The first draw of an example's stream, so labels need no rendering. */
function drawLabel(rng: Rng): number {
  return rng.int(SYNTHETIC_CLASSES.length);
}

// ---------------------------------------------------------------------------------------------------------
// Shapes: signed distances in pixels, negative inside, in the shape's own frame (centred, unrotated).

type Sdf = (x: number, y: number) => number;

const SQRT3 = Math.sqrt(3);
const SQRT5 = Math.sqrt(5);
/** cos and sin of 36 degrees in closed form, for the star's mirror axes. */
const COS36 = (1 + SQRT5) / 4;
const SIN36 = Math.sqrt(10 - 2 * SQRT5) / 4;
/** tan 15 degrees: how far stripes and checkerboards may tilt, so horizontal and vertical stay apart. */
const TAN15 = 2 - SQRT3;

const disk = (r: number): Sdf => (x, y) => Math.sqrt(x * x + y * y) - r;

const annulus = (outer: number, inner: number): Sdf => {
  const mid = (outer + inner) / 2;
  const half = (outer - inner) / 2;
  return (x, y) => Math.abs(Math.sqrt(x * x + y * y) - mid) - half;
};

/** Axis-aligned rectangle with half sizes hx, hy. */
const box = (hx: number, hy: number): Sdf => (x, y) => {
  const dx = Math.abs(x) - hx;
  const dy = Math.abs(y) - hy;
  const ox = Math.max(dx, 0);
  const oy = Math.max(dy, 0);
  return Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(dx, dy), 0);
};

/** Plus sign: the union of two bars; min of distances is exact outside and inside a union of convex parts that overlap. */
const plus = (arm: number, half: number): Sdf => {
  const h = box(arm, half);
  const v = box(half, arm);
  return (x, y) => Math.min(h(x, y), v(x, y));
};

/** Equilateral triangle with centroid at the origin and circumradius r (after I. Quilez). */
const triangle = (r: number): Sdf => {
  const half = (r * SQRT3) / 2;
  return (x, y) => {
    let px = Math.abs(x) - half;
    let py = y + half / SQRT3;
    if (px + SQRT3 * py > 0) {
      const qx = (px - SQRT3 * py) / 2;
      py = (-SQRT3 * px - py) / 2;
      px = qx;
    }
    px -= Math.min(Math.max(px, -2 * half), 0);
    const d = Math.sqrt(px * px + py * py);
    return py > 0 ? -d : d;
  };
};

/** Five-pointed star with outer radius r and inner radius ratio * r, folded into one edge by mirrors (after I. Quilez). */
const star = (r: number, ratio: number): Sdf => {
  const bx = ratio * SIN36;
  const by = ratio * COS36 - 1;
  const bb = bx * bx + by * by;
  return (x, y) => {
    let px = Math.abs(x);
    let py = y;
    let k = Math.max(COS36 * px - SIN36 * py, 0) * 2;
    px -= k * COS36;
    py += k * SIN36;
    k = Math.max(-COS36 * px - SIN36 * py, 0) * 2;
    px += k * COS36;
    py += k * SIN36;
    px = Math.abs(px);
    py -= r;
    const h = Math.min(Math.max((px * bx + py * by) / bb, 0), r);
    const ex = px - bx * h;
    const ey = py - by * h;
    const d = Math.sqrt(ex * ex + ey * ey);
    return py * bx - px * by > 0 ? d : -d;
  };
};

/** Segment from (-half, 0) to (half, 0) with rounded ends, thickness 2 * width. */
const capsule = (half: number, width: number): Sdf => (x, y) => {
  const dx = Math.max(Math.abs(x) - half, 0);
  return Math.sqrt(dx * dx + y * y) - width;
};

/** Signed distance to the 'on' half of a square wave of `period` along one axis (on where the phase is in [0, 0.5)). */
function stripeDistance(u: number, period: number): number {
  const f = u / period - Math.floor(u / period);
  return (f < 0.5 ? -Math.min(f, 0.5 - f) : Math.min(f - 0.5, 1 - f)) * period;
}

/** Coverage of a pixel by a shape at signed distance d: the box filter across a straight edge. */
function coverage(d: number): number {
  return d <= -0.5 ? 1 : d >= 0.5 ? 0 : 0.5 - d;
}

/** Per-pixel coverage in the shape's frame. */
type Cover = (x: number, y: number) => number;

const solid =
  (sdf: Sdf): Cover =>
  (x, y) =>
    coverage(sdf(x, y));

// ---------------------------------------------------------------------------------------------------------
// Rendering

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

interface Placed {
  cover: Cover;
  cx: number;
  cy: number;
  cos: number;
  sin: number;
  reach: number;
  colour: number[];
}

/** A dot or a short thin stroke anywhere in the image: small enough never to pass for an object. */
function clutterItem(rng: Rng): Placed {
  const cx = rng.uniform(0, SIDE);
  const cy = rng.uniform(0, SIDE);
  const colour = [rng.uniform(), rng.uniform(), rng.uniform()];
  if (rng.uniform() < 0.5) {
    const r = rng.uniform(0.8, 2);
    return { cover: solid(disk(r)), cx, cy, cos: 1, sin: 0, reach: r, colour };
  }
  const [cos, sin] = direction(rng);
  const half = rng.uniform(1.5, 4);
  const width = rng.uniform(0.5, 0.9);
  return { cover: solid(capsule(half, width)), cx, cy, cos, sin, reach: half + width, colour };
}

/** Region a pattern fills: a disk or a square (aligned with the pattern) of radius r. */
function patch(rng: Rng, r: number): Sdf {
  return rng.uniform() < 0.5 ? disk(r) : box(r * 0.8, r * 0.8);
}

/** The object of class `label` in `colour`. */
function classObject(rng: Rng, label: number, colour: number[]): Placed {
  const { minRadius, maxRadius, patternExtraRadius } = DIFFICULTY;
  const name = SYNTHETIC_CLASSES[label]!;
  const pattern = name === 'horizontal-stripes' || name === 'vertical-stripes' || name === 'checkerboard';
  const r = rng.uniform(pattern ? minRadius + patternExtraRadius : minRadius, maxRadius);
  // Objects may leave the frame by up to a quarter of their radius.
  const cx = rng.uniform(0.75 * r, SIDE - 0.75 * r);
  const cy = rng.uniform(0.75 * r, SIDE - 0.75 * r);
  let [cos, sin] = pattern ? nearAxis(rng, TAN15) : direction(rng);
  let cover: Cover;
  switch (name) {
    case 'circle':
      cover = solid(disk(r));
      break;
    case 'square':
      cover = solid(box(r * 0.75, r * 0.75));
      break;
    case 'triangle':
      cover = solid(triangle(r * 1.05));
      break;
    case 'cross':
      cover = solid(plus(r, r * rng.uniform(0.2, 0.34)));
      break;
    case 'star':
      cover = solid(star(r * 1.1, rng.uniform(0.38, 0.55)));
      break;
    case 'ring':
      cover = solid(annulus(r, r * rng.uniform(0.4, 0.65)));
      break;
    case 'horizontal-stripes':
    case 'vertical-stripes': {
      const region = patch(rng, r);
      const period = rng.uniform(3, 5);
      const phase = rng.uniform(0, period);
      const across = name === 'horizontal-stripes';
      cover = (x, y) => coverage(region(x, y)) * coverage(stripeDistance((across ? y : x) + phase, period));
      break;
    }
    case 'checkerboard': {
      const region = patch(rng, r);
      const period = 2 * rng.uniform(2.5, 4);
      const px = rng.uniform(0, period);
      const py = rng.uniform(0, period);
      // A checkerboard is the XOR of two stripe patterns; the box filter is separable, so for an untilted
      // board the XOR of their coverages is exact.
      cover = (x, y) => {
        const a = coverage(stripeDistance(x + px, period));
        const b = coverage(stripeDistance(y + py, period));
        return coverage(region(x, y)) * (a * b + (1 - a) * (1 - b));
      };
      break;
    }
    case 'diagonal-line': {
      // 45 or 135 degrees, give or take 15: the axis-near tilt rotated by 45 degrees, one way or the other.
      const flip = rng.uniform() < 0.5 ? -1 : 1;
      [cos, sin] = [(cos - sin) * Math.SQRT1_2, flip * (sin + cos) * Math.SQRT1_2];
      cover = solid(capsule(r, rng.uniform(1, 2)));
      break;
    }
  }
  return { cover, cx, cy, cos, sin, reach: 1.5 * r, colour };
}

/** Shared by all examples, sparing allocations per image: paintBackground sets every pixel, and rendering is synchronous. */
const canvas = new Canvas();
const noiseDraws = new Uint32Array(SYNTHETIC_BYTES);

/**
 * Draws one example from its RNG stream into `out` at `offset` as uint8 HWC RGB. The order of draws is
 * part of the dataset's definition: label, colours, background, clutter, object, noise.
 */
function renderExample(rng: Rng, out: Uint8Array, offset: number): void {
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
