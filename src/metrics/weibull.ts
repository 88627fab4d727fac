import gammaln from '@stdlib/math-base-special-gammaln';
import kstest from '@stdlib/stats-kstest';

/**
 * The reverse Weibull distribution and CLEVER's way of fitting it (Weng et al., ICLR 2018): the maxima of
 * gradient norms over random batches follow it, and its location (the right end of its support) is the
 * Lipschitz estimate.
 *
 * X <= location and location - X ~ Weibull(shape, scale), so
 *   F(x) = exp(-((location - x) / scale)^shape) for x < location, 1 beyond.
 */
export interface ReverseWeibull {
  readonly shape: number;
  readonly location: number;
  readonly scale: number;
}

export function reverseWeibullCdf(x: number, d: ReverseWeibull): number {
  if (x >= d.location) return 1;
  return Math.exp(-Math.pow((d.location - x) / d.scale, d.shape));
}

/** Log-likelihood of samples; -Infinity when a sample lies at or beyond the location (zero density). */
export function reverseWeibullLogLikelihood(samples: ArrayLike<number>, d: ReverseWeibull): number {
  const { shape: c, location, scale: s } = d;
  let sum = 0;
  for (let k = 0; k < samples.length; k++) {
    const y = (location - samples[k]!) / s;
    if (!(y > 0)) return -Infinity;
    sum += (c - 1) * Math.log(y) - Math.pow(y, c);
  }
  return sum + samples.length * (Math.log(c) - Math.log(s));
}

export interface KsTest {
  /** sup |F_n - F|. */
  readonly statistic: number;
  /** Two-sided, from the exact Kolmogorov distribution of D_n (Marsaglia, Tsang and Wang 2003). */
  readonly pValue: number;
}

export function ksTest(samples: ArrayLike<number>, cdf: (x: number) => number): KsTest {
  const r = kstest(Array.from(samples), cdf);
  return { statistic: r.statistic, pValue: r.pValue };
}

/**
 * A fitted distribution, or the fallback. When `usedFallback` is true, `location` is the sample maximum and
 * shape and scale are null; `ksPValue` is then the best p-value any fit reached (null when none could be
 * attempted: fewer than 3 samples, or all equal).
 */
export interface WeibullFit {
  readonly shape: number | null;
  readonly location: number;
  readonly scale: number | null;
  readonly ksPValue: number | null;
  readonly usedFallback: boolean;
}

/** The reference implementation's initial shapes, and its p-value below which a fit is not trusted. */
export const INITIAL_SHAPES: readonly number[] = [0.1, 1, 5, 10, 20, 50, 100];
export const MIN_KS_P_VALUE = 0.001;

export interface FitOptions {
  initialShapes?: readonly number[];
  minPValue?: number;
}

/**
 * Maximum-likelihood fit as in the reference's default method ('mle_reg'): one local MLE per initial
 * shape, the fit with the best Kolmogorov-Smirnov p-value wins, and the sample maximum is used instead
 * when that p-value is below `minPValue` (or when no fit is possible: all samples equal, as for a linear
 * model, whose gradient norm is the same everywhere and whose maximum is therefore exact).
 *
 * Where the reference runs Nelder-Mead over (shape, location, scale) we profile the likelihood: for a
 * given location and shape the best scale is closed-form, and for a given location the best shape is the
 * unique root of a monotone equation, so each start only needs a 1-D search over the location, which
 * cannot stall the way a simplex can. Samples are shifted and scaled to [-1, 0] first, as in the
 * reference, so tolerances and the regulariser mean the same at every magnitude.
 */
