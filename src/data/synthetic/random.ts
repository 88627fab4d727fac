import { seededStream, type Rng } from '../../core/rng.js';
import { SYNTHETIC_CLASSES, type SyntheticSplit } from './definition.js';

/**
 * The random streams of the dataset: one per example, seeded from (seed, split, index) alone, and the
 * draws made from it that need care to stay bit-identical across engines (directions without trigonometry).
 */

/** Uniform direction as a unit vector [cos, sin], by rejection from the unit disk (no trigonometry). */
export function direction(rng: Rng): [number, number] {
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
export function nearAxis(rng: Rng, tan: number): [number, number] {
  const t = rng.uniform(-tan, tan);
  const r = Math.sqrt(1 + t * t);
  return [1 / r, t / r];
}

const SPLIT_TAG: Readonly<Record<SyntheticSplit, number>> = { train: 1, test: 2 };

/** The stream example i of a split is drawn from: labels and images depend on (seed, split, i) alone. */
export function imageStream(seed: number, split: SyntheticSplit, i: number): Rng {
  return seededStream(seed, SPLIT_TAG[split], i);
}

/** The first draw of an example's stream, so labels need no rendering. */
export function drawLabel(rng: Rng): number {
  return rng.int(SYNTHETIC_CLASSES.length);
}

