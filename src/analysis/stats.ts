import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import { linearRegression, mean, quantileSorted, standardDeviation } from 'simple-statistics';

/**
 * Mean and standard deviation of a set of values, as reported in tables and JSON. The std is the
 * population one (numpy's default, which the reference study's scripts used). With no values both are
 * null rather than NaN, so a model with no successful attack shows as empty instead of poisoning a mean.
 */
export interface MeanStd {
  readonly mean: number | null;
  readonly std: number | null;
  readonly count: number;
}

export function meanStd(values: readonly number[]): MeanStd {
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`meanStd: value ${v} is not finite`);
  if (values.length === 0) return { mean: null, std: null, count: 0 };
  return { mean: mean(values), std: standardDeviation(values), count: values.length };
}

export interface LinearFit {
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination; 1 when y is constant (the horizontal line fits it exactly). */
  readonly r2: number;
}

/** Ordinary least squares of y on x. Needs at least two distinct x values. */
export function ols(x: readonly number[], y: readonly number[]): LinearFit {
  if (x.length !== y.length) throw new Error(`ols: ${x.length} x values but ${y.length} y values`);
  if (new Set(x).size < 2) throw new Error('ols: needs at least two distinct x values');
  const points = x.map((xi, k) => [xi, y[k]!]);
  const { m: slope, b: intercept } = linearRegression(points);
  const yMean = mean(y);
  let ssTot = 0;
  let ssRes = 0;
  for (const [k, xi] of x.entries()) {
    ssTot += (y[k]! - yMean) ** 2;
    ssRes += (y[k]! - (intercept + slope * xi)) ** 2;
  }
  return { slope, intercept, r2: ssTot > 0 ? 1 - ssRes / ssTot : 1 };
}

/**
 * The central `level` interval of a sample by percentiles (linear interpolation between order statistics,
 * numpy's default method): the bootstrap percentile interval when the sample is of bootstrap estimates.
 */
export function percentileInterval(values: readonly number[], level: number): [number, number] {
  if (!(level > 0 && level < 1)) throw new Error(`percentileInterval: level ${level} is not in (0, 1)`);
  const sorted = [...values].sort((a, b) => a - b);
  return [quantileSorted(sorted, (1 - level) / 2), quantileSorted(sorted, (1 + level) / 2)];
}

/** A confidence interval whose ends may be unbounded (undefined) when the sample cannot bound that side. */
export interface OpenInterval {
  low: number | undefined;
  high: number | undefined;
  level: number;
}

/**
 * Distribution-free confidence interval for the q-quantile of the population a sorted sample was drawn
 * from: order statistics X(l) <= X(u) (1-based) with P(B < l) and P(B >= u) each at most (1 - level) / 2,
 * where B ~ Binomial(n, q) counts the draws below the quantile, so the interval covers it with at least
 * `level` whatever the distribution. An end is undefined when no order statistic qualifies: the upper end
 * of a p90 needs 1 - 0.9^n >= 0.975, 36 values, and with fewer only the sample maximum's side is open.
 */
export function quantileInterval(sorted: readonly number[], q: number, level = 0.95): OpenInterval {
  if (!(q > 0 && q < 1)) throw new Error(`quantileInterval: quantile ${q} is not in (0, 1)`);
  if (!(level > 0 && level < 1)) throw new Error(`quantileInterval: level ${level} is not in (0, 1)`);
  const n = sorted.length;
  const tail = (1 - level) / 2;
  let l = 0;
  while (l < n && binomialCdf(l, n, q) <= tail) l++;
  let u = 1;
  while (u <= n && binomialCdf(u - 1, n, q) < 1 - tail) u++;
  return { low: l >= 1 ? sorted[l - 1] : undefined, high: u <= n ? sorted[u - 1] : undefined, level };
}
