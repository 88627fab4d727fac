import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTACKS } from '../../src/attacks/registry.js';
import type { AttackName, AttackResult, ParamValues } from '../../src/attacks/types.js';
import type { TestClassifier } from '../helpers/linear-classifier.js';
import { linearSetup, reluSetup } from './models.js';

const N = 32;
const ids = Array.from({ length: N }, (_, e) => e);
const net = await reluSetup(N, 5);

function attack(name: AttackName, params: ParamValues, model: TestClassifier = net.model, x = net.x, labels = net.labels): Promise<AttackResult[]> {
  return ATTACKS[name].run(model, x, labels.length, labels, undefined, params, { seed: 3, ids: ids.slice(0, labels.length) });
}

const rate = (results: AttackResult[]) => results.filter((r) => r.success).length / results.length;
const EPS = [0.005, 0.01, 0.02, 0.03, 0.05, 0.1];

describe('attacks on a small ReLU network', () => {
  it('classifies its inputs into more than one class (a meaningful target for untargeted attacks)', () => {
    assert.ok(new Set(net.labels).size >= 3);
  });

  it('unbounded I-FGSM and C&W succeed on every example', async () => {
    assert.equal(rate(await attack('ifgsm', { eps: 1, iterations: 50 })), 1);
    assert.equal(rate(await attack('cw-l2', { iterations: 200 })), 1);
  });

  it('success is monotone in eps for FGSM and PGD (L-inf and L2)', async () => {
    for (const [name, params, grid] of [
      ['fgsm', {}, EPS],
      ['pgd', { iterations: 20, relStep: 0.125 }, EPS],
      ['pgd', { norm: 'l2', iterations: 20, relStep: 0.125 }, EPS.map((e) => e * 7)],
    ] as const) {
      const rates: number[] = [];
      for (const eps of grid) rates.push(rate(await attack(name, { ...params, eps })));
      for (let i = 1; i < rates.length; i++) assert.ok(rates[i]! >= rates[i - 1]!, `${name} ${JSON.stringify(params)}: ${rates}`);
      assert.ok(rates[0]! < 1 && rates.at(-1)! > rates[0]!, `${name}: ${rates}`);
    }
  });

  // A single random start can land PGD in a worse basin than FGSM's clean start; restarts make up for it.
  it('iterative attacks succeed at least as often as FGSM at equal eps', async () => {
    for (const eps of EPS) {
      const single = rate(await attack('fgsm', { eps }));
      assert.ok(rate(await attack('ifgsm', { eps, iterations: 10 })) >= single, `I-FGSM at ${eps}`);
      assert.ok(rate(await attack('pgd', { eps, iterations: 20, relStep: 0.125, restarts: 3 })) >= single, `PGD at ${eps}`);
    }
  });

  it('keeps every perturbation in the box and in its budget', async () => {
    const checks: [AttackName, ParamValues, (r: AttackResult) => boolean][] = [
      ['fgsm', { eps: 0.05 }, (r) => r.distortion!.linf <= 0.05 + 1e-6],
      ['ifgsm', { eps: 0.03 }, (r) => r.distortion!.linf <= 0.03 + 1e-6],
      ['pgd', { eps: 0.03 }, (r) => r.distortion!.linf <= 0.03 + 1e-6],
      ['pgd', { eps: 0.2, norm: 'l2' }, (r) => r.distortion!.l2 <= 0.2 + 1e-5],
    ];
    for (const [name, params, within] of checks) {
      const results = await attack(name, params);
      assert.ok(results.some((r) => r.success));
      for (const r of results.filter((r) => r.success)) {
        assert.ok(within(r), `${name} ${JSON.stringify(params)}: ${JSON.stringify(r.distortion)}`);
        assert.ok(r.adversarial!.every((v) => v >= 0 && v <= 1));
      }
    }
  });

  it('counts calls per example as the classifier saw them, one gradient call per iteration', async () => {
    const runs: [AttackName, ParamValues][] = [
      ['fgsm', {}],
      ['ifgsm', { eps: 0.02, iterations: 7 }],
      ['ifgsm', { search: true, eps: 0.02, iterations: 5, attempts: 4 }],
      ['pgd', { iterations: 6, restarts: 3 }],
      ['cw-l2', { iterations: 30, binarySteps: 3 }],
      ['ead', { iterations: 30, binarySteps: 3 }],
      ['deepfool', { candidates: 2 }],
    ];
    for (const [name, params] of runs) {
      const before = { ...net.model.calls };
      const results = await attack(name, params);
      const seen = net.model.calls.examples - before.examples;
      const counted = results.reduce((s, r) => s + r.gradientCalls + r.forwardCalls, 0);
      assert.equal(counted, seen, name);
      if (name === 'ifgsm' && !params.search) {
        assert.equal(net.model.calls.gradient - before.gradient, 7);
        for (const r of results) assert.deepEqual([r.iterations, r.gradientCalls, r.forwardCalls], [7, 7, 1]);
      }
      if (name === 'ifgsm' && params.search) for (const r of results) assert.deepEqual([r.iterations, r.gradientCalls, r.forwardCalls], [20, 20, 5]);
    }
  });

  it('reports progress after every step, ending with every example finished', async () => {
    const reports: number[] = [];
    const results = await ATTACKS.deepfool.run(net.model, net.x, N, net.labels, undefined, {}, { seed: 0, ids, onProgress: (finished, total) => {
      assert.equal(total, N);
      reports.push(finished);
    } });
    // All N examples step together; one that took k linearisation steps is seen adversarial, and finished,
    // at the start of step k + 1. So after step j exactly those with k < j are reported finished.
    assert.ok(results.every((r) => r.success));
    const steps = results.map((r) => r.iterations);
    assert.ok(Math.max(...steps) > Math.min(...steps), `steps ${steps}`);
    assert.deepEqual(reports, Array.from({ length: Math.max(...steps) + 1 }, (_, j) => steps.filter((k) => k < j + 1).length));
  });

  it('drops examples that have finished: C&W with early abort carries fewer examples than it started with', async () => {
    const before = net.model.calls.examples;
    const results = await attack('cw-l2', { iterations: 100, binarySteps: 3 });
    const seen = net.model.calls.examples - before;
    assert.ok(results.some((r) => r.iterations < 300));
    assert.ok(seen < N * 301, `${seen}`);
  });
});

