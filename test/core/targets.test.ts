import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runAttack } from '../../src/attacks/registry.js';
import { chooseTargets } from '../../src/core/targets.js';
import { linearClassifier } from '../helpers/linear-classifier.js';

const K = 10;
const N = 200;
/** Logits of N examples over K classes with distinct values; the label is the argmax (correctly classified). */
const logits = Float32Array.from({ length: N * K }, (_, i) => Math.sin(1 + i * 12.9898) * 100);
const row = (e: number) => Array.from(logits.subarray(e * K, (e + 1) * K));
const labels = Int32Array.from({ length: N }, (_, e) => row(e).indexOf(Math.max(...row(e))));
const ids = Array.from({ length: N }, (_, e) => `val/${e}.JPEG`);

describe('targets', () => {
  it('least-likely is the argmin logit, top-2 the second-highest', () => {
    const least = chooseTargets('least-likely', labels, K, { seed: 0, ids, logits });
    const top2 = chooseTargets('top2', labels, K, { seed: 0, ids, logits });
    for (let e = 0; e < N; e++) {
      const sorted = row(e).map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]);
      assert.equal(least[e], sorted.at(-1)![1]);
      assert.equal(top2[e], sorted[1]![1]);
    }
  });

  it('never picks the label, even for a misclassified example', () => {
    const wrong = Int32Array.from(labels, (y, e) => {
      const r = row(e);
      return r.indexOf(e % 2 ? Math.min(...r) : Math.max(...r.filter((v) => v !== r[y])));
    });
    for (const kind of ['least-likely', 'top2', 'random'] as const) {
      chooseTargets(kind, wrong, K, { seed: 1, ids, logits }).forEach((t, e) => assert.notEqual(t, wrong[e]));
    }
  });

  it('random: never the label, every other class reachable, reproducible per (seed, id) whatever the batch', () => {
    const all = chooseTargets('random', labels, K, { seed: 7, ids });
    const counts = new Array(K).fill(0);
    all.forEach((t, e) => {
      assert.notEqual(t, labels[e]);
      assert.ok(t >= 0 && t < K);
      counts[t]++;
    });
    assert.ok(counts.every((c) => c > 5), `${counts}`);
    // The same example alone, or in another order, gets the same target.
    for (const e of [0, 17, 199]) assert.equal(chooseTargets('random', labels.subarray(e, e + 1), K, { seed: 7, ids: [ids[e]!] })[0], all[e]);
    const reversed = chooseTargets('random', labels.slice().reverse(), K, { seed: 7, ids: ids.slice().reverse() });
    assert.deepEqual(Array.from(reversed).reverse(), Array.from(all));
    // Another seed gives other targets.
    const other = chooseTargets('random', labels, K, { seed: 8, ids });
    assert.ok(other.some((t, e) => t !== all[e]));
  });

  it('needs logits for the logit-based kinds', () => {
    assert.throws(() => chooseTargets('top2', labels, K, { seed: 0, ids }), /clean logits/);
  });

  it('runAttack records the target of every example and attacks it', async () => {
    const W = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const model = linearClassifier(W, [0.4, 0.2, 0, -0.4], [1, 2, 2]);
    const x = new Float32Array([0.5, 0.5, 0.5, 0.5]);
    const batch = { x, n: 1, labels: new Int32Array([0]), ids: ['a'] };
    assert.equal((await runAttack('deepfool', model, batch, { target: 'top2' })).results[0]!.target, 1);
    const least = (await runAttack('deepfool', model, batch, { target: 'least-likely' })).results[0]!;
    assert.deepEqual([least.target, least.predicted, least.status], [3, 3, 'success']);
    const untargeted = await runAttack('deepfool', model, batch);
    assert.deepEqual([untargeted.target, untargeted.results[0]!.target], ['untargeted', undefined]);
  });
});
