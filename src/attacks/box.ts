/**
 * The canonical box [0,1] and the norm balls attacks stay in. Functions work in place on one example's
 * slice; values are computed in float64 and stored in float32.
 */

export function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Clips an example into the box. */
export function clipToBox(adv: Float32Array): void {
  for (let i = 0; i < adv.length; i++) adv[i] = clip01(adv[i]!);
}

/** Projects onto the intersection of the box and the L-inf ball of radius eps around x. */
export function projectLinf(adv: Float32Array, x: Float32Array, eps: number): void {
  for (let i = 0; i < adv.length; i++) {
    const lo = Math.max(0, x[i]! - eps);
    const hi = Math.min(1, x[i]! + eps);
    adv[i] = Math.min(Math.max(adv[i]!, lo), hi);
  }
}

/**
 * Scales the perturbation into the L2 ball of radius eps around x, then clips to the box (clipping only
 * shrinks the perturbation, so the result stays in the ball; it is not the exact projection onto the
 * intersection, which has no closed form, but it is what PGD implementations do).
 */
export function projectL2(adv: Float32Array, x: Float32Array, eps: number): void {
  let sum = 0;
  for (let i = 0; i < adv.length; i++) sum += (adv[i]! - x[i]!) ** 2;
  const norm = Math.sqrt(sum);
  const scale = norm > eps ? eps / norm : 1;
  for (let i = 0; i < adv.length; i++) adv[i] = clip01(x[i]! + (adv[i]! - x[i]!) * scale);
}

/** adv += step * sign(grad): the L-inf steepest-ascent step. */
export function signStep(adv: Float32Array, grad: Float32Array, step: number): void {
  for (let i = 0; i < adv.length; i++) adv[i] = adv[i]! + step * Math.sign(grad[i]!);
}

/** adv += step * grad / ||grad||_2: the L2 steepest-ascent step (no move on a zero gradient). */
export function normalizedStep(adv: Float32Array, grad: Float32Array, step: number): void {
  const norm = norm2(grad);
  if (norm === 0) return;
  for (let i = 0; i < adv.length; i++) adv[i] = adv[i]! + (step / norm) * grad[i]!;
}

export function norm1(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += Math.abs(v[i]!);
  return sum;
}

export function norm2(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  return Math.sqrt(sum);
}