describe('failures', () => {
  const s = linearSetup([1.5], 4, 1);

  it('a failed example returns no image and no distortion and counts as a failure', async () => {
    for (const [name, params] of [['fgsm', { eps: 0.001 }], ['ifgsm', { eps: 0.001 }], ['pgd', { eps: 0.001 }], ['cw-l2', { iterations: 5, binarySteps: 1, c: 1e-6 }], ['ead', { iterations: 5, binarySteps: 1, c: 1e-6 }]] as const) {
      const results = await attack(name, params, s.model, s.x, s.labels);
      for (const r of results) {
        assert.equal(r.status, 'failed', name);
        assert.equal(r.success, false);
        assert.equal(r.adversarial, undefined);
        assert.equal(r.distortion, undefined);
        assert.equal(r.eps, undefined);
      }
    }
  });

  it('FGSM success is monotone in eps per example on a linear model', async () => {
    let previous: boolean[] | undefined;
    for (const eps of [0.01, 0.02, 0.025, 0.03, 0.035, 0.05]) {
      const now = (await attack('fgsm', { eps }, s.model, s.x, s.labels)).map((r) => r.success);
      previous?.forEach((was, e) => assert.ok(!was || now[e], `example ${e} at eps ${eps}`));
      previous = now;
    }
    assert.ok(previous!.every(Boolean));
  });

  it('the I-FGSM search grows eps to 1 at most and ends when that fails; capEps=false doubles on', async () => {
    // A gap of 1000 logits: no image in the box reaches class 1, so every budget fails.
    const far = linearSetup([1000], 2, 4);
    const run = async (capEps: boolean) => {
      const before = far.model.calls.gradient;
      const results = await attack('ifgsm', { search: true, eps: 0.25, iterations: 5, attempts: 9, capEps }, far.model, far.x, far.labels);
      assert.ok(results.every((r) => r.status === 'failed'));
      return { perExample: results.map((r) => [r.gradientCalls, r.forwardCalls]), batchCalls: far.model.calls.gradient - before };
    };
    // Capped: 0.25, 0.5 and 1 (3 attempts of 5 steps); uncapped: all 9, up to 0.25 x 2^8 = 64.
    assert.deepEqual(await run(true), { perExample: [[15, 3], [15, 3]], batchCalls: 15 });
    assert.deepEqual(await run(false), { perExample: [[45, 9], [45, 9]], batchCalls: 45 });
  });

  it('an I-FGSM search whose every budget fails returns no image and no eps', async () => {
    const results = await attack('ifgsm', { search: true, eps: 1e-6, attempts: 3 }, s.model, s.x, s.labels);
    for (const r of results) assert.deepEqual([r.status, r.adversarial, r.eps], ['failed', undefined, undefined]);
  });
});
