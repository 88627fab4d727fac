import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConstantSearch, type ConstantSearchSettings } from '../../src/attacks/constant-search.js';

/** Plain C&W search settings; abortEarly off so that every step runs its iterations and the loss is irrelevant. */
const SETTINGS: ConstantSearchSettings = { c: 1, binarySteps: 6, iterations: 4, abortEarly: false, warmStart: false, minGain: 0, linearStart: 0, growth: 10 };

/**
 * Runs one binary-search step: iterate i is adversarial when `adversarial(i)`, at L2 distance `distance(i)`.
 * Returns the constant the step ran at.
 */
function step(search: ConstantSearch, adversarial: (i: number) => boolean, distance: (i: number) => number = () => 1): number {
  const c = search.c;
  for (let i = 0; ; i++) if (search.evaluated(Float32Array.of(i), 0, distance(i), adversarial(i))) return c;
}

const never = () => false;

test('linearStart moves the first constant to k * 2m / ||g||^2, on the first iterate only', () => {
  const search = new ConstantSearch({ ...SETTINGS, linearStart: 3 });
  // ||g||^2 = 25, m = 5: the linearised problem crosses the boundary from c = 2 * 5 / 25 = 0.4.
  search.firstGradient(5, Float32Array.of(3, 4));
  assert.ok(Math.abs(search.c - 1.2) < 1e-12, `c ${search.c}`);
  search.evaluated(Float32Array.of(0), 0, 1, false);
  search.firstGradient(1, Float32Array.of(1, 0));
  assert.ok(Math.abs(search.c - 1.2) < 1e-12, 'later gradients leave c alone');

  const fixed = new ConstantSearch(SETTINGS);
  fixed.firstGradient(5, Float32Array.of(3, 4));
  assert.equal(fixed.c, 1, 'linearStart 0 keeps the configured c');
  for (const [margin, grad] of [[5, Float32Array.of(0, 0)], [0, Float32Array.of(3, 4)]] as const) {
    const degenerate = new ConstantSearch({ ...SETTINGS, linearStart: 1 });
    degenerate.firstGradient(margin, grad);
    assert.equal(degenerate.c, 1, `margin ${margin}, |g| ${Math.hypot(...grad)}: no crossing to start from, so c`);
  }
});

test('c grows by `growth` after each failure until a success brackets the threshold, then bisects', () => {
  const search = new ConstantSearch({ ...SETTINGS, growth: 2 });
  assert.equal(step(search, never), 1);
  assert.equal(step(search, never), 2);
  assert.equal(step(search, (i) => i === 3), 4);
  assert.equal(search.c, 3, 'the midpoint of the bracket [2, 4]');
});

test('a warm step succeeds only by improving the best distance or ending adversarial, not by its adversarial start', () => {
  const warm = new ConstantSearch({ ...SETTINGS, warmStart: true });
  assert.equal(step(warm, (i) => i === 2), 1, 'a cold step: success at c = 1');
  assert.equal(warm.best, 1);
  // The next step starts from that iterate: adversarial at its start (a hair closer after the tanh round
  // trip), pulled back across the boundary afterwards. That is a failure at c = 0.5: the bracket is [0.5, 1].
  assert.equal(step(warm, (i) => i === 0, () => 0.999), 0.5);
  assert.equal(warm.c, 0.75);
  assert.equal(warm.best, 0.999, 'the start still counts as a candidate');
  // A warm step that finds a closer adversarial iterate succeeds: the bracket becomes [0.5, 0.75].
  assert.equal(step(warm, (i) => i === 2, (i) => (i === 2 ? 0.9 : 1)), 0.75);
  assert.equal(warm.c, 0.625);
  // One whose last iterate is adversarial (no closer than the best) succeeds too: [0.5, 0.625].
  assert.equal(step(warm, (i) => i === 3), 0.625);
  assert.equal(warm.c, 0.5625);
  assert.equal(warm.best, 0.9);

  // Without warm start every step starts cold, so an adversarial first iterate is a success, as in C&W.
  const cold = new ConstantSearch(SETTINGS);
  step(cold, (i) => i === 2);
  assert.equal(step(cold, (i) => i === 0), 0.5);
  assert.equal(cold.c, 0.25);
});
