import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, topK } from '../../src/runtime/logits.js';
import { evaluateTransfer, summarizeTransfer } from '../../src/metrics/transfer.js';
import type { Classifier } from '../../src/runtime/classifier-types.js';
import { cli } from '../helpers/cli.js';
import { nanModel, tempDir } from '../study/helpers.js';

/** A 4-class target on 1x2x2 images: NaN logits for images whose first pixel is above 0.5, else class 2 wins. */
const target: Classifier = {
  inputShape: [1, 2, 2], numClasses: 4, labels: ['a', 'b', 'c', 'd'], classIds: [],
  async logits(x, n) {
    const z = new Float32Array(n * 4);
    for (let e = 0; e < n; e++) z.set(x[e * 4]! > 0.5 ? [NaN, NaN, NaN, NaN] : [0, 0, 1, 0], e * 4);
    return z;
  },
  async dispose() {},
};

test('a row with NaN or Inf names no class: argmax is null and topK empty', () => {
  const z = Float32Array.from([NaN, NaN, NaN, 1, 5, 2, 0, Infinity, 0]);
  assert.equal(argmax(z, 3, 0), null);
  assert.equal(argmax(z, 3, 1), 1);
  assert.equal(argmax(z, 3, 2), null);
  assert.deepEqual(topK(z, 3, 0, 2), []);
  assert.deepEqual(topK(z, 3, 1, 2), [1, 2]);
});

test('transfer: a target that turns NaN on an adversarial image is its own outcome, never a transfer', async () => {
  const bright = Float32Array.from([0.9, 0, 0, 0]);
  const dark = Float32Array.from([0.1, 0, 0, 0]);
  const attempts = [
    { adversarial: bright, label: 0, target: null, targetCleanCorrect: true },
    { adversarial: bright, label: 0, target: null, targetCleanCorrect: true },
    { adversarial: dark, label: 0, target: null, targetCleanCorrect: true },
    { adversarial: dark, label: 2, target: null, targetCleanCorrect: true },
  ];
  const { results } = await evaluateTransfer(target, attempts, [1, 2, 2], false);
  assert.deepEqual(results.map((r) => r.outcome), ['target-non-finite', 'target-non-finite', 'transferred', 'not-transferred']);
  const summary = summarizeTransfer(results.map((r) => r.outcome));
  assert.deepEqual(summary, { rate: 0.5, transferred: 1, evaluated: 2, sourceFailed: 0, targetMisclassifiesClean: 0, targetNonFinite: 2 });
  const targeted = await evaluateTransfer(target, [{ adversarial: bright, label: 1, target: 0, targetCleanCorrect: true }], [1, 2, 2], true);
  assert.equal(targeted.results[0]!.outcome, 'target-non-finite');
});

test('models eval: an all-NaN model scores 0% with every example reported non-finite and a warning', () => {
  const model = nanModel(tempDir(), 'linear', -1);
  const r = cli(['models', 'eval', model, '--data', 'synthetic', '--limit', '40', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual([out.examples, out.top1, out.top5, out.non_finite], [40, 0, 0, 40]);
  assert.match(r.stderr, /warning: .*NaN or Inf logits on 40 of 40 examples/);
});

test('clever: NaN gradients end the command with one line naming the model, exit 2 (no stack trace)', () => {
  const model = nanModel(tempDir(), 'mlp-1', 0.5);
  const r = cli(['clever', model, '--data', 'synthetic', '--norm', 'inf', '--radius', '0.3', '--nb', '4', '--ns', '8', '--limit', '10', '--targets', 'top2']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^robustscope: ${model.replace(/[.]/g, '\\.')}: CLEVER: the model's gradient for class \\d+ is NaN or Inf at a sample around example synthetic:`));
});
