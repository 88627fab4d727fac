import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Phase } from '../../../src/records/records.js';
import { emptyPaces, estimateRemaining, type PhasePace } from '../../../src/study/store/eta.js';

const paces = (given: Partial<Record<Phase, PhasePace>>) => ({ ...emptyPaces(), ...given });

test('the ETA weighs each phase by its own unit time: after quick clean units, the attack units left take their own pace', () => {
  // 10 clean units of 1 s and 2 attack units of 60 s finished in 65 s of wall time: 2 lanes busy.
  const estimate = estimateRemaining(paces({
    clean: { unfinished: 0, finished: 10, finishedMs: 10_000 },
    attack: { unfinished: 8, finished: 2, finishedMs: 120_000 },
  }), 65_000);
  // 8 units x 60 s on 2 lanes; one pace over all 12 units would have said 8 x 65 / 12 = 43 s.
  assert.equal(estimate.etaMs, 240_000);
  assert.deepEqual(estimate.untimed, []);
});

test('phases with units left but none finished are named, not guessed; before any unit finishes there is no ETA', () => {
  const estimate = estimateRemaining(paces({
    clean: { unfinished: 0, finished: 4, finishedMs: 4_000 },
    attack: { unfinished: 3, finished: 1, finishedMs: 2_000 },
    transfer: { unfinished: 5, finished: 0, finishedMs: 0 },
    budget: { unfinished: 2, finished: 0, finishedMs: 0 },
  }), 6_000);
  assert.equal(estimate.etaMs, 6_000, 'the 3 attack units at 2 s each, one lane');
  assert.deepEqual(estimate.untimed, ['transfer', 'budget']);

  assert.equal(estimateRemaining(paces({ clean: { unfinished: 5, finished: 0, finishedMs: 0 } }), 1_000).etaMs, null);
  assert.equal(estimateRemaining(paces({ clean: { unfinished: 0, finished: 5, finishedMs: 5_000 } }), 5_000).etaMs, 0, 'nothing left');
});
