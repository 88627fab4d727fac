import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanStd, ols, percentileInterval } from '../../src/analysis/stats.js';

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
