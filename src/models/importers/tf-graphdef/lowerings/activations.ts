import { float, type AttrInput } from '../../../../onnx/builder.js';
import type { LoweringContext, LoweringTable } from '../context.js';
import type { Tensor, Value } from '../values.js';
import { unary } from './arithmetic.js';

/** Activations: one ONNX op each (Relu, Sigmoid and Tanh also fold constants), Relu6 a Clip. */

function clip(ctx: LoweringContext, x: Value | undefined, lo: number, hi: number): Tensor {
  const t = ctx.tensor(x, 'the input');
  return ctx.out(ctx.b.op('Clip', [t.name, ctx.b.constFloat('lo', [], [lo]), ctx.b.constFloat('hi', [], [hi])]), t.dims);
}

function withAttrs(ctx: LoweringContext, x: Value | undefined, op: string, attrs: Record<string, AttrInput>): Tensor {
  const t = ctx.tensor(x, 'the input');
  return ctx.out(ctx.b.op(op, [t.name], attrs), t.dims);
}

function softmax(ctx: LoweringContext, x: Value | undefined): Tensor {
  const t = ctx.tensor(x, 'the input');
  // TensorFlow normalises over the last axis: the channels of a rank-4 value, which NCHW keeps at 1.
  return ctx.out(ctx.b.op('Softmax', [t.name], { axis: t.dims.length === 4 ? 1 : -1 }), t.dims);
}

export const activationLowerings: LoweringTable = {
  Relu: (ctx, ins) => unary(ctx, ins[0], 'Relu', (x) => Math.max(x, 0)),
  Sigmoid: (ctx, ins) => unary(ctx, ins[0], 'Sigmoid', (x) => 1 / (1 + Math.exp(-x))),
  Tanh: (ctx, ins) => unary(ctx, ins[0], 'Tanh', Math.tanh),
  Relu6: (ctx, ins) => clip(ctx, ins[0], 0, 6),
  LeakyRelu: (ctx, ins) => withAttrs(ctx, ins[0], 'LeakyRelu', { alpha: float(ctx.num('alpha', 0.2)) }),
  Elu: (ctx, ins) => withAttrs(ctx, ins[0], 'Elu', {}),
  Softmax: (ctx, ins) => softmax(ctx, ins[0]),
};
