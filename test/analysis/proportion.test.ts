import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilsonInterval } from '../../src/analysis/proportion.js';

const close = (a: number, b: number, tol = 1e-4) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('Wilson interval: the textbook 10 of 100, and the closed form at 0 and n successes', () => {
  const p = wilsonInterval(10, 100);
  assert.equal(p.estimate, 0.1);
  close(p.interval[0], 0.0552);
  close(p.interval[1], 0.1744);
  close(p.center, (p.interval[0] + p.interval[1]) / 2, 1e-12);

  // No error on 5,000 images: the interval is [0, z²/(n+z²)], and its midpoint is what a log-error fit can use.
  const z2 = 1.959963984540054 ** 2;
  const zero = wilsonInterval(0, 5000);
  assert.deepEqual(zero.interval, [0, zero.interval[1]]);
  close(zero.interval[1], z2 / (5000 + z2), 1e-12);
  close(zero.center, z2 / 2 / (5000 + z2), 1e-12);
  const all = wilsonInterval(5000, 5000);
  assert.equal(all.interval[1], 1);
  close(all.interval[0], 1 - z2 / (5000 + z2), 1e-12);
});

test('Wilson interval: a wider level gives a wider interval; bad counts are refused', () => {
  const a = wilsonInterval(30, 200, 0.9).interval;
  const b = wilsonInterval(30, 200, 0.99).interval;
  assert.ok(b[0] < a[0] && b[1] > a[1]);
  assert.throws(() => wilsonInterval(3, 2), /3 successes of 2/);
  assert.throws(() => wilsonInterval(0, 0), /0 trials/);
  assert.throws(() => wilsonInterval(1, 10, 0.8), /level 0.8/);
});
