import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import type { Model } from '../../src/onnx/ir.js';
import { UserError } from '../../src/core/errors.js';
import { GradientSession, type LossValues } from '../../src/runtime/gradient-session.js';
import type { LossHead } from '../../src/autodiff/loss-heads.js';
import { normals, rng } from './fd-check.js';

/**
 * Loss heads on a model whose logits are its input, so loss and gradient w.r.t. the input are the head's own
 * value and gradient w.r.t. the logits, checked against closed forms.
 */

const N = 4;
const K = 5;

/** Logits = input; `pinned` reshapes to a constant [1, K] like the onnx-light-models do, fixing batch 1. */
function logitsModel(pinned = false): Model {
  const b = new GraphBuilder();
  b.input('x', [pinned ? 1 : 'N', K]);
  b.output(pinned ? b.op('Reshape', ['x', b.constInt64('shape', [1, K])]) : b.op('Identity', ['x']));
  return modelOf(b.graph);
}

const z = normals(rng(3), N * K, 2);
const row = (n: number) => Array.from(z.subarray(n * K, (n + 1) * K));
const labels = Int32Array.of(0, 3, 1, 4);
const others = Int32Array.of(2, 2, 4, 0);

async function evaluate(head: LossHead, values: LossValues, model = logitsModel(), fixedBatch?: number) {
  const session = await GradientSession.create(model, head);
  assert.equal(session.fixedBatch, fixedBatch);
  const r = await session.run(z, N, values);
  await session.dispose();
  assert.deepEqual(Array.from(r.logits), Array.from(z));
  return r;
}

/** Expected loss and gradient per example. */
function assertMatches(r: { loss: Float32Array; grad: Float32Array }, expected: (n: number) => { loss: number; grad: number[] }) {
  for (let n = 0; n < N; n++) {
    const e = expected(n);
    assert.ok(Math.abs(r.loss[n]! - e.loss) < 1e-5, `example ${n}: loss ${r.loss[n]} vs ${e.loss}`);
    e.grad.forEach((g, k) => assert.ok(Math.abs(r.grad[n * K + k]! - g) < 1e-5, `example ${n}, class ${k}: ${r.grad[n * K + k]} vs ${g}`));
  }
}

/** Index of the largest logit of row n other than `except`. */
const bestOther = (n: number, except: number) => row(n).reduce((best, v, k) => (k !== except && (best < 0 || v > row(n)[best]!) ? k : best), -1);
const unit = (k: number) => Array.from({ length: K }, (_, i) => (i === k ? 1 : 0));

test('cross-entropy: loss is −log softmax at the label, gradient softmax − one-hot', async () => {
  const r = await evaluate({ kind: 'cross-entropy' }, { labels });
  assertMatches(r, (n) => {
    const v = row(n);
    const max = Math.max(...v);
    const sum = v.reduce((s, x) => s + Math.exp(x - max), 0);
    return { loss: max + Math.log(sum) - v[labels[n]!]!, grad: v.map((x, k) => Math.exp(x - max) / sum - (k === labels[n] ? 1 : 0)) };
  });
});

test('C&W margin, untargeted: max(0, Z_y − max_{j≠y} Z_j + κ) with per-example κ', async () => {
  const kappa = Float32Array.of(0, 5, 0.5, 0);
  const r = await evaluate({ kind: 'cw-margin', targeted: false }, { labels, kappa });
  let active = 0;
  assertMatches(r, (n) => {
    const y = labels[n]!;
    const j = bestOther(n, y);
    const m = row(n)[y]! - row(n)[j]! + kappa[n]!;
    if (m > 0) active++;
    return { loss: Math.max(0, m), grad: m > 0 ? unit(y).map((u, k) => u - unit(j)[k]!) : unit(-1) };
  });
  assert.ok(active > 0 && active < N, 'the check covers both active and inactive margins');
});

test('C&W margin, targeted: max(0, max_{j≠t} Z_j − Z_t + κ) with one κ for all', async () => {
  const r = await evaluate({ kind: 'cw-margin', targeted: true }, { targets: others, kappa: 0.25 });
  assertMatches(r, (n) => {
    const t = others[n]!;
    const j = bestOther(n, t);
    const m = row(n)[j]! - row(n)[t]! + 0.25;
    return { loss: Math.max(0, m), grad: m > 0 ? unit(j).map((u, k) => u - unit(t)[k]!) : unit(-1) };
  });
});

test('logit difference Z_i − Z_j', async () => {
  const r = await evaluate({ kind: 'logit-diff' }, { i: labels, j: others });
  assertMatches(r, (n) => ({ loss: row(n)[labels[n]!]! - row(n)[others[n]!]!, grad: unit(labels[n]!).map((u, k) => u - unit(others[n]!)[k]!) }));
});

test('weighted logits: the gradient is the cotangent (vector-Jacobian product)', async () => {
  const cotangent = normals(rng(5), N * K);
  const r = await evaluate({ kind: 'weighted-logits' }, { cotangent });
  assertMatches(r, (n) => {
    const c = Array.from(cotangent.subarray(n * K, (n + 1) * K));
    return { loss: c.reduce((s, ck, k) => s + ck * row(n)[k]!, 0), grad: c };
  });
});

test('a model pinned to batch 1 runs n examples in chunks with the same results', async () => {
  const pinned = await evaluate({ kind: 'cross-entropy' }, { labels }, logitsModel(true), 1);
  const free = await evaluate({ kind: 'cross-entropy' }, { labels });
  assert.deepEqual(Array.from(pinned.loss), Array.from(free.loss));
  assert.deepEqual(Array.from(pinned.grad), Array.from(free.grad));
});

test('missing or mis-sized loss values are user errors', async () => {
  const session = await GradientSession.create(logitsModel(), { kind: 'cw-margin', targeted: true });
  await assert.rejects(session.run(z, N, { kappa: 0 }), (err: unknown) => err instanceof UserError && /needs 'targets'/.test(err.message));
  await assert.rejects(session.run(z, N, { targets: Int32Array.of(1), kappa: 0 }), UserError);
  await session.dispose();
});
