import type { Rng } from '../../core/rng.js';
import { DIFFICULTY, SYNTHETIC_CLASSES, SYNTHETIC_SIDE } from './definition.js';
import { direction, nearAxis } from './random.js';
import { annulus, box, capsule, coverage, disk, plus, solid, star, stripeDistance, triangle, type Cover, type Sdf } from './shapes.js';

/** What is drawn on an example: the object of its class, and the clutter around it, each placed and rotated. */

const SIDE = SYNTHETIC_SIDE;
/** tan 15 degrees: how far stripes and checkerboards may tilt, so horizontal and vertical stay apart. */
const TAN15 = 2 - Math.sqrt(3);

/** A shape's coverage placed at (cx, cy), rotated by the unit vector (cos, sin), reaching `reach` pixels from its centre. */
export interface Placed {
  cover: Cover;
  cx: number;
  cy: number;
  cos: number;
  sin: number;
  reach: number;
  colour: number[];
}

/** A dot or a short thin stroke anywhere in the image: small enough never to pass for an object. */
export function clutterItem(rng: Rng): Placed {
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
export function classObject(rng: Rng, label: number, colour: number[]): Placed {
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
