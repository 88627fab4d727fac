import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/models/load-model.js';
import { loadDataset } from '../../src/data/load-dataset.js';
import { correctlyClassified } from '../../src/data/correct-examples.js';
import { clever } from '../../src/metrics/clever.js';
import { runAttack } from '../../src/attacks/index.js';

/**
 * CLEVER estimates a lower bound of the smallest adversarial L2 distortion; C&W finds an adversarial
 * example, an upper bound. On a trained zoo CNN the estimate must sit below C&W's distortion for at
 * least 90% of examples (both targeted at the same top-2 class).
 */
test('CLEVER L2 <= the C&W-L2 distortion for at least 90% of examples on a zoo model', async (t) => {
  const model = await loadModel('zoo:vgg-11-mini');
  try {
    const data = await loadDataset('synthetic');
    const set = await correctlyClassified(model, data, Array.from({ length: 100 }, (_, i) => i), 20);
    const scores = await clever(model, set.x, set.n, set.labels, { norm: 'l2', targets: ['top2'], nb: 40, ns: 64, radius: 3, seed: 0, ids: set.ids });
    const cw = await runAttack('cw-l2', model, { x: set.x, n: set.n, labels: set.labels, ids: set.ids }, { target: 'top2', params: { iterations: 300, binarySteps: 6, c: 0.1 } });
    let below = 0;
    cw.results.forEach((r, e) => {
      assert.equal(r.status, 'success', `C&W failed on example ${e}`);
      const s = scores[e]!.scores.top2!;
      assert.equal(s.target, r.target, 'same target class');
      if (s.score <= r.distortion!.l2) below++;
      t.diagnostic(`example ${e}: CLEVER ${s.score.toFixed(4)}, C&W L2 ${r.distortion!.l2.toFixed(4)}`);
    });
    t.diagnostic(`CLEVER <= C&W for ${below}/${set.n} examples`);
    assert.ok(below / set.n >= 0.9, `${below}/${set.n}`);
  } finally {
    await model.dispose();
  }
});
