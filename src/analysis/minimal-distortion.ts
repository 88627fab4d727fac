import type { LpNorm } from '../core/lp.js';
import { seededStream } from '../core/rng.js';

/**
 * Statistics of per-example minimal distortions in which a failed attack counts as +Infinity: the attack
 * found no adversarial example within its budget, so the example resists it at every distortion it
 * tried. A mean over successes alone compares models on different subsets (the hardest examples fail
 * first); the median and the robustness curve use every attacked example.
 */

export interface MedianEstimate {
  /** +Infinity when more than half of the examples were not broken. */
  median: number;
  /** Bootstrap percentile interval (order statistics of the resampled medians); either end may be +Infinity. */
  interval: [number, number];
  level: number;
  count: number;
  /** Examples counted as +Infinity (failures). */
  unbroken: number;
}

export interface MedianOptions {
  seed: number;
  /** Names the bootstrap's random stream, so that each median's interval is independent of the others. */
  stream: string;
  /** Default 1000. */
  resamples?: number;
  /** Default 0.95. */
  level?: number;
}

/** The median of sorted values; the mean of the middle two for an even count (+Infinity if either is). */
function medianSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : sorted[mid - 1]! === sorted[mid]! ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The per-example distortions' median with a bootstrap interval over the examples. Needs at least one value. */
export function medianWithInterval(values: readonly number[], opts: MedianOptions): MedianEstimate {
  if (values.length === 0) throw new Error('medianWithInterval: no values');
  for (const v of values) if (Number.isNaN(v) || v < 0) throw new Error(`medianWithInterval: distortion ${v} is not a non-negative number or +Infinity`);
  const level = opts.level ?? 0.95;
  const resamples = opts.resamples ?? 1000;
  const sorted = Float64Array.from(values).sort();
  const rng = seededStream(opts.seed, opts.stream, 'median-bootstrap');
  const medians = new Float64Array(resamples);
  const sample = new Float64Array(values.length);
  for (let b = 0; b < resamples; b++) {
    for (let k = 0; k < sample.length; k++) sample[k] = sorted[rng.int(sorted.length)]!;
    medians[b] = medianSorted(sample.sort());
  }
  medians.sort();
  // Order statistics rather than interpolation: interpolating towards +Infinity has no value.
  const tail = (1 - level) / 2;
  const low = medians[Math.floor(tail * (resamples - 1))]!;
  const high = medians[Math.ceil((1 - tail) * (resamples - 1))]!;
  return { median: medianSorted(sorted), interval: [low, high], level, count: values.length, unbroken: values.filter((v) => v === Infinity).length };
}

/** Fraction of examples not broken at distortion eps: those whose minimal distortion exceeds eps. */
export function notBrokenAt(values: readonly number[], eps: number): number {
  if (values.length === 0) throw new Error('notBrokenAt: no values');
  return values.filter((v) => v > eps).length / values.length;
}

export interface RobustnessCurve {
  /** Distortion budgets at which the curve steps, ascending, starting at 0. */
  eps: number[];
  /** Fraction of examples not broken at each budget (a step function, constant until the next budget). */
  notBroken: number[];
  /** Fraction never broken by the attack (failures): where the curve ends. */
  floor: number;
}

/**
 * The robustness curve of one model under one attack and norm: for every budget eps, the fraction of
 * attacked examples whose minimal distortion is above eps. It falls at each example's distortion and
 * ends at the fraction of failures.
 */
export function robustnessCurve(values: readonly number[]): RobustnessCurve {
  const n = values.length;
  if (n === 0) throw new Error('robustnessCurve: no values');
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const eps = [0];
  const notBroken = [values.filter((v) => v > 0).length / n];
  finite.forEach((v, k) => {
    if (finite[k + 1] === v || v === 0) return;
    eps.push(v);
    notBroken.push((n - (k + 1)) / n);
  });
  return { eps, notBroken, floor: (n - finite.length) / n };
}

/**
 * The norm whose distortion an attack minimises (C&W: L2, EAD: L1, DeepFool and FMN: their `norm`, the
 * I-FGSM search: L∞), undefined for the attacks that only seek success within a fixed ball (FGSM,
 * fixed-budget I-FGSM, PGD, APGD): their distortion is the budget, and their budget shows in successes alone.
 */
export function minimisedNorm(attack: string, params: Readonly<Record<string, unknown>>): LpNorm | undefined {
  switch (attack) {
    case 'cw-l2':
      return 'l2';
    case 'ead':
      return 'l1';
    case 'ifgsm':
      return params.search === true ? 'linf' : undefined;
    case 'deepfool':
    case 'fmn':
      return params.norm as LpNorm;
    default:
      return undefined;
  }
}

/**
 * Whether an attack's distortion measures robustness: it minimises a norm (minimisedNorm; the I-FGSM search
 * finds each example's smallest budget, with one iteration FGSM's). FGSM, PGD, APGD and I-FGSM at a fixed
 * budget return an example within the budget, so their distortion is the budget, not a measurement.
 */
export function searchesMinimalDistortion(attack: string, params: Readonly<Record<string, unknown>>): boolean {
  return minimisedNorm(attack, params) !== undefined;
}
