import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTACKS } from '../../src/attacks/registry.js';
import type { AttackName, ParamValues } from '../../src/attacks/types.js';
import type { DifferentiableClassifier } from '../../src/runtime/classifier-types.js';
import { linearSetup, SIZE } from './models.js';

/**
 * A model that returns NaN for examples whose first value is at least 0.85 (a marker no attack here
 * moves below it), in its forward logits, in its gradient's logits, or in its gradients only.
 */
function poisoned(model: DifferentiableClassifier, where: 'forward' | 'gradient-logits' | 'gradient'): DifferentiableClassifier {
  const marked = (x: Float32Array, e: number) => x[e * SIZE]! >= 0.85;
  const k = model.numClasses;
  return {
    ...model,
    async logits(x, n) {
      const z = await model.logits(x, n);
      if (where === 'forward') for (let e = 0; e < n; e++) if (marked(x, e)) z.fill(NaN, e * k, (e + 1) * k);
      return z;
    },
    async gradient(x, n, head, params) {
      const r = await model.gradient(x, n, head, params);
      for (let e = 0; e < n; e++) {
        if (!marked(x, e)) continue;
        if (where === 'gradient-logits') r.logits.fill(NaN, e * k, (e + 1) * k);
        if (where === 'gradient') r.grad[e * SIZE + 3] = Infinity;
      }
      return r;
    },
  };
}

const RUNS: [AttackName, ParamValues][] = [
  ['fgsm', {}],
  ['ifgsm', {}],
  ['ifgsm', { search: true, iterations: 10 }],
  ['pgd', {}],
  ['cw-l2', { iterations: 50, binarySteps: 3 }],
  ['ead', { iterations: 50, binarySteps: 3 }],
  ['deepfool', {}],
];

describe('non-finite logits and gradients', () => {
  const s = linearSetup([1.5], 4, 1);
  s.x[1 * SIZE] = 1;
  const ids = [0, 1, 2, 3];

  for (const where of ['forward', 'gradient-logits', 'gradient'] as const) {
    it(`NaN/Inf in ${where} outputs: that example is 'non-finite', never a success; the others are unaffected`, async () => {
      for (const [name, params] of RUNS) {
        // The forward-only case reaches gradient-free paths: FGSM and fixed I-FGSM meet it at verification.
        const results = await ATTACKS[name].run(poisoned(s.model, where), s.x, s.n, s.labels, undefined, params, { seed: 0, ids });
        const clean = await ATTACKS[name].run(s.model, s.x, s.n, s.labels, undefined, params, { seed: 0, ids });
        const bad = results[1]!;
        assert.equal(bad.status, 'non-finite', `${name} ${where}`);
        assert.deepEqual([bad.success, bad.adversarial, bad.distortion, bad.predicted], [false, undefined, undefined, undefined]);
        for (const e of [0, 2, 3]) {
          assert.notEqual(results[e]!.status, 'non-finite');
          assert.deepEqual({ ...results[e]!, timeMs: 0 }, { ...clean[e]!, timeMs: 0 });
        }
      }
    });
  }
});
