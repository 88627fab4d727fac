import type { Rng } from './rng.js';

/**
 * Lp geometry in one place (Foolbox's distances.py idea): the norms attacks move in, distortions are
 * measured in and CLEVER bounds, with their duals, the steepest steps, the projections onto a ball
 * intersected with the canonical box [0,1], and uniform sampling of a ball. Plain functions over
 * Float32Array/Float64Array slices; sums run in float64 so large images keep their precision.
 */

/** The norms of a ball or a step. Outside spellings (CLEVER's `1|2|inf`) are read by `parseLpNorm`. */
export const LP_NORMS = ['l1', 'l2', 'linf'] as const;
export type LpNorm = (typeof LP_NORMS)[number];

/** The norms a distortion is reported in: the Lp norms plus L0, the count of changed elements. */
export const DISTORTION_NORMS = ['l0', ...LP_NORMS] as const;
export type DistortionNorm = (typeof DISTORTION_NORMS)[number];

/** The norms with a steepest-ascent step of their own (L1's is a single coordinate: no attack uses it). */
export type StepNorm = Exclude<LpNorm, 'l1'>;

/** ||v||_p. */
export function lpNorm(v: ArrayLike<number>, norm: LpNorm): number {
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (norm === 'l2') acc += a * a;
    else if (norm === 'l1') acc += a;
    else acc = Math.max(acc, a);
  }
  return norm === 'l2' ? Math.sqrt(acc) : acc;
}

/** ||a - b||_p, without materialising the difference. */
export function lpDistance(a: ArrayLike<number>, b: ArrayLike<number>, norm: LpNorm): number {
  let acc = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (norm === 'l2') acc += d * d;
    else if (norm === 'l1') acc += d;
    else acc = Math.max(acc, d);
  }
  return norm === 'l2' ? Math.sqrt(acc) : acc;
}

/** The dual norm ||g||_q (1/p + 1/q = 1): a linear function g.d moves by at most ||g||_q ||d||_p. */
export function dualNorm(g: ArrayLike<number>, norm: LpNorm): number {
  return lpNorm(g, DUAL[norm]);
}

const DUAL: Readonly<Record<LpNorm, LpNorm>> = { l1: 'linf', l2: 'l2', linf: 'l1' };

export function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Clips an example into the box, in place. */
export function clipToBox(adv: Float32Array): void {
  for (let i = 0; i < adv.length; i++) adv[i] = clip01(adv[i]!);
}

/**
 * adv += step * (the unit-norm direction of steepest ascent of g.d): sign(g) for L-inf, g / ||g||_2 for
 * L2 (no move on a zero gradient).
 */
export function steepestStep(adv: Float32Array, grad: Float32Array, step: number, norm: StepNorm): void {
  if (norm === 'linf') {
    for (let i = 0; i < adv.length; i++) adv[i] = adv[i]! + step * Math.sign(grad[i]!);
    return;
  }
  const n = lpNorm(grad, 'l2');
  if (n === 0) return;
  for (let i = 0; i < adv.length; i++) adv[i] = adv[i]! + (step / n) * grad[i]!;
}

/**
 * Moves adv into the intersection of the box and the ball of radius eps around x, in place. L-inf: the
 * exact projection (per element). L2 and L1: the perturbation is projected onto the ball (L2 scaled, L1 by
 * soft thresholding, Duchi et al. 2008), then clipped to the box (clipping only shrinks it, so it stays in
 * the ball; not the exact projection onto the intersection, which has no closed form, but what PGD and
 * FMN implementations do).
 */
export function projectToBall(adv: Float32Array, x: Float32Array, eps: number, norm: LpNorm): void {
  if (norm === 'linf') {
    for (let i = 0; i < adv.length; i++) {
      const lo = Math.max(0, x[i]! - eps);
      const hi = Math.min(1, x[i]! + eps);
      adv[i] = Math.min(Math.max(adv[i]!, lo), hi);
    }
    return;
  }
  if (norm === 'l1') {
    const theta = l1Threshold(adv, x, eps);
    for (let i = 0; i < adv.length; i++) {
      const d = adv[i]! - x[i]!;
      adv[i] = clip01(x[i]! + Math.sign(d) * Math.max(0, Math.abs(d) - theta));
    }
    return;
  }
  const n = lpDistance(adv, x, 'l2');
  const scale = n > eps ? eps / n : 1;
  for (let i = 0; i < adv.length; i++) adv[i] = clip01(x[i]! + (adv[i]! - x[i]!) * scale);
}

