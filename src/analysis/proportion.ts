/**
 * A proportion measured on n trials, with its Wilson score interval: unlike the normal approximation it
 * stays inside [0, 1] and is not empty at 0 or n successes, which is where an accuracy of 100% on
 * thousands of images (an error of exactly 0) needs an upper bound.
 */
export interface Proportion {
  successes: number;
  trials: number;
  /** successes / trials. */
  estimate: number;
  level: number;
  interval: [number, number];
  /** The interval's midpoint, (successes + z²/2) / (trials + z²): finite and inside (0, 1) even at 0 or n successes. */
  center: number;
}

/** z of a two-sided normal interval at 90%, 95% and 99%. */
const Z: Readonly<Record<string, number>> = { '0.9': 1.6448536269514722, '0.95': 1.959963984540054, '0.99': 2.5758293035489004 };

export function wilsonInterval(successes: number, trials: number, level = 0.95): Proportion {
  if (!Number.isInteger(trials) || trials <= 0) throw new Error(`wilsonInterval: ${trials} trials; expected a positive integer`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) throw new Error(`wilsonInterval: ${successes} successes of ${trials} trials`);
  const z = Z[String(level)];
  if (z === undefined) throw new Error(`wilsonInterval: level ${level}; supported: ${Object.keys(Z).join(', ')}`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const center = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // At 0 or n successes the bound is exactly 0 or 1; rounding must not move it.
  const low = successes === 0 ? 0 : Math.max(0, center - half);
  const high = successes === trials ? 1 : Math.min(1, center + half);
  return { successes, trials, estimate: p, level, interval: [low, high], center };
}
