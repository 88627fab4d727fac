import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleRng } from '../../src/core/rng.js';
import { chooseTargets } from '../../src/core/targets.js';
import { UserError } from '../../src/core/errors.js';
import { clever, summarizeClever, type CleverOptions } from '../../src/metrics/clever.js';
import { dualNorm, type LpNorm } from '../../src/core/lp.js';
import { linearClassifier } from '../helpers/linear-classifier.js';
import { quadraticClassifier } from '../helpers/linear-classifier-clever.js';

const SHAPE = [3, 4, 4] as const;
const D = 48;
const K = 4;

function randomMatrix(rows: number, cols: number, key: string, scale: number): Float64Array {
  const rng = exampleRng(11, key, 'weights');
  return Float64Array.from({ length: rows * cols }, () => scale * rng.normal());
}

/** A linear model and examples well inside the box, labelled with the model's own predictions. */
function linearSetup(n: number) {
  const W = randomMatrix(K, D, 'W', 0.1);
  const b = [0.3, -0.1, 0.05, 0];
  const model = linearClassifier(W, b, SHAPE);
  const rng = exampleRng(12, 'x', 'inputs');
  const x = Float32Array.from({ length: n * D }, () => 0.4 + 0.2 * rng.uniform());
  const logits = new Float64Array(n * K);
  const labels = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    for (let k = 0; k < K; k++) {
      let s = b[k]!;
      for (let i = 0; i < D; i++) s += W[k * D + i]! * x[e * D + i]!;
      logits[e * K + k] = s;
    }
    for (let k = 1; k < K; k++) if (logits[e * K + k]! > logits[e * K + labels[e]!]!) labels[e] = k;
  }
  /** The exact CLEVER score for class j: margin over the dual norm of w_label - w_j. */
  const exact = (e: number, j: number, norm: LpNorm) => {
    const y = labels[e]!;
    const dw = Float64Array.from({ length: D }, (_, i) => W[y * D + i]! - W[j * D + i]!);
    return { margin: logits[e * K + y]! - logits[e * K + j]!, lipschitz: dualNorm(dw, norm) };
  };
  return { model, x, labels, exact };
}

const base: Omit<CleverOptions, 'norm' | 'radius'> = { targets: ['top2', 'random', 'least-likely'], nb: 40, ns: 16, seed: 5 };

describe('clever on a linear classifier (Lipschitz constant known exactly)', () => {
  const n = 3;
  const { model, x, labels, exact } = linearSetup(n);
  // Radii far beyond the margins, so that the cap min(., R) does not bind.
  const cases: { norm: LpNorm; radius: number; dual: string }[] = [
    { norm: 'l2', radius: 3, dual: 'L2' },
    { norm: 'linf', radius: 1, dual: 'L1' },
    { norm: 'l1', radius: 30, dual: 'L-inf' },
  ];
  for (const { norm, radius, dual } of cases) {
    it(`${norm} ball: score = margin / ||w_label - w_target||_${dual === 'L-inf' ? 'inf' : dual.slice(1)} within 1%`, async () => {
      const results = await clever(model, x, n, labels, { ...base, norm, radius });
      for (const [e, r] of results.entries()) {
        assert.equal(r.label, labels[e]);
        for (const kind of base.targets) {
          const s = r.scores[kind]!;
          const { margin, lipschitz } = exact(e, s.target, norm);
          assert.ok(margin / lipschitz < radius, 'the cap must not bind in this test');
          assert.ok(Math.abs(s.lipschitz - lipschitz) / lipschitz < 0.01, `${kind}: L ${s.lipschitz} vs ${lipschitz}`);
          assert.ok(Math.abs(s.score - margin / lipschitz) / (margin / lipschitz) < 0.01, `${kind}: ${s.score}`);
          assert.ok(Math.abs(s.g0 - margin) < 1e-5);
          // Every gradient norm is the same, so the maxima are equal and the fit falls back to them.
          assert.equal(s.fit.usedFallback, true);
        }
      }
    });
  }

  it('chooses the targets of the attacks: top-2, least-likely by logits, random from the (seed, id) stream', async () => {
    const ids = ['a', 'b', 'c'];
    const results = await clever(model, x, n, labels, { ...base, norm: 'l2', radius: 3, ids });
    const logits = await model.logits(x, n);
    for (const kind of ['top2', 'random', 'least-likely'] as const) {
      const expected = chooseTargets(kind, labels, K, { seed: base.seed, ids, logits });
      assert.deepEqual(results.map((r) => r.scores[kind]!.target), [...expected]);
    }
    assert.deepEqual(results.map((r) => r.id), ids);
  });

  it('untargeted is the minimum over all other classes', async () => {
    const results = await clever(model, x, n, labels, { ...base, targets: ['untargeted'], norm: 'l2', radius: 3 });
    for (const [e, r] of results.entries()) {
      let best = { score: Infinity, target: -1 };
      for (let j = 0; j < K; j++) {
        if (j === labels[e]) continue;
        const { margin, lipschitz } = exact(e, j, 'l2');
        if (margin / lipschitz < best.score) best = { score: margin / lipschitz, target: j };
      }
      assert.equal(r.scores.untargeted!.target, best.target);
      assert.ok(Math.abs(r.scores.untargeted!.score - best.score) / best.score < 0.01);
    }
  });

  it('caps the score at the radius when g(x) / L exceeds it', async () => {
    const radius = 0.01;
    assert.ok(exact(0, (labels[0]! + 1) % K, 'l2').margin / exact(0, (labels[0]! + 1) % K, 'l2').lipschitz > radius);
    const results = await clever(model, x, n, labels, { ...base, targets: ['untargeted'], norm: 'l2', radius });
    for (const r of results) assert.equal(r.scores.untargeted!.score, radius);
  });

  it('scores 0 for a class already ahead of the label (g(x) <= 0)', async () => {
    const wrong = Int32Array.from(labels, (y) => (y + 1) % K);
    const results = await clever(model, x, n, wrong, { ...base, targets: ['untargeted'], norm: 'l2', radius: 3 });
    for (const r of results) {
      assert.ok(r.scores.untargeted!.g0 <= 0);
      assert.equal(r.scores.untargeted!.score, 0);
    }
  });

  it('rejects bad options with a UserError', async () => {
    const bad: Partial<CleverOptions>[] = [
      { radius: 0 },
      { nb: 0 },
      { ns: 1.5 },
      { targets: [] },
      { targets: ['top3' as never] },
      { batchSize: 0 },
      { norm: 3 as never },
    ];
    for (const o of bad) {
      await assert.rejects(clever(model, x, n, labels, { ...base, norm: 'l2', radius: 3, ...o }), UserError, JSON.stringify(o));
    }
    await assert.rejects(clever(model, x, n, [0, 1, 9], { ...base, norm: 'l2', radius: 3 }), /label 9/);
  });
});