/**
 * The threshold theta >= 0 whose soft thresholding max(0, |d_i| - theta) puts d = adv - x on the L1 ball of
 * radius eps (0 when d is inside already): with |d| sorted descending, theta = (sum of the first rho - eps)
 * / rho for the largest rho whose rho-th magnitude still exceeds it.
 */
function l1Threshold(adv: Float32Array, x: Float32Array, eps: number): number {
  const mags = new Float64Array(adv.length);
  for (let i = 0; i < adv.length; i++) mags[i] = Math.abs(adv[i]! - x[i]!);
  let total = 0;
  for (const m of mags) total += m;
  if (total <= eps) return 0;
  mags.sort().reverse();
  let sum = 0;
  let theta = 0;
  for (let j = 0; j < mags.length; j++) {
    sum += mags[j]!;
    const t = (sum - eps) / (j + 1);
    if (mags[j]! <= t) break;
    theta = t;
  }
  return theta;
}

/** Replaces image (in place) by a uniform point of the eps-ball around it, clipped to the box: a random start. */
export function randomStartInBall(image: Float32Array, norm: LpNorm, eps: number, rng: Rng): void {
  const delta = new Float64Array(image.length);
  sampleBall(delta, norm, eps, rng);
  for (let i = 0; i < image.length; i++) image[i] = clip01(image[i]! + delta[i]!);
}

/**
 * A point uniform in the Lp ball of `radius` centred at 0, written to `out` (its length is the dimension):
 * - L2: a Gaussian direction (isotropic) times radius * U^(1/d), since the volume within r grows as r^d;
 * - L1: exponential magnitudes E_1..E_d with random signs, divided by E_1 + ... + E_{d+1}: the normalised
 *   spacings are uniform on the simplex, and the extra (d+1)-th one fills the ball rather than its surface;
 * - L-inf: independent uniforms on [-radius, radius].
 */
export function sampleBall(out: Float64Array, norm: LpNorm, radius: number, rng: Rng): void {
  const d = out.length;
  if (norm === 'linf') {
    for (let k = 0; k < d; k++) out[k] = radius * (2 * rng.uniform() - 1);
  } else if (norm === 'l2') {
    let sq = 0;
    while (sq === 0) {
      sq = 0;
      for (let k = 0; k < d; k++) {
        out[k] = rng.normal();
        sq += out[k]! ** 2;
      }
    }
    const scale = (radius * Math.pow(rng.uniform(), 1 / d)) / Math.sqrt(sq);
    for (let k = 0; k < d; k++) out[k]! *= scale;
  } else {
    const exponential = () => -Math.log(1 - rng.uniform());
    let sum = exponential();
    for (let k = 0; k < d; k++) {
      const e = exponential();
      sum += e;
      out[k] = rng.uniform() < 0.5 ? -e : e;
    }
    for (let k = 0; k < d; k++) out[k]! *= radius / sum;
  }
}

/**
 * Reads a norm in any spelling users write (the study's CLEVER `1`, `2`, `inf`; `l1`, `l2`, `linf`);
 * undefined for anything else, so the caller can name the field in its error.
 */
export function parseLpNorm(value: unknown): LpNorm | undefined {
  const s = String(value).toLowerCase();
  if (s === '1' || s === 'l1') return 'l1';
  if (s === '2' || s === 'l2') return 'l2';
  if (s === 'inf' || s === 'linf') return 'linf';
  return undefined;
}

/** The study's spelling of a norm (`1`, `2`, `inf`): CLEVER's stored rows, JSON output and CLI option. */
export function pNotation(norm: LpNorm): '1' | '2' | 'inf' {
  return norm === 'l1' ? '1' : norm === 'l2' ? '2' : 'inf';
}
