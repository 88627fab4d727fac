import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateRecords, type AttackRecord } from '../../src/analysis/aggregate.js';

const success = (model: string, l2: number, settings: AttackRecord['settings'] = { c: 1, kappa: 0 }): AttackRecord => ({
  model,
  attack: 'cw-l2',
  settings,
  success: true,
  l0: 10 * l2,
  l1: 2 * l2,
  l2,
  linf: l2 / 10,
});
const failure = (model: string, settings: AttackRecord['settings'] = { c: 1, kappa: 0 }): AttackRecord => ({
  model,
  attack: 'cw-l2',
  settings,
  success: false,
  l0: NaN,
  l1: null,
  l2: Infinity,
});

describe('aggregateRecords', () => {
  it('counts attempts and successes and averages distortions over successes only', () => {
    const [a] = aggregateRecords([success('vgg', 1), failure('vgg'), success('vgg', 2), success('vgg', 3)]);
    assert.equal(a!.attempted, 4);
    assert.equal(a!.succeeded, 3);
    assert.equal(a!.successRate, 0.75);
    assert.equal(a!.distortion.l2.mean, 2);
    assert.ok(Math.abs(a!.distortion.l2.std! - Math.sqrt(2 / 3)) < 1e-15);
    assert.equal(a!.distortion.l0.mean, 20);
    assert.equal(a!.distortion.l1.mean, 4);
    assert.ok(Math.abs(a!.distortion.linf.mean! - 0.2) < 1e-15);
    assert.equal(a!.distortion.l2.count, 3);
  });

  it('keeps models and settings apart, and pools settings that differ only in key order', () => {
    const groups = aggregateRecords([
      success('vgg', 1, { c: 1, kappa: 0 }),
      success('vgg', 3, { kappa: 0, c: 1 }),
      success('vgg', 5, { c: 1, kappa: 20 }),
      success('resnet', 7, { c: 1, kappa: 0 }),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.model, g.settings.kappa, g.attempted, g.distortion.l2.mean]),
      [['vgg', 0, 2, 2], ['vgg', 20, 1, 5], ['resnet', 0, 1, 7]],
    );
  });

  it('reports a group without successes with a 0 rate and null means, not NaN', () => {
    const [a] = aggregateRecords([failure('alexnet'), failure('alexnet')]);
    assert.equal(a!.successRate, 0);
    assert.deepEqual(a!.distortion.l2, { mean: null, std: null, count: 0 });
    assert.ok(!JSON.stringify(a).includes('NaN'));
  });

  it('refuses a success without a finite distortion', () => {
    assert.throws(() => aggregateRecords([{ ...success('vgg', 1), linf: NaN }]), /linf = NaN/);
  });
});
