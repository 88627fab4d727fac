import { float } from '../../../../onnx/builder.js';
import type { LoweringContext, LoweringTable } from '../context.js';
import type { Tensor, Value } from '../values.js';

/** Inference batch norm: y = x·scale/√(var+ε) + (offset − mean·scale/√(var+ε)), folded into one Mul and Add. */
function batchNorm(ctx: LoweringContext, ins: Value[]): Tensor {
  ctx.nhwcOnly();
  if (ctx.bool('is_training', true)) ctx.fail('is_training is true: freeze the graph in inference mode');
  const x = ctx.image(ins[0]);
  const [scale, offset, mean, variance] = ['scale', 'offset', 'mean', 'variance'].map((what, i) => ctx.floatConst(ins[i + 1], what).data);
  const eps = ctx.num('epsilon', 1e-4);
  const channels = scale!.length;
  if ([offset, mean, variance].some((p) => p!.length !== channels) || (x.dims[3] !== null && x.dims[3] !== channels)) {
    ctx.fail(`parameters of ${[scale, offset, mean, variance].map((p) => p!.length)} values do not match ${x.dims[3]} channels`);
  }
  const mul = scale!.map((g, c) => g / Math.sqrt(variance![c]! + eps));
  const add = offset!.map((o, c) => o - mean![c]! * mul[c]!);
  const y = ctx.b.op('Add', [
    ctx.b.op('Mul', [x.name, ctx.b.constFloat('bn_scale', [1, channels, 1, 1], mul)]),
    ctx.b.constFloat('bn_shift', [1, channels, 1, 1], add),
  ]);
  return ctx.out(y, x.dims);
}

/** TensorFlow's LRN sums 2r+1 channels and scales by α; ONNX's divides α by the window size. */
function lrn(ctx: LoweringContext, v: Value | undefined): Tensor {
  const x = ctx.image(v);
  const size = 2 * ctx.num('depth_radius', 5) + 1;
  return ctx.out(ctx.b.op('LRN', [x.name], {
    size, alpha: float(ctx.num('alpha', 1) * size), beta: float(ctx.num('beta', 0.5)), bias: float(ctx.num('bias', 1)),
  }), x.dims);
}

export const normalizationLowerings: LoweringTable = {
  FusedBatchNorm: batchNorm,
  FusedBatchNormV2: batchNorm,
  FusedBatchNormV3: batchNorm,
  LRN: (ctx, ins) => lrn(ctx, ins[0]),
};
