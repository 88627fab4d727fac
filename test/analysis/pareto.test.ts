import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paretoFrontier } from '../../src/analysis/pareto.js';
import { UserError } from '../../src/core/errors.js';

describe('paretoFrontier', () => {
  it('finds the non-dominated models among 5, with a tie on the frontier and one on an axis', () => {
    const result = paretoFrontier([
      { model: 'A', accuracy: 0.8, distortion: 1.0 },
      { model: 'B', accuracy: 0.7, distortion: 1.5 },
      { model: 'C', accuracy: 0.7, distortion: 1.5 }, // identical to B: neither dominates the other
      { model: 'D', accuracy: 0.6, distortion: 1.2 }, // below B and C on both axes
      { model: 'E', accuracy: 0.8, distortion: 0.9 }, // as accurate as A, less robust
    ]);
    assert.deepEqual(
      result.map((r) => [r.model, r.onFrontier, r.dominatedBy]),
      [
        ['A', true, []],
        ['B', true, []],
        ['C', true, []],
        ['D', false, ['B', 'C']],
        ['E', false, ['A']],
      ],
    );
  });

  it('puts a lone model on the frontier and refuses non-finite values', () => {
    assert.equal(paretoFrontier([{ model: 'A', accuracy: 0.5, distortion: 0.1 }])[0]!.onFrontier, true);
    assert.throws(() => paretoFrontier([{ model: 'A', accuracy: NaN, distortion: 0.1 }]), UserError);
  });
});
