/**
 * What the `synthetic` dataset is: its classes, its image size and how hard it is (docs/synthetic.md).
 * Changing any value here changes every image, and the pinned hash in the tests.
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