export function fitReverseWeibull(samples: ArrayLike<number>, opts: FitOptions = {}): WeibullFit {
  const initialShapes = opts.initialShapes ?? INITIAL_SHAPES;
  const minPValue = opts.minPValue ?? MIN_KS_P_VALUE;
  let max = -Infinity;
  let min = Infinity;
  for (let k = 0; k < samples.length; k++) {
    const v = samples[k]!;
    if (!Number.isFinite(v)) throw new Error(`fitReverseWeibull: sample ${k} is ${v}`);
    max = Math.max(max, v);
    min = Math.min(min, v);
  }
  const range = max - min;
  const fallback = (ksPValue: number | null): WeibullFit =>
    ({ shape: null, location: max, scale: null, ksPValue, usedFallback: true });
  if (samples.length < 3 || !(range > 0)) return fallback(null);

  const profile = new LocationProfile(Float64Array.from(samples, (v) => (v - max) / range));
  let best: { fit: ReverseWeibull; pValue: number } | undefined;
  for (const c0 of initialShapes) {
    const t = profile.maximize(profile.momentsStart(c0));
    const { shape, scale } = profile.at(t);
    const fit = { shape, location: max + range * Math.exp(t), scale: range * scale };
    const { pValue } = ksTest(samples, (x) => reverseWeibullCdf(x, fit));
    if (Number.isFinite(pValue) && (best === undefined || pValue > best.pValue)) best = { fit, pValue };
  }
  if (best === undefined) return fallback(null);
  if (best.pValue < minPValue) return fallback(best.pValue);
  return { ...best.fit, ksPValue: best.pValue, usedFallback: false };
}

/**
 * Bounds of the search over t = ln(location) for samples rescaled to [-1, 0]. Below, the likelihood of any
 * shape < 1 grows without bound as the location meets the maximum; above, the data look Gumbel (no finite
 * end) and the location runs away. A location 1e4 ranges beyond the maximum fits shapes well over 100.
 */
const T_MIN = Math.log(1e-6);
const T_MAX = Math.log(1e4);
/** Shapes outside these are the bounds' limits (an exponential-like spike, a Gumbel). */
const SHAPE_MIN = 1e-3;
const SHAPE_MAX = 1e5;
/**
 * The reference's 'mle_reg' adds 0.01 * scale^2 (rescaled units) to the negative log-likelihood: without
 * it, samples that happen to look Gumbel push the location (with scale and shape) off towards infinity,
 * where their unpenalised likelihood indeed peaks. We charge it at the profile's scale, which moves the
 * maximum by the same amount to first order.
 */
const SCALE_PENALTY = 0.01;

/** The log-likelihood of rescaled samples u in [-1, 0] maximised over shape and scale, as a function of t. */
class LocationProfile {
  private readonly logY: Float64Array;
  private readonly mean: number;
  private readonly sd: number;

  constructor(private readonly u: Float64Array) {
    this.logY = new Float64Array(u.length);
    let sum = 0;
    for (const v of u) sum += v;
    this.mean = sum / u.length;
    let squares = 0;
    for (const v of u) squares += (v - this.mean) ** 2;
    this.sd = Math.sqrt(squares / u.length);
  }

  /** Per-sample profile log-likelihood at location e^t, with the maximising shape and scale. */
  at(t: number): { logLik: number; shape: number; scale: number } {
    const n = this.u.length;
    const location = Math.exp(t);
    let meanLogY = 0;
    let maxLogY = -Infinity;
    for (let k = 0; k < n; k++) {
      const l = Math.log(location - this.u[k]!);
      this.logY[k] = l;
      meanLogY += l;
      maxLogY = Math.max(maxLogY, l);
    }
    meanLogY /= n;
    const shape = this.shapeAt(meanLogY, maxLogY);
    // ln mean(y^c) through a shifted sum, so y^c cannot overflow for large shapes.
    let sum = 0;
    for (let k = 0; k < n; k++) sum += Math.exp(shape * (this.logY[k]! - maxLogY));
    const logMeanYc = shape * maxLogY + Math.log(sum / n);
    return {
      logLik: Math.log(shape) - logMeanYc + (shape - 1) * meanLogY - 1,
      shape,
      scale: Math.exp(logMeanYc / shape),
    };
  }

