import { product } from '../../constant-folding.js';
import type { LoweringContext, LoweringTable } from '../context.js';
import { NCHW_AXIS, TO_NCHW, type IntConst, type Tensor, type Value } from '../values.js';

/**
 * Ops that move elements without computing: Concat, Squeeze, Reshape, Pad. Axes map from TensorFlow's NHWC
 * to the stored NCHW; where element order matters (Reshape, some Squeezes), the value goes through NHWC.
 */

function concat(ctx: LoweringContext, parts: Value[], axisValue: Value | undefined): Value {
  const [axisRaw] = ctx.intConst(axisValue, 'the axis');
  if (parts.every((p) => p.kind === 'int')) {
    if (parts.some((p) => p.dims.length !== 1)) ctx.fail('only 1-D integer constants can be concatenated');
    const data = parts.flatMap((p) => (p as IntConst).data);
    return { kind: 'int', dims: [data.length], data };
  }
  const tensors = parts.filter((p): p is Tensor => p.kind === 'tensor');
  const rank = tensors[0]?.dims.length ?? ctx.fail('concatenates only constants');
  const axis = ctx.axisOf(axisRaw!, rank);
  const dims = [...tensors[0]!.dims];
  const sizes = parts.map((p) => p.dims[axis] ?? null);
  dims[axis] = sizes.some((s) => s === null) ? null : (sizes as number[]).reduce((a, b) => a + b, 0);
  return ctx.out(ctx.b.op('Concat', parts.map((p) => ctx.operand(p, rank)), { axis: ctx.onnxAxis(axis, rank) }), dims);
}

/** Removes size-1 axes (`axesRaw`, or all of them when empty); Mean without keep_dims ends with one too. */
export function squeeze(ctx: LoweringContext, v: Value | undefined, axesRaw: number[]): Tensor {
  const x = ctx.tensor(v, 'the input');
  const rank = x.dims.length;
  const axes = axesRaw.length
    ? axesRaw.map((a) => ctx.axisOf(a, rank))
    : x.dims.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const a of axes) if (x.dims[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x.dims[a] ?? 'unknown'}`);
  const dims = x.dims.filter((_, i) => !axes.includes(i));
  // Squeezing an NCHW value directly is right when the kept axes come out in TensorFlow's order.
  const keptOnnxOrder = [0, 1, 2, 3].filter((o) => !axes.map((a) => ctx.onnxAxis(a, rank)).includes(o)).map((o) => NCHW_AXIS.indexOf(o));
  const direct = rank !== 4 || keptOnnxOrder.every((a, i) => i === 0 || a > keptOnnxOrder[i - 1]!);
  const input = direct ? x.name : ctx.asNhwc(x);
  const onnxAxes = direct ? axes.map((a) => ctx.onnxAxis(a, rank)) : axes;
  // The result has rank below 4, so its element order is TensorFlow's either way.
  return ctx.out(ctx.b.op('Squeeze', [input, ctx.b.constInt64('axes', onnxAxes)]), dims);
}

function reshape(ctx: LoweringContext, ins: Value[]): Tensor {
  const x = ctx.tensor(ins[0], 'the input');
  const target = ins[1];
  if (target?.kind !== 'int' || target.dims.length !== 1) ctx.fail('the shape must be a 1-D integer tensor that the graph can compute from constants and shapes');
  const shape = target.data.map((d, i) => {
    // The batch: unknown at conversion time, or the size a batch-1 graph fixed. ONNX's 0 copies it.
    if (i === 0 && x.dims[0] === null && (d === null || (ctx.fixedBatch !== undefined && d === ctx.fixedBatch))) return 0;
    return d ?? ctx.fail(`size ${i} of the shape is only known at run time`);
  });
  const known = x.dims.every((d, i) => d !== null || i === 0);
  const perExample = known ? product(x.dims.slice(1) as number[]) : null;
  let dims: (number | null)[] = shape.map((d, i) => (d === 0 ? x.dims[i] ?? null : d === -1 ? null : d));
  if (perExample !== null && shape[0] === 0 && shape.includes(-1)) {
    const rest = product(shape.slice(1).filter((d) => d !== -1));
    dims = dims.map((d, i) => (i > 0 && shape[i] === -1 ? perExample / rest : d));
  }
  // NCHW and NHWC list an example's elements in the same order when it has one pixel or one channel.
  const [, h, w, c] = x.dims;
  const sameOrder = x.dims.length !== 4 || (h === 1 && w === 1) || c === 1;
  const y = ctx.b.op('Reshape', [sameOrder ? x.name : ctx.asNhwc(x), ctx.b.constInt64('shape', shape)]);
  return ctx.fromNhwc(y, dims);
}

function pad(ctx: LoweringContext, ins: Value[]): Tensor {
  const x = ctx.tensor(ins[0], 'the input');
  const rank = x.dims.length;
  const p = ctx.intConst(ins[1], 'the paddings');
  if (p.length !== 2 * rank) ctx.fail(`paddings of ${p.length} values for rank ${rank}`);
  const mode = ctx.node.op === 'MirrorPad' ? ctx.str('mode') : 'CONSTANT';
  if (mode !== 'CONSTANT' && mode !== 'REFLECT') ctx.fail(`mode '${mode}' is not supported (CONSTANT, REFLECT)`);
  const value = ctx.node.op === 'PadV2' ? ctx.floatConst(ins[2], 'the pad value').data[0]! : 0;
  const tfAxisAt = (o: number) => (rank === 4 ? TO_NCHW[o]! : o);
  const pads = [0, 1].flatMap((side) => Array.from({ length: rank }, (_, o) => p[2 * tfAxisAt(o) + side]!));
  const y = ctx.b.op('Pad', [x.name, ctx.b.constInt64('pads', pads), ctx.b.constFloat('pad_value', [], [value])], { mode: mode.toLowerCase() });
  return ctx.out(y, x.dims.map((d, i) => (d === null ? null : d + p[2 * i]! + p[2 * i + 1]!)));
}

export const layoutLowerings: LoweringTable = {
  ConcatV2: (ctx, ins) => concat(ctx, ins.slice(0, -1), ins[ins.length - 1]),
  Concat: (ctx, ins) => concat(ctx, ins.slice(1), ins[0]),
  Squeeze: (ctx, ins) => squeeze(ctx, ins[0], ctx.ints('squeeze_dims', [])),
  Reshape: reshape,
  Pad: pad,
  PadV2: pad,
  MirrorPad: pad,
};
