import type { LoweringContext, LoweringTable } from '../context.js';
import type { Tensor, Value } from '../values.js';
import { squeeze } from './layout.js';
import { spatial, window } from './window.js';

/** Pooling: windows (MaxPool, AvgPool) and Mean over axes (global average pooling). */

function pool(ctx: LoweringContext, v: Value | undefined, op: 'MaxPool' | 'AveragePool'): Tensor {
  ctx.nhwcOnly();
  const x = ctx.image(v);
  const k = spatial(ctx, 'ksize');
  const s = spatial(ctx, 'strides');
  const win = window(ctx, x.dims, k, s, [1, 1]);
  // TensorFlow's AvgPool divides by the pixels inside the image (ONNX's count_include_pad 0, the default).
  const y = ctx.b.op(op, [x.name], { kernel_shape: k, strides: s, ...win.attrs });
  return ctx.out(y, [x.dims[0], win.dims[0]!, win.dims[1]!, x.dims[3]]);
}

function mean(ctx: LoweringContext, ins: Value[]): Tensor {
  const x = ctx.tensor(ins[0], 'the input');
  const rank = x.dims.length;
  const axes = [...new Set(ctx.intConst(ins[1], 'the reduction axes').map((a) => ctx.axisOf(a, rank)))].sort();
  const kept = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const y = ctx.out(ctx.b.op('ReduceMean', [x.name], { axes: axes.map((a) => ctx.onnxAxis(a, rank)), keepdims: 1 }), kept);
  return ctx.bool('keep_dims', false) ? y : squeeze(ctx, y, axes);
}

export const poolingLowerings: LoweringTable = {
  MaxPool: (ctx, ins) => pool(ctx, ins[0], 'MaxPool'),
  AvgPool: (ctx, ins) => pool(ctx, ins[0], 'AveragePool'),
  Mean: mean,
};
