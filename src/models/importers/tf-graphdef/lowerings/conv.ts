import { depthwiseToOihw, kernelToOihw } from '../../tf-conventions.js';
import type { LoweringContext, LoweringTable } from '../context.js';
import type { Tensor, Value } from '../values.js';
import { spatial, window } from './window.js';

/** Convolutions with constant filters: TensorFlow's [kh, kw, in, out] filters become ONNX's OIHW once here. */

function conv(ctx: LoweringContext, ins: Value[], depthwise: boolean): Tensor {
  ctx.nhwcOnly();
  const x = ctx.image(ins[0]);
  const f = ctx.floatConst(ins[1], 'the filter');
  if (f.dims.length !== 4) ctx.fail(`the filter must be [kh, kw, in, out], got [${f.dims}]`);
  const [kh, kw, cin, cm] = f.dims as [number, number, number, number];
  const channels = x.dims[3] ?? ctx.fail('the input channels are not fixed');
  let weight: Float32Array;
  let wDims: number[];
  let group: number;
  let cout: number;
  if (depthwise) {
    if (cin !== channels) ctx.fail(`the filter reads ${cin} channels; the input has ${channels}`);
    weight = depthwiseToOihw(f.data, f.dims);
    cout = cin * cm;
    wDims = [cout, 1, kh, kw];
    group = cin;
  } else {
    if (channels % cin !== 0) ctx.fail(`the filter reads ${cin} channels; the input has ${channels}`);
    weight = kernelToOihw(f.data, f.dims);
    cout = cm;
    wDims = [cout, cin, kh, kw];
    group = channels / cin;
  }
  const s = spatial(ctx, 'strides');
  const d = spatial(ctx, 'dilations');
  const win = window(ctx, x.dims, [kh, kw], s, d);
  const y = ctx.b.op('Conv', [x.name, ctx.b.constFloat(`${ctx.node.name}/weights`, wDims, weight)], {
    kernel_shape: [kh, kw], strides: s, dilations: d, group, ...win.attrs,
  });
  return ctx.out(y, [x.dims[0], win.dims[0]!, win.dims[1]!, cout]);
}

export const convLowerings: LoweringTable = {
  Conv2D: (ctx, ins) => conv(ctx, ins, false),
  DepthwiseConv2dNative: (ctx, ins) => conv(ctx, ins, true),
};
