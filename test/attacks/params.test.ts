import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { paramDocs } from '../../src/attacks/params.js';
import { ATTACKS, PRESETS, resolveAttack, runAttack, TRANSFER_PRESETS } from '../../src/attacks/registry.js';
import { linearSetup } from './models.js';

const userError = (pattern: RegExp) => (err: unknown) => err instanceof UserError && pattern.test(err.message);

describe('attack registry and parameters', () => {
  it('registers the eight attacks with documented parameters and their defaults', () => {
    assert.deepEqual(Object.keys(ATTACKS).sort(), ['apgd', 'cw-l2', 'deepfool', 'ead', 'fgsm', 'fmn', 'ifgsm', 'pgd']);
    for (const [name, attack] of Object.entries(ATTACKS)) {
      assert.equal(attack.name, name);
      assert.ok(attack.describe.length > 10);
      const docs = paramDocs(attack.paramsSchema);
      assert.deepEqual(docs.map((d) => d.key), Object.keys(attack.defaults));
      for (const d of docs) {
        assert.ok(d.description.length > 10, `${name}.${d.key} is undocumented`);
        assert.equal(d.default, attack.defaults[d.key]);
      }
    }
    assert.deepEqual(ATTACKS['cw-l2'].defaults, { kappa: 0, c: 0.01, binarySteps: 9, iterations: 1000, abortEarly: true, abortAfterSuccess: true, warmStart: false, minGain: 0, linearStart: 0, growth: 10, lr: 0.01, lrDecay: 'none', lrPerDistance: 0 });
    assert.equal(ATTACKS.ead.defaults.beta, 1e-3);
    assert.deepEqual(ATTACKS.fmn.defaults, { norm: 'l2', iterations: 100, alpha: 1, gamma: 0.05 });
    assert.deepEqual(ATTACKS.apgd.defaults, { eps: 8 / 255, norm: 'linf', loss: 'ce', iterations: 100, restarts: 1, randomStart: true });
  });

  it('accepts CLI strings for numbers and booleans', () => {
    const { params } = resolveAttack('ifgsm', { eps: '0.25', iterations: '30', search: 'true', capEps: 'false' });
    assert.deepEqual(params, { eps: 0.25, iterations: 30, loss: 'ce', search: true, attempts: 9, capEps: false });
  });

  it('rejects unknown keys and bad values, naming the key and what it expects', () => {
    assert.throws(() => resolveAttack('fgsm', { epsilon: 0.1 }), userError(/fgsm: unknown parameter 'epsilon'; the parameters are eps, loss/));
    assert.throws(() => resolveAttack('fgsm', { eps: 'big' }), userError(/parameter 'eps' got "big": .*expected number/));
    assert.throws(() => resolveAttack('pgd', { eps: -1 }), userError(/parameter 'eps' got -1: .*>0/));
    assert.throws(() => resolveAttack('ifgsm', { iterations: 2.5 }), userError(/'iterations' got 2.5: .*int/));
    assert.throws(() => resolveAttack('ead', { rule: 'l2' }), userError(/'rule' got "l2": .*"l1"\|"en"/));
    assert.throws(() => resolveAttack('cw-l2', { abortEarly: 'maybe' }), userError(/'abortEarly' got "maybe": .*boolean/));
    assert.throws(() => resolveAttack('fmn', { norm: 'l0' }), userError(/'norm' got "l0": .*"l1"\|"l2"\|"linf"/));
    assert.throws(() => resolveAttack('fmn', { gamma: 1 }), userError(/'gamma' got 1: .*<1/));
    assert.throws(() => resolveAttack('jsma'), userError(/unknown attack or preset 'jsma'; attacks: fgsm, ifgsm, pgd, cw-l2, ead, deepfool, fmn, apgd; presets: paper-ifgsm-search/));
  });

  it("has the study's presets, and overrides apply on top of them", () => {
    assert.deepEqual(resolveAttack('paper-ifgsm-search').params, { eps: 0.02, iterations: 50, loss: 'ce', search: true, attempts: 9, capEps: true });
    const cw = resolveAttack('paper-cw', { kappa: '20' });
    assert.equal(cw.attack.name, 'cw-l2');
    assert.equal(cw.preset, 'paper-cw');
    assert.deepEqual(cw.params, { kappa: 20, c: 0.01, binarySteps: 9, iterations: 1000, abortEarly: true, abortAfterSuccess: true, warmStart: false, minGain: 0, linearStart: 0, growth: 10, lr: 0.002, lrDecay: 'none', lrPerDistance: 0 });
    assert.deepEqual(resolveAttack('paper-ead').params, { kappa: 0, c: 0.01, binarySteps: 9, iterations: 1000, abortEarly: true, abortAfterSuccess: true, warmStart: false, minGain: 0, linearStart: 0, growth: 10, lr: 0.01, beta: 1e-3, rule: 'l1' });
  });

  it('has the transfer grids: FGSM eps, I-FGSM eps x iterations, C&W and EAD kappa', () => {
    const grid = TRANSFER_PRESETS.map((name) => {
      const { attack, params } = resolveAttack(name);
      return `${attack.name} ${attack.name.endsWith('fgsm') ? `eps=${params.eps}` : ''}${attack.name === 'ifgsm' ? ` it=${params.iterations}` : ''}${'kappa' in params ? `kappa=${params.kappa}` : ''}`;
    });
    const expected = [
      ...[0.1, 0.2, 0.3].map((e) => `fgsm eps=${e}`),
      ...[0.1, 0.2, 0.3].flatMap((e) => [10, 30, 50].map((k) => `ifgsm eps=${e} it=${k}`)),
      ...[0, 20, 40].map((k) => `cw-l2 kappa=${k}`),
      ...[0, 20, 40].map((k) => `ead kappa=${k}`),
    ];
    assert.deepEqual(grid, expected);
    // The grid is every registered transfer preset, in registration order, and nothing else.
    assert.deepEqual(Object.keys(PRESETS).filter((name) => name.startsWith('transfer-')), [...TRANSFER_PRESETS]);
    assert.equal(resolveAttack('transfer-ead-kappa40').params.beta, 1e-3);
  });

  it('runAttack returns the resolved parameters, target kind and seed with the results, and checks the seed', async () => {
    const s = linearSetup([1.5], 2, 1);
    const batch = { x: s.x, n: 2, labels: s.labels, ids: ['a', 'b'] };
    const run = await runAttack('transfer-fgsm-eps0.1', s.model, batch, { seed: 5, params: { loss: 'cw' } });
    assert.deepEqual([run.attack, run.preset, run.params, run.target, run.seed, run.results.length], ['fgsm', 'transfer-fgsm-eps0.1', { eps: 0.1, loss: 'cw' }, 'untargeted', 5, 2]);
    await assert.rejects(runAttack('fgsm', s.model, batch, { seed: -1 }), userError(/seed -1/));
    await assert.rejects(runAttack('fgsm', s.model, { ...batch, ids: ['a'] }), /expected 2 labels, ids/);
  });
});
