import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resampleToCanonical } from '../../src/data/resample.js';

describe('resampleToCanonical', () => {
  /** A 2x2 image, pixel p has channel values (10p, 10p + 1, 10p + 2), in both layouts. */
  const hwc = Uint8Array.from([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
  const chw = Uint8Array.from([0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32]);

  it('reads both layouts into the same canonical image', () => {
    const a = new Float32Array(12);
    const b = new Float32Array(12);
    resampleToCanonical(hwc, 'hwc', 2, 2, a, 0, 2, 2);
    resampleToCanonical(chw, 'chw', 2, 2, b, 0, 2, 2);
    assert.deepEqual(a, b);
    assert.deepEqual(Array.from(a, (v) => Math.round(v * 255)), Array.from(chw));
  });

  it('interpolates bilinearly with aligned pixel centres, and crops or stretches', () => {
    const out = new Float32Array(3 * 4 * 4 + 1);
    resampleToCanonical(hwc, 'hwc', 2, 2, out, 1, 4, 4);
    const up = Array.from(out.subarray(1, 17), (v) => v * 255);
    // Output pixel centres map to source -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    const row0 = [0, 2.5, 7.5, 10];
    for (let x = 0; x < 4; x++) assert.ok(Math.abs(up[x]! - row0[x]!) < 1e-4, `${up[x]} vs ${row0[x]}`);
    assert.ok(Math.abs(up[15]! - 30) < 1e-4);

    // A 2x4 target: stretch keeps the two rows and widens them; shorter-side-crop scales both axes by 2
    // and keeps the centre band, whose rows lie between the source rows.
    const red = (resize: 'stretch' | 'shorter-side-crop'): number[] => {
      const o = new Float32Array(3 * 2 * 4);
      resampleToCanonical(hwc, 'hwc', 2, 2, o, 0, 2, 4, resize);
      return Array.from(o.subarray(0, 8), (v) => Math.round(v * 255 * 10) / 10);
    };
    assert.deepEqual(red('stretch'), [0, 2.5, 7.5, 10, 20, 22.5, 27.5, 30]);
    assert.deepEqual(red('shorter-side-crop'), [5, 7.5, 12.5, 15, 15, 17.5, 22.5, 25]);
  });
});
