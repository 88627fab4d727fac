import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dualNorm, lpDistance, lpNorm, LP_NORMS, parseLpNorm, pNotation, projectToBall, sampleBall, steepestStep, type LpNorm } from '../../src/core/lp.js';
import { exampleRng } from '../../src/core/rng.js';

describe('Lp norms', () => {
  const v = new Float32Array([3, -4, 0, 1]);
  it('L1, L2 and L-inf of a vector and of a difference, and the dual pairs (1, inf) and (2, 2)', () => {
    assert.equal(lpNorm(v, 'l1'), 8);
    assert.equal(lpNorm(v, 'l2'), Math.sqrt(26));
    assert.equal(lpNorm(v, 'linf'), 4);
    assert.equal(lpDistance(v, new Float32Array(4).fill(1), 'l1'), 2 + 5 + 1 + 0);
    assert.equal(dualNorm(v, 'l1'), 4);
    assert.equal(dualNorm(v, 'linf'), 8);
    assert.equal(dualNorm(v, 'l2'), Math.sqrt(26));
  });
  it('reads the study spelling and writes it back', () => {
    assert.deepEqual(['1', 2, 'inf', 'L2', 'linf', 'p3'].map(parseLpNorm), ['l1', 'l2', 'linf', 'l2', 'linf', undefined]);
    assert.deepEqual(LP_NORMS.map(pNotation), ['1', '2', 'inf']);
  });
});

describe('steps and projections', () => {
  it('L-inf step moves every element by the step; L2 step moves by the step in L2, none on a zero gradient', () => {
    const a = new Float32Array([0.5, 0.5]);
    steepestStep(a, new Float32Array([2, -0.1]), 0.1, 'linf');
    assert.deepEqual([...a].map((x) => +x.toFixed(6)), [0.6, 0.4]);
    const b = new Float32Array([0.5, 0.5]);
    steepestStep(b, new Float32Array([3, 4]), 0.5, 'l2');
    assert.deepEqual([...b].map((x) => +x.toFixed(6)), [0.8, 0.9]);
    steepestStep(b, new Float32Array(2), 1, 'l2');
    assert.deepEqual([...b].map((x) => +x.toFixed(6)), [0.8, 0.9]);
  });
  it('projects into the ball and the box: L-inf per element, L2 by scaling then clipping', () => {
    const x = new Float32Array([0.95, 0.5]);
    const a = new Float32Array([1.5, 0.1]);
    projectToBall(a, x, 0.1, 'linf');
    assert.deepEqual([...a].map((v) => +v.toFixed(6)), [1, 0.4]);
    const b = new Float32Array([0.8, 0.9]);
    const c = new Float32Array([0.5, 0.5]);
    projectToBall(b, c, 0.25, 'l2');
    assert.ok(Math.abs(lpDistance(b, c, 'l2') - 0.25) < 1e-6);
  });

  it('projects onto the L1 ball by soft thresholding: the nearest point of the ball, a no-op inside it', () => {
    const x = new Float32Array(4).fill(0.5);
    // d = (0.3, -0.2, 0.05, 0) has L1 0.55; onto radius 0.3 the threshold is 0.1: (0.2, -0.1, 0, 0).
    const a = new Float32Array([0.8, 0.3, 0.55, 0.5]);
    projectToBall(a, x, 0.3, 'l1');
    assert.deepEqual([...a].map((v) => +(v - 0.5).toFixed(6)), [0.2, -0.1, 0, 0]);
    const inside = new Float32Array([0.6, 0.45, 0.5, 0.5]);
    projectToBall(inside, x, 0.3, 'l1');
    assert.deepEqual([...inside], [...new Float32Array([0.6, 0.45, 0.5, 0.5])]);
  });
});

describe('sampleBall', () => {
  const draws = (norm: LpNorm, d: number, count: number, radius = 2) => {
    const rng = exampleRng(3, `ball ${pNotation(norm)} ${d}`, 'test');
    return Array.from({ length: count }, () => {
      const out = new Float64Array(d);
      sampleBall(out, norm, radius, rng);
      return out;
    });
  };
  const fractionWithin = (points: Float64Array[], norm: LpNorm, r: number) => points.filter((v) => lpNorm(v, norm) <= r).length / points.length;

  for (const norm of LP_NORMS) {
    it(`${norm}: every point lies inside the ball`, () => {
      for (const d of [1, 2, 7, 100]) {
        for (const v of draws(norm, d, 2000)) assert.ok(lpNorm(v, norm) <= 2 * (1 + 1e-12), `d=${d}: norm ${lpNorm(v, norm)}`);
      }
    });
    // Uniform in a d-dimensional ball: the fraction within radius r * R is r^d.
    it(`${norm}: the fraction within R/2 is 1/4 in 2-D and 1/8 in 3-D; within 0.9 R, 0.9^10 in 10-D`, () => {
      assert.ok(Math.abs(fractionWithin(draws(norm, 2, 20000), norm, 1) - 0.25) < 0.015);
      assert.ok(Math.abs(fractionWithin(draws(norm, 3, 20000), norm, 1) - 0.125) < 0.012);
      assert.ok(Math.abs(fractionWithin(draws(norm, 10, 20000), norm, 1.8) - 0.9 ** 10) < 0.015);
    });
  }

  it('is symmetric: each quadrant of the plane gets a quarter of the points', () => {
    for (const norm of LP_NORMS) {
      const points = draws(norm, 2, 20000);
      const quadrant = (q: number) => points.filter((v) => (v[0]! > 0 ? 1 : 0) + (v[1]! > 0 ? 2 : 0) === q).length / points.length;
      for (let q = 0; q < 4; q++) assert.ok(Math.abs(quadrant(q) - 0.25) < 0.015, `${norm} quadrant ${q}: ${quadrant(q)}`);
    }
  });
});