  /**
   * The shape that maximises the likelihood for the current log y: the root of
   *   h(c) = sum(y^c ln y) / sum(y^c) - mean(ln y) - 1/c,
   * which increases from -inf to max(ln y) - mean(ln y) > 0, so the root is unique. Newton steps on ln c,
   * kept inside a shrinking bracket.
   */
  private shapeAt(meanLogY: number, maxLogY: number): number {
    const h = (c: number): { value: number; slope: number } => {
      let w = 0;
      let wl = 0;
      let wll = 0;
      for (let k = 0; k < this.logY.length; k++) {
        const l = this.logY[k]! - maxLogY;
        const e = Math.exp(c * l);
        w += e;
        wl += e * l;
        wll += e * l * l;
      }
      const m = wl / w;
      // d h / d ln c = c * (weighted variance of ln y + 1/c^2)
      return { value: m + maxLogY - meanLogY - 1 / c, slope: c * (wll / w - m * m) + 1 / c };
    };
    let lo = Math.log(SHAPE_MIN);
    let hi = Math.log(SHAPE_MAX);
    if (h(SHAPE_MAX).value <= 0) return SHAPE_MAX;
    if (h(SHAPE_MIN).value >= 0) return SHAPE_MIN;
    let z = 0;
    for (let iter = 0; iter < 100; iter++) {
      const { value, slope } = h(Math.exp(z));
      if (value > 0) hi = z;
      else lo = z;
      let next = z - value / slope;
      if (!(next > lo && next < hi)) next = (lo + hi) / 2;
      if (Math.abs(next - z) < 1e-12) return Math.exp(next);
      z = next;
    }
    return Math.exp(z);
  }

  /** Method-of-moments location for a given shape: where the reference's optimiser starts for that shape. */
  momentsStart(shape: number): number {
    const g1 = Math.exp(gammaln(1 + 1 / shape));
    const g2 = Math.exp(gammaln(1 + 2 / shape));
    const location = this.mean + (this.sd / Math.sqrt(g2 - g1 * g1)) * g1;
    return location > 0 ? Math.min(Math.max(Math.log(location), T_MIN), T_MAX) : T_MIN;
  }

  /** Local maximum of the penalised profile from t0: doubling steps uphill to bracket it, then golden section. */
  maximize(t0: number): number {
    const f = (t: number) => {
      const { logLik, scale } = this.at(t);
      return logLik - (SCALE_PENALTY * scale * scale) / this.u.length;
    };
    let step = 0.1;
    const f0 = f(t0);
    let a = t0;
    let dir = 1;
    let b = Math.min(t0 + step, T_MAX);
    let fb = f(b);
    if (!(fb > f0)) {
      dir = -1;
      b = Math.max(t0 - step, T_MIN);
      fb = f(b);
      if (!(fb > f0)) return this.golden(f, Math.max(t0 - step, T_MIN), Math.min(t0 + step, T_MAX));
    }
    for (;;) {
      step *= 2;
      const c = Math.min(Math.max(b + dir * step, T_MIN), T_MAX);
      if (c === b) return b; // climbing into a bound: the bound is this start's maximum
      const fc = f(c);
      if (!(fc > fb)) return this.golden(f, Math.min(a, c), Math.max(a, c));
      a = b;
      b = c;
      fb = fc;
    }
  }

  private golden(f: (t: number) => number, lo: number, hi: number): number {
    const r = (Math.sqrt(5) - 1) / 2;
    let x1 = hi - r * (hi - lo);
    let x2 = lo + r * (hi - lo);
    let f1 = f(x1);
    let f2 = f(x2);
    while (hi - lo > 1e-9) {
      if (f1 >= f2) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - r * (hi - lo);
        f1 = f(x1);
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + r * (hi - lo);
        f2 = f(x2);
      }
    }
    return (lo + hi) / 2;
  }
}
