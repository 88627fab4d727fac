import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleRng } from '../../src/core/rng.js';
import {
  fitReverseWeibull,
  ksTest,
  reverseWeibullCdf,
  reverseWeibullLogLikelihood,
  type ReverseWeibull,
} from '../../src/metrics/weibull.js';

/** Draws by inverting the CDF: location - scale * (-ln(1 - u))^(1/shape). */
function draw(d: ReverseWeibull, u: number): number {
  return d.location - d.scale * Math.pow(-Math.log(1 - u), 1 / d.shape);
}

function randomSample(n: number, d: ReverseWeibull, key: string): number[] {
  const rng = exampleRng(1, key, 'weibull-test');
  return Array.from({ length: n }, () => draw(d, rng.uniform()));
}

describe('reverse Weibull distribution', () => {
  const d = { shape: 2, location: 3, scale: 0.5 };

  it('has CDF exp(-((location - x) / scale)^shape), 1 from the location on', () => {
    assert.equal(reverseWeibullCdf(3, d), 1);
    assert.equal(reverseWeibullCdf(4, d), 1);
    assert.ok(Math.abs(reverseWeibullCdf(2.5, d) - Math.exp(-1)) < 1e-15);
    assert.ok(Math.abs(reverseWeibullCdf(2, d) - Math.exp(-4)) < 1e-15);
  });

  it('has the log-likelihood of its density, and -Infinity for a sample at or past the location', () => {
    // density: (c/s) * y^(c-1) * exp(-y^c) with y = (location - x) / s
    const density = (x: number) => {
      const y = (d.location - x) / d.scale;
      return (d.shape / d.scale) * Math.pow(y, d.shape - 1) * Math.exp(-Math.pow(y, d.shape));
    };
    const xs = [2.9, 2.2, 1.7];
    const expected = xs.reduce((s, x) => s + Math.log(density(x)), 0);
    assert.ok(Math.abs(reverseWeibullLogLikelihood(xs, d) - expected) < 1e-12);
    assert.equal(reverseWeibullLogLikelihood([2.9, 3], d), -Infinity);
  });
});

describe('ksTest', () => {
  it('gives the exact two-sided statistic and p-value (scipy.stats.kstest: D = 0.2, p = 0.848378)', () => {
    const r = ksTest([0.05, 0.2, 0.33, 0.5, 0.61, 0.8, 0.95, 0.97], (x) => Math.min(1, Math.max(0, x)));
    assert.ok(Math.abs(r.statistic - 0.2) < 1e-12);
    assert.ok(Math.abs(r.pValue - 0.8483779281982424) < 1e-9);
  });
});

describe('fitReverseWeibull', () => {
  // Scales are a few percent of the location, as for CLEVER's gradient-norm maxima: the larger the shape,
  // the less 500 samples say about where the support ends, relative to the scale.
  const known: ReverseWeibull[] = [
    { shape: 2, location: 3, scale: 0.5 },
    { shape: 5, location: 50, scale: 2 },
    { shape: 5, location: 0.4, scale: 0.016 },
    { shape: 10, location: 8, scale: 0.12 },
  ];
  for (const d of known) {
    it(`recovers the location of shape ${d.shape}, location ${d.location}, scale ${d.scale} within 2% from 500 samples`, () => {
      const fit = fitReverseWeibull(randomSample(500, d, `shape ${d.shape} location ${d.location}`));
      assert.equal(fit.usedFallback, false);
      assert.ok(fit.ksPValue! > 0.05, `p-value ${fit.ksPValue}`);
      assert.ok(Math.abs(fit.location - d.location) / d.location < 0.02, `location ${fit.location} vs ${d.location}`);
      assert.ok(fit.location > Math.max(...randomSample(500, d, `shape ${d.shape} location ${d.location}`)));
    });
  }

  it("finds the reference's maximum (scipy weibull_min.fit with its regulariser, best of its 7 starts)", () => {
    // A deterministic, irregular sample (a quadratic Weyl sequence through the inverse CDF) whose MLE is
    // clearly not the truth (shape 4, location 2, scale 0.3), so agreement means the same optimum.
    const d = { shape: 4, location: 2, scale: 0.3 };
    const x = Array.from({ length: 200 }, (_, k) => draw(d, ((k + 1) * (k + 1) * Math.SQRT2) % 1));
    const fit = fitReverseWeibull(x);
    assert.ok(Math.abs(fit.location - 1.9833227170522594) / 1.98 < 1e-6, `location ${fit.location}`);
    assert.ok(Math.abs(fit.shape! - 3.295947872230659) < 1e-4, `shape ${fit.shape}`);
    assert.ok(Math.abs(fit.scale! - 0.2804640362116933) < 1e-5, `scale ${fit.scale}`);
    assert.ok(Math.abs(fit.ksPValue! - 0.9919145686332937) < 1e-3);
  });

  it('falls back to the maximum when all samples are equal (a linear model)', () => {
    const fit = fitReverseWeibull(new Float64Array(500).fill(1.2345));
    assert.deepEqual(fit, { shape: null, location: 1.2345, scale: null, ksPValue: null, usedFallback: true });
  });

  it('puts the location at the common value when samples differ only by float32 round-off', () => {
    const rng = exampleRng(2, 'nearly equal', 'weibull-test');
    const x = Array.from({ length: 500 }, () => Math.fround(7.25 * (1 + 1e-7 * (rng.uniform() - 0.5))));
    const fit = fitReverseWeibull(x);
    assert.ok(Math.abs(fit.location - 7.25) / 7.25 < 1e-5, `location ${fit.location}`);
  });

  it('falls back to the maximum when no fit passes the KS test (a two-valued sample)', () => {
    const x = Array.from({ length: 500 }, (_, k) => (k % 3 === 0 ? 2 : 1.5));
    const fit = fitReverseWeibull(x);
    assert.equal(fit.usedFallback, true);
    assert.equal(fit.location, 2);
    assert.ok(fit.ksPValue! < 0.001);
  });

  it('falls back with fewer than 3 samples and rejects non-finite ones', () => {
    assert.equal(fitReverseWeibull([1, 2]).location, 2);
    assert.equal(fitReverseWeibull([1, 2]).usedFallback, true);
    assert.throws(() => fitReverseWeibull([1, NaN, 2]), /sample 1 is NaN/);
  });
});
