import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distortion, L0_TOLERANCE } from '../../src/metrics/distortion.js';

describe('distortion norms', () => {
  it('L0 counts elements changed by more than the tolerance; L1, L2 and L-inf of the difference', () => {
    const x = new Float32Array([0.5, 0.5, 0.5, 0.5, 0.5]);
    const adv = new Float32Array([0.8, 0.1, 0.5 + L0_TOLERANCE / 2, 0.5, 0.5 + 4 * L0_TOLERANCE]);
    const d = distortion(adv, x);
    assert.equal(d.l0, 3);
    assert.ok(Math.abs(d.l1 - (0.3 + 0.4 + 4.5 * L0_TOLERANCE)) < 1e-6);
    assert.ok(Math.abs(d.l2 - 0.5) < 1e-6);
    assert.ok(Math.abs(d.linf - 0.4) < 1e-6);
  });

  it('measures slices of a batch, and rejects mismatched lengths', () => {
    const batch = new Float32Array([0, 0, 1, 1]);
    assert.deepEqual(distortion(batch.subarray(2, 4), batch.subarray(0, 2)), { l0: 2, l1: 2, l2: Math.SQRT2, linf: 1 });
    assert.throws(() => distortion(batch, batch.subarray(0, 2)), /4 values, original 2/);
  });
});
