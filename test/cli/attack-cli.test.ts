import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load-model.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { correctlyClassified } from '../../src/data/correct-examples.js';
import { argmax } from '../../src/runtime/logits.js';
import { quantileInterval } from '../../src/analysis/stats.js';
import { cli } from '../helpers/cli.js';

/**
 * FGSM written out here, apart from the attack code: the first n correctly classified synthetic examples,
 * one step of eps * sign(cross-entropy gradient) clipped to [0,1], and the class the model then predicts.
 */
async function fgsmByHand(eps: number, n: number): Promise<{ ids: string[]; labels: string[]; predicted: string[] }> {
  const model = await loadModel('zoo:vgg-11-mini');
  try {
    const data = await loadDataset('synthetic');
    const set = await correctlyClassified(model, data, Array.from({ length: data.size }, (_, i) => i), n);
    const { grad } = await model.gradient(set.x, set.n, { kind: 'cross-entropy' }, { labels: set.labels });
    const adv = set.x.map((v, i) => Math.min(1, Math.max(0, v + eps * Math.sign(grad[i]!))));
    const logits = await model.logits(adv, set.n);
    return {
      ids: set.ids,
      labels: Array.from(set.labels, (l) => model.labels[l]!),
      predicted: Array.from({ length: set.n }, (_, e) => model.labels[argmax(logits, model.numClasses, e)!]!),
    };
  } finally {
    await model.dispose();
  }
}

test('robustscope attack prints success rate and norms over successes, and --save writes PNGs and a CSV', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-attack-'));
  const r = cli(['attack', 'zoo:vgg-11-mini', '--data', 'synthetic', '--attack', 'fgsm', '--set', 'eps=0.05', '--limit', '8', '--save', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const key of ['attempted', 'succeeded', 'success_rate', 'l0', 'l1', 'l2', 'linf']) assert.ok(key in out, key);
  assert.equal(out.attempted, 8);
  // The same examples attacked by hand: the CLI's count, per-example predictions and successes must agree.
  const byHand = await fgsmByHand(0.05, 8);
  const fooled = byHand.predicted.map((p, e) => p !== byHand.labels[e]);
  assert.equal(out.succeeded, fooled.filter(Boolean).length);
  // Shipped weights and seeded data: eps 0.05 fools 7 of the 8 (the closest adversarial logit margin is 1.2,
  // far from a flip between machines); example 2 keeps its label by a margin of 9.3.
  assert.equal(out.succeeded, 7);
  assert.equal(out.success_rate, out.succeeded / 8);
  // FGSM moves every pixel by eps (or to the box): L-inf is eps on every success.
  assert.ok(Math.abs(out.linf.mean - 0.05) < 1e-6 && out.linf.std < 1e-6);
  const csv = readFileSync(join(dir, 'examples.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 9);
  const rows = csv.slice(1).map((line) => line.split(','));
  assert.deepEqual(rows.map((c) => c[1]), byHand.ids);
  assert.deepEqual(rows.map((c) => [c[2], c[3], c[5]]), byHand.predicted.map((p, e) => [fooled[e] ? 'success' : 'failed', byHand.labels[e], p]));
  const images = rows.map((c) => c.at(-1)!);
  assert.deepEqual(images.map(Boolean), fooled, 'an image for every success and only for them');
  for (const png of images.filter(Boolean)) assert.ok(existsSync(join(dir, png)));
});

test('robustscope attack rejects an unknown parameter, naming it, before any work', () => {
  const r = cli(['attack', 'zoo:vgg-11-mini', '--data', 'synthetic', '--attack', 'fgsm', '--set', 'epsilon=0.1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /epsilon/);
});

test('robustscope attack --check-budget prints the budget-adequacy table; FGSM, with no budget, is refused before any work', () => {
  const args = ['attack', 'zoo:vgg-11-mini', '--data', 'synthetic', '--attack', 'fmn', '--set', 'iterations=10', '--limit', '6', '--batch', '4', '--check-budget', '3'];
  const r = cli([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const check = JSON.parse(r.stdout).budget_check;
  assert.equal(check.factor, 4);
  assert.equal(check.norm, 'l2');
  assert.equal(check.examples, 3);
  assert.equal(check.per_example.length, 3);
  const ratios = check.per_example.map((e: { ratio: number | null }) => e.ratio).filter((v: number | null) => v !== null).sort((a: number, b: number) => a - b);
  assert.equal(check.compared, ratios.length);
  assert.equal(check.max_ratio, ratios.at(-1) ?? null);
  // The intervals are those of the printed ratios (open ends null).
  for (const [key, q] of [['median_interval', 0.5], ['p90_interval', 0.9]] as const) {
    const { low, high } = quantileInterval(ratios, q);
    assert.deepEqual(check[key], [low ?? null, high ?? null], key);
  }
  // 4x the iterations: 40 gradient calls per example instead of 10.
  for (const e of check.per_example) assert.deepEqual([e.gradient_calls, e.gradient_calls_larger], [10, 40]);
  const text = cli(args);
  assert.match(text.stdout, /budget check: 3 examples re-run at 4x the budget/);
  assert.match(text.stdout, /median ratio +median 95% interval +p90 ratio +p90 95% interval +max ratio +successes gained +successes lost/);
  const fgsm = cli(['attack', 'zoo:vgg-11-mini', '--data', 'synthetic', '--attack', 'fgsm', '--check-budget', '3']);
  assert.equal(fgsm.code, 2);
  assert.match(fgsm.stderr, /fgsm takes a single step: it has no budget to check/);
});

test('robustscope transfer prints the N x (N-1) matrix with rates in [0,1] and explicit denominators', () => {
  const models = ['zoo:mlp-1', 'zoo:vgg-11-mini', 'zoo:alexnet-mini'];
  const r = cli(['transfer', '--models', models.join(','), '--data', 'synthetic', '--attack', 'fgsm', '--set', 'eps=0.1', '--limit', '12', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.matrix.length, models.length * (models.length - 1));
  for (const cell of out.matrix) {
    assert.notEqual(cell.source, cell.target);
    const s = cell.summary;
    assert.equal(s.evaluated + s.sourceFailed + s.targetMisclassifiesClean, 12);
    assert.ok(s.transferred <= s.evaluated);
    if (s.rate !== null) assert.ok(s.rate >= 0 && s.rate <= 1 && Math.abs(s.rate - s.transferred / s.evaluated) < 1e-12);
    assert.equal(cell.adaptation, 'none');
  }
  const text = cli(['transfer', '--models', models.join(','), '--data', 'synthetic', '--attack', 'fgsm', '--set', 'eps=0.1', '--limit', '12']);
  assert.match(text.stdout, /excluded from the denominators/);
});
