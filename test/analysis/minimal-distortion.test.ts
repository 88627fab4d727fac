import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medianWithInterval, notBrokenAt, robustnessCurve } from '../../src/analysis/minimal-distortion.js';

const opts = { seed: 3, stream: 'test' };

test('median with failures as +Infinity: a failure raises the median, a majority of failures makes it infinite', () => {
  assert.equal(medianWithInterval([0.1, 0.3, 0.2], opts).median, 0.2);
  assert.equal(medianWithInterval([0.1, 0.2, 0.3, Infinity], opts).median, 0.25, 'a failure is the largest value, not a dropped one');
  const mostlyFailed = medianWithInterval([0.1, Infinity, Infinity], opts);
  assert.equal(mostlyFailed.median, Infinity);
  assert.equal(mostlyFailed.unbroken, 2);
  assert.equal(mostlyFailed.interval[1], Infinity);
  // The mean over successes would say 0.1 for both of these; the median tells them apart.
  assert.ok(medianWithInterval([0.1, Infinity, Infinity, Infinity], opts).median > medianWithInterval([0.1, 0.1, 0.1, 0.1], opts).median);
});

test('median interval: brackets the median, is seeded, narrows with more examples, is a point for equal values', () => {
  const values = Array.from({ length: 101 }, (_, i) => i / 100);
  const m = medianWithInterval(values, opts);
  assert.equal(m.median, 0.5);
  assert.ok(m.interval[0] < 0.5 && m.interval[1] > 0.5 && m.interval[0] > 0.35 && m.interval[1] < 0.65, String(m.interval));
  assert.deepEqual(medianWithInterval(values, opts), m);
  const many = medianWithInterval(Array.from({ length: 1001 }, (_, i) => i / 1000), opts);
  assert.ok(many.interval[1] - many.interval[0] < m.interval[1] - m.interval[0]);
  assert.deepEqual(medianWithInterval([0.2, 0.2, 0.2], opts).interval, [0.2, 0.2]);
  assert.throws(() => medianWithInterval([], opts), /no values/);
  assert.throws(() => medianWithInterval([NaN], opts), /NaN/);
});

test('robustness curve: the fraction not broken steps down at each distortion and ends at the failures', () => {
  const values = [0.2, 0.1, 0.2, Infinity];
  assert.deepEqual(robustnessCurve(values), { eps: [0, 0.1, 0.2], notBroken: [1, 0.75, 0.25], floor: 0.25 });
  assert.equal(notBrokenAt(values, 0.05), 1);
  assert.equal(notBrokenAt(values, 0.1), 0.75, 'an example broken at exactly eps is broken');
  assert.equal(notBrokenAt(values, 0.15), 0.75);
  assert.equal(notBrokenAt(values, 10), 0.25);
  // Every step agrees with notBrokenAt.
  const curve = robustnessCurve([0.3, 0, 0.05, 0.3, Infinity, 0.7]);
  curve.eps.forEach((eps, k) => assert.equal(curve.notBroken[k], notBrokenAt([0.3, 0, 0.05, 0.3, Infinity, 0.7], eps)));
  assert.equal(curve.notBroken[0], 5 / 6, 'an example already misclassified (distortion 0) is broken at 0');
});
