import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConstantSearch, type ConstantSearchSettings } from '../../src/attacks/constant-search.js';
import { seededStream } from '../../src/core/rng.js';

/** Plain C&W search settings; abortEarly off so that every step runs its iterations and the loss is irrelevant. */
const SETTINGS: ConstantSearchSettings = { c: 1, binarySteps: 6, iterations: 4, abortEarly: false, abortAfterSuccess: true, warmStart: false, minGain: 0, linearStart: 0, growth: 10, abortTest: 'checkpoint' };

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

test("early abort's window-best test ends a step whose loss no longer falls, not one that oscillates while falling", () => {
  // Iterations until the step ends, with loss(i) at iterate i; 20 iterations, so a check every 2.
  const length = (abortTest: ConstantSearchSettings['abortTest'], loss: (i: number) => number) => {
    const search = new ConstantSearch({ ...SETTINGS, iterations: 20, abortEarly: true, abortTest });
    for (let i = 0; ; i++) if (search.evaluated(Float32Array.of(i), loss(i), 1, false)) return i + 1;
  };
  // High at every checkpoint (even i) and rising there, while the iterates between keep improving.
  const oscillating = (i: number) => (i % 2 === 0 ? 10 + i : 5 - 0.1 * i);
  assert.equal(length('checkpoint', oscillating), 3, 'the loss at the second check is above the first');
  assert.equal(length('window-best', oscillating), 20, "each window's best is below the last");
  const flat = () => 1;
  assert.equal(length('checkpoint', flat), 3);
  assert.equal(length('window-best', flat), 3, 'no gain of 0.01% in the second window');
  // A gain inside the window counts; the step ends at the first window that stays above the last one's best.
  const settles = [10, 5, 10, 6, 6, 4, 7];
  assert.equal(length('checkpoint', (i) => settles[i] ?? 7), 3);
  assert.equal(length('window-best', (i) => settles[i] ?? 7), 5, 'window [3, 4] is above 5, the best of [1, 2]');
});

test('with abortAfterSuccess off, early abort ends only a step that has not found an adversarial iterate', () => {
  // Iterations until the step ends under a flat loss (20 iterations, a check every 2), adversarial from `from`.
  const length = (abortAfterSuccess: boolean, from: number) => {
    const search = new ConstantSearch({ ...SETTINGS, iterations: 20, abortEarly: true, abortAfterSuccess });
    for (let i = 0; ; i++) if (search.evaluated(Float32Array.of(i), 1, 1, i >= from)) return i + 1;
  };
  assert.equal(length(true, 1), 3, 'the original ends it at the second check');
  assert.equal(length(false, 1), 20, 'a successful step runs all its iterations');
  assert.equal(length(false, 2), 20, 'also one whose first adversarial iterate is the one checked');
  assert.equal(length(false, Infinity), 3, 'a step without an adversarial iterate still ends at the second check');
});

test('skipping the iterates needsLogits rules out leaves the search exactly where evaluating them does', () => {
  // Two searches see the same random iterates (adversarial or not, distance, loss); one evaluates every
  // iterate, the other only those whose logits needsLogits says could matter. Every decision must agree.
  const rng = seededStream(0, 'constant-search', 'iterates');
  const random = () => rng.uniform();
  let skips = 0;
  for (const settings of [
    { ...SETTINGS, iterations: 20 },
    { ...SETTINGS, iterations: 20, abortEarly: true },
    { ...SETTINGS, iterations: 20, abortEarly: true, warmStart: true, minGain: 0.01 },
    { ...SETTINGS, iterations: 30, warmStart: true, growth: 2 },
    { ...SETTINGS, iterations: 20, abortEarly: true, abortTest: 'window-best' as const, warmStart: true },
    { ...SETTINGS, iterations: 20, abortEarly: true, abortAfterSuccess: false },
    { ...SETTINGS, iterations: 20, abortEarly: true, abortAfterSuccess: false, warmStart: true, growth: 2 },
  ]) {
    for (let run = 0; run < 50; run++) {
      const all = new ConstantSearch(settings);
      const some = new ConstantSearch(settings);
      const cs: number[][] = [[], []];
      while (!all.done) {
        const iterate = { adversarial: random() < 0.4, distance: 1 + random(), loss: 10 * random() };
        const image = Float32Array.of(iterate.distance);
        if (all.iteration === 0) cs[0]!.push(all.c);
        if (some.iteration === 0) cs[1]!.push(some.c);
        all.evaluated(image, iterate.loss, iterate.distance, iterate.adversarial);
        if (some.needsLogits(iterate.distance)) some.evaluated(image, iterate.loss, iterate.distance, iterate.adversarial);
        else { some.skipped(); skips++; }
        assert.equal(some.done, all.done);
        assert.equal(some.iteration, all.iteration);
      }
      assert.deepEqual(cs[1], cs[0], 'the same constants tried');
      assert.equal(some.best, all.best);
      assert.deepEqual(some.found, all.found);
    }
  }
  assert.ok(skips > 1000, `only ${skips} iterates skipped`);
});