describe('clever on a curved model (gradients vary continuously inside the ball)', () => {
  const model = quadraticClassifier(randomMatrix(K, D, 'W', 0.1), [0.3, -0.1, 0.05, 0], [0.4, -0.3, 0.1, 0], 0.5, SHAPE);
  const n = 2;
  const rng = exampleRng(13, 'curved x', 'inputs');
  const x = Float32Array.from({ length: n * D }, () => 0.3 + 0.4 * rng.uniform());
  const opts: CleverOptions = { ...base, targets: ['top2', 'untargeted'], norm: 'l2', radius: 0.5, ids: ['p', 'q'] };
  const predicted = async () => {
    const z = await model.logits(x, n);
    return [0, 1].map((e) => {
      const row = [...z.subarray(e * K, (e + 1) * K)];
      return row.indexOf(Math.max(...row));
    });
  };

  it('gives the same scores whatever the batch size, the other examples and the other target kinds', async () => {
    const labels = await predicted();
    const a = await clever(model, x, n, labels, { ...opts, batchSize: 7 });
    const b = await clever(model, x, n, labels, { ...opts, batchSize: 64 });
    assert.deepEqual(a, b);
    const alone = await clever(model, x.subarray(D), 1, [labels[1]!], { ...opts, ids: ['q'], targets: ['top2'] });
    assert.deepEqual(alone[0]!.scores['top2'], a[1]!.scores['top2']);
  });

  it('fits the maxima and bounds them from above; the score follows the estimate', async () => {
    const labels = await predicted();
    for (const r of await clever(model, x, n, labels, opts)) {
      for (const s of Object.values(r.scores)) {
        assert.equal(s.fit.usedFallback, false, `p-value ${s.fit.ksPValue}`);
        assert.ok(s.fit.ksPValue! >= 0.001);
        assert.ok(Math.abs(s.score - Math.min(s.g0 / s.lipschitz, opts.radius)) < 1e-12);
      }
    }
  });

  it('changes with the seed', async () => {
    const labels = await predicted();
    const a = await clever(model, x, n, labels, opts);
    const b = await clever(model, x, n, labels, { ...opts, seed: 6 });
    assert.notEqual(a[0]!.scores.untargeted!.lipschitz, b[0]!.scores.untargeted!.lipschitz);
  });

  it('reports progress in sample points up to n * nb * ns', async () => {
    const seen: [number, number][] = [];
    await clever(model, x, n, await predicted(), { ...opts, batchSize: 50, onProgress: (f, t) => seen.push([f, t]) });
    const total = n * opts.nb * opts.ns;
    assert.ok(seen.every(([, t]) => t === total));
    assert.ok(seen.every(([f], k) => k === 0 || f >= seen[k - 1]![0]));
    assert.deepEqual(seen.at(-1), [total, total]);
  });
});

describe('summarizeClever', () => {
  it('gives mean, population std and count per target kind, with the norm as a string', async () => {
    const fit = { shape: null, location: 1, scale: null, ksPValue: null, usedFallback: true };
    const score = (s: number) => ({ score: s, lipschitz: 1, g0: s, target: 0, fit });
    const results = [
      { id: 0, label: 1, scores: { 'top2': score(0.1), untargeted: score(0.1) } },
      { id: 1, label: 1, scores: { 'top2': score(0.3), untargeted: score(0.2) } },
    ];
    const summary = summarizeClever(results, 'linf');
    assert.equal(summary.norm, 'inf');
    assert.deepEqual(Object.keys(summary.targets).sort(), ['top2', 'untargeted']);
    assert.equal(summary.targets['top2']!.count, 2);
    assert.ok(Math.abs(summary.targets['top2']!.mean! - 0.2) < 1e-15);
    assert.ok(Math.abs(summary.targets['top2']!.std! - 0.1) < 1e-15);
    assert.ok(Math.abs(summary.targets.untargeted!.mean! - 0.15) < 1e-15);
    assert.equal(JSON.stringify(summarizeClever([], 'l2')), '{"norm":"2","targets":{}}');
  });
});
