import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanStd, ols, percentileInterval, quantileInterval } from '../../src/analysis/stats.js';
import { seededStream } from '../../src/core/rng.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('meanStd', () => {
  it('gives the mean and the population std', () => {
    const s = meanStd([1, 2, 3, 4]);
    assert.equal(s.count, 4);
    close(s.mean!, 2.5);
    close(s.std!, Math.sqrt(1.25));
    assert.deepEqual(meanStd([7]), { mean: 7, std: 0, count: 1 });
  });

  it('gives nulls, never NaN, for no values, and refuses non-finite ones', () => {
    assert.deepEqual(meanStd([]), { mean: null, std: null, count: 0 });
    assert.throws(() => meanStd([1, NaN]), /not finite/);
  });
});

describe('ols', () => {
  it('fits 4 points by hand: slope 1.6, intercept 0.5, R^2 = 1 - 0.2/13', () => {
    // x mean 2.5, y mean 4.5; Sxy = 8, Sxx = 5; residuals -0.1, 0.3, -0.3, 0.1.
    const f = ols([1, 2, 3, 4], [2, 4, 5, 7]);
    close(f.slope, 1.6);
    close(f.intercept, 0.5);
    close(f.r2, 1 - 0.2 / 13);
  });

  it('gives R^2 = 1 for constant y and refuses a single x value', () => {
    assert.deepEqual(ols([1, 2, 3], [5, 5, 5]), { slope: 0, intercept: 5, r2: 1 });
    assert.throws(() => ols([2, 2], [1, 3]), /two distinct x/);
  });
});

describe('percentileInterval', () => {
  it("interpolates linearly between order statistics (numpy's default)", () => {
    const values = Array.from({ length: 101 }, (_, k) => 101 - k); // 1..101 in any order
    const [p5, p95] = percentileInterval(values, 0.9);
    close(p5, 6, 1e-9);
    close(p95, 96, 1e-9);
    const [lo, hi] = percentileInterval([1, 2, 3, 4], 0.5);
    close(lo, 1.75);
    close(hi, 3.25);
  });
});

describe('quantileInterval', () => {
  const ranks = (n: number) => Array.from({ length: n }, (_, k) => k + 1);

  it('picks the textbook order statistics', () => {
    // The median of 100 values: X(40) to X(61) (binomial tails 0.018 and 0.018, the next ones over 0.025).
    assert.deepEqual(quantileInterval(ranks(100), 0.5), { low: 40, high: 61, level: 0.95 });
    // The p90 of 100 values: P(B <= 83) = 0.0206 and P(B <= 95) = 0.9763 for B ~ Bin(100, 0.9).
    assert.deepEqual(quantileInterval(ranks(100), 0.9), { low: 84, high: 96, level: 0.95 });
  });

  it('leaves an end open when the sample cannot bound it', () => {
    // 1 - 0.9^35 is just below 0.975 and 1 - 0.9^36 above it: the p90's upper end needs 36 values.
    assert.equal(quantileInterval(ranks(35), 0.9).high, undefined);
    assert.equal(quantileInterval(ranks(36), 0.9).high, 36);
    // Of 4 values, P(B <= 1) = 0.0037 and P(B <= 2) = 0.052: the lower end is X(2).
    assert.deepEqual(quantileInterval(ranks(4), 0.9), { low: 2, high: undefined, level: 0.95 });
    assert.deepEqual(quantileInterval([], 0.5), { low: undefined, high: undefined, level: 0.95 });
    assert.throws(() => quantileInterval([1], 1), /not in \(0, 1\)/);
  });

  it('covers the population quantile at least at its level', () => {
    // Exponential draws, whose p90 is ln 10: the interval must contain it in at least 95% of samples
    // (the order statistics make the coverage conservative, not exact).
    const rng = seededStream(7, 'quantile-interval', 'test');
    const truth = Math.log(10);
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const sample = Array.from({ length: 60 }, () => -Math.log(1 - rng.uniform())).sort((a, b) => a - b);
      const { low, high } = quantileInterval(sample, 0.9);
      if (low! <= truth && truth <= high!) covered++;
    }
    assert.ok(covered / trials >= 0.94 && covered / trials <= 0.99, `coverage ${covered / trials}`);
  });
});
