import { UserError } from '../../core/errors.js';
import type { Dataset } from '../dataset.js';
import type { ResizeMode } from '../image.js';
import { resampleBatch } from '../resample.js';
import { SYNTHETIC_BYTES, SYNTHETIC_CLASSES, SYNTHETIC_SIDE, type SyntheticSplit } from './definition.js';
import { drawLabel, imageStream } from './random.js';
import { renderExample } from './render.js';

/**
 * The built-in `synthetic` dataset: 10 classes of shapes and patterns drawn procedurally at 32x32 RGB, with
 * random colours, placement, size and rotation over textured backgrounds, plus clutter and pixel noise.
 * See docs/synthetic.md for the classes and the knobs in DIFFICULTY (definition.ts). An example is drawn
 * by render.ts from its own random stream (random.ts) with the shapes of shapes.ts.
 *
 * Reproducibility: example i of a split depends on (seed, split, i) alone, through an integer RNG seeded
 * from those three numbers, so any example can be drawn on demand, in any order, with the same bytes.
 * The data path uses only integer operations, +, -, *, /, Math.sqrt and Math.floor (all correctly rounded
 * or exact in IEEE 754 doubles) plus the exact Math.abs/min/max: no sin/cos/exp, whose last bit may differ
 * between engines. Rotations come from random unit vectors, never from angles. The bytes are therefore the
 * same on every platform and Node version.
 */

export const SYNTHETIC_DEFAULT_SEED = 0;
export const SYNTHETIC_DEFAULT_SIZE: Readonly<Record<SyntheticSplit, number>> = { train: 50_000, test: 10_000 };

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
    return drawLabel(imageStream(this.seed, this.split, this.check(i)));
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
      renderExample(imageStream(this.seed, this.split, i), this.cache, at);
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
