import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/models/load-model.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { correctlyClassified, type ExampleSet } from '../../src/data/correct-examples.js';
import { runAttack } from '../../src/attacks/index.js';
import type { OnnxClassifier } from '../../src/runtime/onnx-classifier.js';
import { argmax } from '../../src/runtime/logits.js';

/** The attacks on a trained zoo CNN, through the real path: ONNX Runtime forward and our autodiff. */
let model: OnnxClassifier;
let set: ExampleSet;
const N = 16;

before(async () => {
  model = await loadModel('zoo:vgg-11-mini');
  const data = await loadDataset('synthetic');
  set = await correctlyClassified(model, data, Array.from({ length: 200 }, (_, i) => i), N);
  assert.equal(set.n, N);
});
after(() => model.dispose());

const batch = () => ({ x: set.x, n: set.n, labels: set.labels, ids: set.ids });
const rate = (results: { success: boolean }[]) => results.filter((r) => r.success).length / results.length;

test('unbounded I-FGSM and C&W reach 100% success', async () => {
  const ifgsm = await runAttack('ifgsm', model, batch(), { params: { eps: 1, iterations: 20 } });
  assert.equal(rate(ifgsm.results), 1);
  const cw = await runAttack('cw-l2', model, batch(), { params: { iterations: 200, binarySteps: 6, c: 1 } });
  assert.equal(rate(cw.results), 1);
  // Each C&W success is checked here, apart from the attack's own verification: its image is in the box, the
  // model misclassifies it, and its reported L2 is the distance to the original summed here in float64.
  const size = model.exampleSize;
  const images = new Float32Array(set.n * size);
  cw.results.forEach((r, e) => images.set(r.adversarial!, e * size));
  assert.ok(images.every((v) => v >= 0 && v <= 1), 'adversarial images stay in [0,1]');
  const logits = await model.logits(images, set.n);
  cw.results.forEach((r, e) => {
    assert.notEqual(argmax(logits, model.numClasses, e), set.labels[e], `example ${e} is not misclassified`);
    let sum = 0;
    for (let i = 0; i < size; i++) sum += (images[e * size + i]! - set.x[e * size + i]!) ** 2;
    assert.ok(sum > 0 && Math.abs(r.distortion!.l2 - Math.sqrt(sum)) <= 1e-9 * Math.sqrt(sum), `example ${e}: L2 ${r.distortion!.l2} vs ${Math.sqrt(sum)}`);
  });
});

test('success is monotone in eps for FGSM and PGD, and iterative >= single-step at equal eps', async (t) => {
  const grid = [0.005, 0.01, 0.02, 0.04, 0.08];
  const fgsm: number[] = [];
  const ifgsm: number[] = [];
  const pgd: number[] = [];
  for (const eps of grid) {
    fgsm.push(rate((await runAttack('fgsm', model, batch(), { params: { eps } })).results));
    ifgsm.push(rate((await runAttack('ifgsm', model, batch(), { params: { eps, iterations: 10 } })).results));
    // A step of eps/4 lets 10 PGD steps travel the whole budget from the random start.
    pgd.push(rate((await runAttack('pgd', model, batch(), { params: { eps, iterations: 10, relStep: 0.25 }, seed: 3 })).results));
  }
  t.diagnostic(`eps ${grid.join(' ')}: FGSM ${fgsm.join(' ')}; I-FGSM ${ifgsm.join(' ')}; PGD ${pgd.join(' ')}`);
  for (let i = 1; i < grid.length; i++) {
    assert.ok(fgsm[i]! >= fgsm[i - 1]!, `FGSM ${fgsm}`);
    assert.ok(pgd[i]! >= pgd[i - 1]!, `PGD ${pgd}`);
  }
  // I-FGSM: K steps of eps/K, the iterative form of FGSM at the same budget.
  grid.forEach((_, i) => assert.ok(ifgsm[i]! >= fgsm[i]!, `eps ${grid[i]}: I-FGSM ${ifgsm[i]} < FGSM ${fgsm[i]}`));
  assert.ok(fgsm[0]! < 1 && pgd[grid.length - 1]! > fgsm[0]!, 'the grid spans weak to strong budgets');
});

test('results are identical for batch sizes 1, 7 and 32 with the same seed', async () => {
  const runs = new Map<number, Awaited<ReturnType<typeof runAttack>>['results']>();
  const size = model.exampleSize;
  for (const b of [1, 7, 32]) {
    const results = [];
    for (let start = 0; start < set.n; start += b) {
      const end = Math.min(set.n, start + b);
      const run = await runAttack('pgd', model, { x: set.x.subarray(start * size, end * size), n: end - start, labels: set.labels.subarray(start, end), ids: set.ids.slice(start, end) },
        { params: { eps: 0.02, iterations: 5 }, target: 'random', seed: 11 });
      results.push(...run.results);
    }
    runs.set(b, results);
  }
  const key = (rs: typeof runs extends Map<number, infer R> ? R : never) => rs.map((r) => [r.status, r.target, r.predicted, r.distortion?.l2]);
  assert.deepEqual(key(runs.get(7)!), key(runs.get(1)!));
  assert.deepEqual(key(runs.get(32)!), key(runs.get(1)!));
});
