import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateRecords, type AttackRecord } from '../../src/analysis/aggregate.js';
import { fitScalingLaw, scalingLaws, type ScalingPoint } from '../../src/analysis/scaling-law.js';
import { UserError } from '../../src/core/errors.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** Models whose ln(top-1 error) is -4, -3, -2, -1. */
const handPoints: ScalingPoint[] = [2, 4, 5, 7].map((distortion, k) => ({ model: `m${k}`, top1Error: Math.exp(k - 4), distortion }));

describe('fitScalingLaw', () => {
  it('regresses mean distortion on ln(top-1 error): slope 1.6, intercept 8.5, R^2 = 1 - 0.2/13', () => {
    // Same as ols([1,2,3,4], [2,4,5,7]) with x shifted by -5: the intercept moves to 0.5 + 5 * 1.6.
    const law = fitScalingLaw(handPoints, { seed: 1 });
    close(law.slope, 1.6);
    close(law.intercept, 8.5);
    close(law.r2, 1 - 0.2 / 13);
    assert.deepEqual(law.models, ['m0', 'm1', 'm2', 'm3']);
    assert.equal(law.ci.level, 0.95);
  });

  it('gives bootstrap intervals that contain the estimate, reproducibly per seed', () => {
    // 10 models near the line 3 - 0.5 ln(error), with deterministic scatter.
    const noisy = Array.from({ length: 10 }, (_, k) => ({
      model: `n${k}`,
      top1Error: Math.exp(-k / 3),
      distortion: 3 + (0.5 * k) / 3 + 0.2 * Math.sin(7 * k),
    }));
    const a = fitScalingLaw(noisy, { seed: 1 });
    assert.deepEqual(fitScalingLaw(noisy, { seed: 1 }), a);
    assert.notDeepEqual(fitScalingLaw(noisy, { seed: 2 }).ci, a.ci);
    assert.equal(a.resamples, 2000); // a resample of 10 models has a single distinct model with probability 1e-9
    for (const [lo, hi, estimate] of [[...a.ci.slope, a.slope], [...a.ci.intercept, a.intercept], [...a.ci.r2, a.r2]] as const) {
      assert.ok(lo < estimate && estimate < hi, `${lo} < ${estimate} < ${hi}`);
    }
    close(a.slope, -0.5, 0.1);
    const narrow = fitScalingLaw(noisy, { seed: 1, level: 0.5 });
    assert.ok(narrow.ci.slope[0] > a.ci.slope[0] && narrow.ci.slope[1] < a.ci.slope[1]);
  });

  it('skips resamples that draw a single model, which have no line', () => {
    // With 2 models, half the resamples draw the same model twice.
    const law = fitScalingLaw(handPoints.slice(0, 2), { seed: 4, resamples: 1000 });
    assert.ok(law.resamples > 430 && law.resamples < 570, `${law.resamples}`);
    assert.deepEqual(law.ci.slope, [2, 2]);
  });

  it('has zero-width intervals when the models lie exactly on a line', () => {
    const onLine = handPoints.map((p) => ({ ...p, distortion: 3 - 0.5 * Math.log(p.top1Error) }));
    const law = fitScalingLaw(onLine, { seed: 3, resamples: 500 });
    for (const [lo, hi] of [law.ci.slope, law.ci.intercept]) {
      close(lo, hi, 1e-9);
    }
    close(law.ci.slope[0], -0.5, 1e-9);
    close(law.ci.intercept[0], 3, 1e-9);
  });

  it('refuses fewer than 2 distinct errors and errors outside (0, 1]', () => {
    assert.throws(() => fitScalingLaw(handPoints.slice(0, 1), { seed: 1 }), UserError);
    assert.throws(() => fitScalingLaw([...handPoints, { model: 'x', top1Error: 0, distortion: 1 }], { seed: 1 }), UserError);
  });
});

describe('scalingLaws', () => {
  const record = (model: string, kappa: number, l2: number | null): AttackRecord => ({
    model,
    attack: 'cw-l2',
    settings: { kappa },
    success: l2 !== null,
    l0: l2,
    l1: l2,
    l2,
    linf: l2 === null ? null : l2 / 10,
  });
  const aggregates = aggregateRecords([
    ...handPoints.map((p) => record(p.model, 0, p.distortion)),
    record('m4', 0, null), // no success: no distortion to regress
    record('m0', 20, 1),
    record('m1', 20, 2),
  ]);
  const errors = new Map([...handPoints.map((p) => [p.model, p.top1Error] as const), ['m4', 0.5]]);

  it('fits one law per attack setting and norm, leaving out models without successes', () => {
    const laws = scalingLaws(aggregates, errors, { seed: 1, resamples: 200 });
    assert.deepEqual(laws.map((l) => [l.settings.kappa, l.norm]), [[0, 'l2'], [0, 'linf'], [20, 'l2'], [20, 'linf']]);
    close(laws[0]!.law!.slope, 1.6);
    close(laws[1]!.law!.slope, 0.16);
    assert.deepEqual(laws[0]!.excluded, ['m4']);
    assert.deepEqual(laws[0]!.law!.models, ['m0', 'm1', 'm2', 'm3']);
    assert.equal(laws[2]!.law!.models.length, 2);
  });

  it('gives a law the same intervals whichever other laws are fitted, and needs every model\'s error', () => {
    const all = scalingLaws(aggregates, errors, { seed: 1, resamples: 200 });
    const l2Only = scalingLaws(aggregates, errors, { seed: 1, resamples: 200, norms: ['l2'] });
    assert.deepEqual(l2Only[0], all[0]);
    assert.throws(() => scalingLaws(aggregates, new Map([['m0', 0.1]]), { seed: 1 }), /no top-1 error given for model m1/);
  });
});
