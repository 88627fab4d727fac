import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/models/load-model.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { correctlyClassified, type ExampleSet } from '../../src/data/correct-examples.js';
import { checkBudget, minimisedNorm, runAttack, scaleBudget } from '../../src/attacks/index.js';
import { UserError } from '../../src/core/errors.js';
import type { OnnxClassifier } from '../../src/runtime/onnx-classifier.js';

let model: OnnxClassifier;
let set: ExampleSet;
const N = 8;

before(async () => {
  model = await loadModel('zoo:vgg-11-mini');
  const data = await loadDataset('synthetic');
  set = await correctlyClassified(model, data, Array.from({ length: 200 }, (_, i) => i), N);
});
after(() => model.dispose());

test("4x the budget: twice the steps on both axes of a search, 4x the iterations otherwise, 4x the budgets tried of FGSM's search; FGSM has none", () => {
  assert.deepEqual(scaleBudget('cw-l2', { iterations: 100, binarySteps: 4, lr: 0.01 }, 4), { iterations: 200, binarySteps: 8, lr: 0.01 });
  assert.deepEqual(scaleBudget('ifgsm', { search: true, iterations: 50, attempts: 9 }, 4), { search: true, iterations: 100, attempts: 18 });
  assert.deepEqual(scaleBudget('ifgsm', { search: false, iterations: 10, attempts: 9 }, 4), { search: false, iterations: 40, attempts: 9 });
  assert.deepEqual(scaleBudget('ifgsm', { search: true, iterations: 1, attempts: 9 }, 4), { search: true, iterations: 1, attempts: 36 }, 'still FGSM');
  assert.deepEqual(scaleBudget('fmn', { norm: 'linf', iterations: 100 }, 4), { norm: 'linf', iterations: 400 });
  assert.throws(() => scaleBudget('fgsm', { eps: 0.1 }, 4), (e: Error) => e instanceof UserError && /no budget/.test(e.message));
  assert.equal(minimisedNorm('fmn', { norm: 'l1' }), 'l1');
  assert.equal(minimisedNorm('pgd', { norm: 'l2' }), undefined);
});

test('the budget-adequacy table on a zoo model: per-example ratios of a seeded subsample against 4x the budget', async () => {
  const batch = { x: set.x, n: set.n, labels: set.labels, ids: set.ids };
  const run = await runAttack('cw-l2', model, batch, { params: { iterations: 20, binarySteps: 2, c: 0.1 } });
  const check = await checkBudget(run, model, batch, { examples: 5 });
  assert.equal(check.examples.length, 5);
  assert.equal(check.norm, 'l2');
  for (const ex of check.examples) {
    const e = set.ids.findIndex((id) => id === ex.id);
    assert.deepEqual(ex.base, run.results[e]);
    // The larger budget is what scaleBudget says, run on this example alone.
    const alone = await runAttack('cw-l2', model, { x: set.x.subarray(e * model.exampleSize, (e + 1) * model.exampleSize), n: 1, labels: set.labels.subarray(e, e + 1), ids: [ex.id] }, { params: { iterations: 40, binarySteps: 4, c: 0.1 } });
    assert.deepEqual({ ...ex.larger, timeMs: 0 }, { ...alone.results[0]!, timeMs: 0 });
    assert.equal(ex.ratio, ex.base.success && ex.larger.success ? ex.base.distortion!.l2 / ex.larger.distortion!.l2 : undefined);
  }
  const ratios = check.examples.flatMap((r) => (r.ratio === undefined ? [] : [r.ratio])).sort((a, b) => a - b);
  assert.equal(check.compared, ratios.length);
  // C&W at c 0.1 succeeds on all 8 examples at the base budget, and on the 5 sampled at 4x too.
  assert.equal(check.compared, 5);
  assert.equal(check.max, ratios.at(-1));
  // Quantiles by linear interpolation between order statistics (numpy's default): with 5 ratios the median
  // is the third and p90 lies 0.6 of the way from the fourth to the fifth.
  assert.equal(check.median, ratios[2]);
  assert.ok(Math.abs(check.p90! - (ratios[3]! + 0.6 * (ratios[4]! - ratios[3]!))) <= 1e-12, `p90 ${check.p90} of ${ratios}`);
  assert.equal(check.gained, check.examples.filter((r) => !r.base.success && r.larger.success).length);
  // A tenth of the paper budget falls short on a trained CNN: the larger budget finds smaller perturbations.
  assert.ok(check.max! > 1.01, `max ratio ${check.max}`);

  // The subsample depends on the seed and the ids, not on the examples' order.
  const order = [...set.ids.keys()].reverse();
  const size = model.exampleSize;
  const reversed = { x: new Float32Array(set.x.length), n: N, labels: Int32Array.from(order, (e) => set.labels[e]!), ids: order.map((e) => set.ids[e]!) };
  order.forEach((e, i) => reversed.x.set(set.x.subarray(e * size, (e + 1) * size), i * size));
  const again = await checkBudget({ ...run, results: order.map((e) => run.results[e]!) }, model, reversed, { examples: 5 });
  assert.deepEqual(again.examples.map((r) => r.id).sort(), check.examples.map((r) => r.id).sort());
});
