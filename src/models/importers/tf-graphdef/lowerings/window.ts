import type { AttrInput } from '../../../../onnx/builder.js';
import { tfWindow } from '../../tf-conventions.js';
import type { LoweringContext } from '../context.js';
import type { ImageTensor } from '../values.js';

/** The sliding window that convolutions and pools share: TensorFlow's padding and NHWC attributes in ONNX terms. */

/** Spatial output sizes and ONNX window attributes of a conv or pool over `x`. */
export function window(ctx: LoweringContext, x: ImageTensor['dims'], k: [number, number], s: [number, number], d: [number, number]): { dims: (number | null)[]; attrs: Record<string, AttrInput> } {
  const padding = ctx.str('padding');
  const fail = (m: string) => ctx.fail(m);
  if (padding === 'EXPLICIT') {
    const p = ctx.ints('explicit_paddings');
    if (p.length !== 8 || p[0] || p[1] || p[6] || p[7]) ctx.fail(`explicit_paddings [${p}] must pad H and W only`);
    const size = (i: 1 | 2) => {
      const n = x[i] ?? null;
      return n === null ? null : Math.floor((n + p[2 * i]! + p[2 * i + 1]! - ((k[i - 1]! - 1) * d[i - 1]! + 1)) / s[i - 1]!) + 1;
    };
    return { dims: [size(1), size(2)], attrs: { pads: [p[2]!, p[4]!, p[3]!, p[5]!] } };
  }
  const [h, w] = [x[1] ?? null, x[2] ?? null];
  if (h === null || w === null) {
    // Without static sizes the pads are left to ONNX, whose SAME_UPPER is TensorFlow's SAME.
    if (padding !== 'SAME' && padding !== 'VALID') ctx.fail(`padding '${padding}' is not supported (SAME, VALID, EXPLICIT)`);
    return { dims: [null, null], attrs: { auto_pad: padding === 'SAME' ? 'SAME_UPPER' : 'VALID' } };
  }
  const [oh, top, bottom] = tfWindow(h, k[0], s[0], d[0], padding, fail);
  const [ow, left, right] = tfWindow(w, k[1], s[1], d[1], padding, fail);
  return { dims: [oh, ow], attrs: { pads: [top, left, bottom, right] } };
}

/** A 4-element NHWC attribute (strides, ksize, dilations) that must be 1 on N and C; returns (H, W). */
export function spatial(ctx: LoweringContext, key: string): [number, number] {
  const v = ctx.ints(key, [1, 1, 1, 1]);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) ctx.fail(`'${key}' [${v}] must be [1, h, w, 1]`);
  return [v[1]!, v[2]!];
}
