import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetVerdict, compareBudgets } from '../../src/analysis/budget-adequacy.js';

const ok = (distortion: number) => ({ success: true, distortion });
const fail = { success: false, distortion: null };

test('budget comparison: ratios where both budgets succeeded, successes gained and lost, on constructed outcomes', () => {
  const pairs = [
    { base: ok(1.1), larger: ok(1.0) }, // ratio 1.1: the budget stopped short by 10%
    { base: ok(2), larger: ok(2) }, // 1
    { base: fail, larger: ok(0.5) }, // gained
    { base: ok(0.3), larger: fail }, // lost
    { base: ok(0), larger: ok(0) }, // adversarial as it stands at both: 1, not 0/0
    { base: fail, larger: fail },
  ];
  const c = compareBudgets(pairs, true);
  assert.deepEqual(c.ratios.map((r) => (r === undefined ? r : Number(r.toFixed(12)))), [1.1, 1, undefined, undefined, 1, undefined]);
  assert.equal(c.compared, 3);
  // Sorted ratios 1, 1, 1.1: median the middle one; p90 interpolated (numpy's default): at 0.9 x 2 = 1.8, 1 + 0.8 x 0.1.
  assert.equal(c.median, 1);
  assert.ok(Math.abs(c.p90! - 1.08) < 1e-12, `p90 ${c.p90}`);
  assert.equal(c.max, 1.1 / 1.0);
  assert.deepEqual([c.gained, c.lost], [1, 1]);
  assert.equal(budgetVerdict(c, true), 'falls short', 'a success gained fails the rule whatever the ratios');

  // Without a compared norm (a fixed-ball attack) only successes count.
  const successOnly = compareBudgets(pairs, false);
  assert.deepEqual([successOnly.compared, successOnly.median, successOnly.gained, successOnly.lost], [0, undefined, 1, 1]);
  assert.equal(budgetVerdict(compareBudgets([{ base: ok(0.3), larger: ok(0.3) }, { base: fail, larger: fail }], false), false), 'meets');
});

test('the rule: median within 1%, p90 within 5%, no success gained; unassessed with nothing to compare', () => {
  const verdict = (ratios: number[]) => budgetVerdict(compareBudgets(ratios.map((r) => ({ base: ok(r), larger: ok(1) })), true), true);
  assert.equal(verdict([1.0, 1.005, 1.04]), 'meets', 'median 1.005, p90 1.033');
  assert.equal(verdict([1.0, 1.02, 1.03]), 'falls short', 'median 1.02');
  assert.equal(verdict([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.2, 1.2]), 'falls short', 'p90 1.2');
  assert.equal(verdict([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.2]), 'meets', 'p90 at 8.1 of 9: 1.02');
  assert.equal(budgetVerdict(compareBudgets([{ base: fail, larger: fail }], true), true), 'unassessed');
  assert.throws(() => compareBudgets([{ base: { success: true, distortion: null }, larger: ok(1) }], true), /a success without a distortion/);
});

test('the median and p90 carry the distribution-free intervals of the compared ratios', () => {
  // 40 ratios 1.000 ... 1.039: the p90's interval is X(32) to X(40), the median's X(14) to X(27).
  const c = compareBudgets(Array.from({ length: 40 }, (_, k) => ({ base: ok(1 + k / 1000), larger: ok(1) })), true);
  const at = (rank: number) => 1 + (rank - 1) / 1000;
  assert.deepEqual([c.p90Interval.low, c.p90Interval.high], [at(32), at(40)]);
  assert.deepEqual([c.medianInterval.low, c.medianInterval.high], [at(14), at(27)]);
});
