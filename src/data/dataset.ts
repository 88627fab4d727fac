import type { ResizeMode } from './image.js';

/** A labelled image source that can produce examples in canonical space at any size. */
export interface Dataset {
  readonly name: string;
  readonly size: number;
  /** Class identifiers (folder names, WordNet IDs, digits ...); an example's label indexes this list. */
  readonly classes: readonly string[];
  /** Label of example i (index into `classes`). */
  label(i: number): number;
  /** Stable identifier of example i (file path relative to the dataset root, or "split:index"). */
  id(i: number): string;
  /**
   * Examples `indices` as float32 NCHW RGB in [0,1] at height x width. `resize` is the model's choice
   * (its manifest); datasets already at the requested size ignore it.
   */
  load(indices: readonly number[], height: number, width: number, opts?: { resize?: ResizeMode }): Promise<Float32Array>;
}

/** ITU-R BT.601 luma weights: how greyscale models (MNIST-style) see an RGB example. */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Examples in a model's canonical input shape [c, h, w]: loaded at its size and resize mode, and reduced
 * to luminance for 1-channel models.
 */
export async function loadExamples(dataset: Dataset, indices: readonly number[], inputShape: readonly [number, number, number], resize?: ResizeMode): Promise<Float32Array> {
  const [c, h, w] = inputShape;
  return toChannels(await dataset.load(indices, h, w, { resize }), c, h * w);
}

/** RGB examples (NCHW) reduced to `c` channels: unchanged for 3, luminance for 1. */
export function toChannels(rgb: Float32Array, c: number, plane: number): Float32Array {
  if (c === 3) return rgb;
  const n = rgb.length / (3 * plane);
  const out = new Float32Array(n * plane);
  for (let e = 0; e < n; e++) {
    for (let p = 0; p < plane; p++) {
      const base = e * 3 * plane + p;
      out[e * plane + p] = LUMA[0] * rgb[base]! + LUMA[1] * rgb[base + plane]! + LUMA[2] * rgb[base + 2 * plane]!;
    }
  }
  return out;
}
