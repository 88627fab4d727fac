import { product, slicePositions } from '../../constant-folding.js';
import type { LoweringContext, LoweringTable } from '../context.js';
import type { IntConst, Tensor, Value } from '../values.js';

/**
 * Shape arithmetic (Shape, StridedSlice, Pack, Prod), evaluated while converting with the batch size as the
 * one unknown, so the graph takes any batch size even where the publisher fixed it to 1; and strided slices
 * of computed tensors.
 */

/** A slice bound past either end of any axis. */
const FAR = Number.MAX_SAFE_INTEGER;

function shape(ctx: LoweringContext, v: Value | undefined): IntConst {
  if (!v) ctx.fail('has no input');
  return { kind: 'int', dims: [v.dims.length], data: [...v.dims] };
}

/** StridedSlice of a 1-D integer value (the shape arithmetic of Flatten and Reshape). */
function stridedSlice(ctx: LoweringContext, ins: Value[]): Value {
  const x = ins[0];
  if (x?.kind === 'tensor') return sliceTensor(ctx, x, ins);
  if (x?.kind !== 'int' || x.dims.length !== 1) ctx.fail('only slices of computed tensors and of 1-D integer values (shapes) are supported');
  const [begin, end, step] = [1, 2, 3].map((i) => ctx.intConst(ins[i], 'begin, end and strides'));
  if (begin!.length !== 1 || end!.length !== 1 || step!.length !== 1) ctx.fail('only 1-D slices are supported');
  if (ctx.num('ellipsis_mask', 0) || ctx.num('new_axis_mask', 0)) ctx.fail('ellipsis and new-axis masks are not supported');
  const n = x.data.length;
  if (ctx.num('shrink_axis_mask', 0) & 1) {
    const i = begin![0]! < 0 ? begin![0]! + n : begin![0]!;
    if (i < 0 || i >= n) ctx.fail(`index ${begin![0]} is out of range for ${n} values`);
    return { kind: 'int', dims: [], data: [x.data[i]!] };
  }
  const [from, to, s] = sliceRange(ctx, 0, begin!, end!, step!);
  const data = slicePositions(n, from, to, s).map((i) => x.data[i]!);
  return { kind: 'int', dims: [data.length], data };
}

/**
 * A strided slice of a computed tensor (NASNet's pad-then-shift `x[:, 1:, 1:, :]`) as an ONNX Slice over
 * the axes it narrows.
 */
function sliceTensor(ctx: LoweringContext, x: Tensor, ins: Value[]): Tensor {
  const rank = x.dims.length;
  const [begin, end, step] = [1, 2, 3].map((i) => ctx.intConst(ins[i], 'begin, end and strides')) as [number[], number[], number[]];
  if (ctx.num('ellipsis_mask', 0) || ctx.num('new_axis_mask', 0) || ctx.num('shrink_axis_mask', 0)) {
    ctx.fail('ellipsis, new-axis and shrink-axis masks are not supported on computed tensors');
  }
  if (begin.length > rank || end.length !== begin.length || step.length !== begin.length) ctx.fail(`begin, end and strides must have one value per axis (at most ${rank})`);
  const slice = { starts: [] as number[], ends: [] as number[], axes: [] as number[], steps: [] as number[] };
  const dims = [...x.dims];
  begin.forEach((_, a) => {
    const [from, to, s] = sliceRange(ctx, a, begin, end, step);
    if (from === 0 && to === FAR && s === 1) return; // the whole axis
    slice.starts.push(from); slice.ends.push(to); slice.axes.push(ctx.onnxAxis(a, rank)); slice.steps.push(s);
    dims[a] = x.dims[a] == null ? null : slicePositions(x.dims[a]!, from, to, s).length;
  });
  if (slice.axes.length === 0) return x;
  const c = (what: keyof typeof slice) => ctx.b.constInt64(`slice_${what}`, slice[what]);
  return ctx.out(ctx.b.op('Slice', [x.name, c('starts'), c('ends'), c('axes'), c('steps')]), dims);
}

/**
 * Python-style [from, to, step] of axis `a` of a StridedSlice: a begin/end mask bit means "from the start" /
 * "to the end" in the step's direction (FAR stands for past the end).
 */
function sliceRange(ctx: LoweringContext, a: number, begin: number[], end: number[], step: number[]): [number, number, number] {
  const s = step[a]!;
  if (s === 0) ctx.fail('stride 0');
  const from = (ctx.num('begin_mask', 0) >> a) & 1 ? (s > 0 ? 0 : -1) : begin[a]!;
  const to = (ctx.num('end_mask', 0) >> a) & 1 ? (s > 0 ? FAR : -FAR) : end[a]!;
  return [from, to, s];
}

function pack(ctx: LoweringContext, ins: Value[]): IntConst {
  if (ctx.num('axis', 0) !== 0 || ins.some((v) => v.kind !== 'int' || v.dims.length !== 0)) ctx.fail('only stacks of integer scalars are supported');
  return { kind: 'int', dims: [ins.length], data: ins.map((v) => (v as IntConst).data[0]!) };
}

function prod(ctx: LoweringContext, ins: Value[]): IntConst {
  const x = ins[0];
  if (x?.kind !== 'int' || x.dims.length !== 1) ctx.fail('only products of 1-D integer values (shapes) are supported');
  ctx.intConst(ins[1], 'the reduction axes');
  const p = x.data.some((d) => d === null) ? null : product(x.data as number[]);
  return ctx.bool('keep_dims', false) ? { kind: 'int', dims: [1], data: [p] } : { kind: 'int', dims: [], data: [p] };
}

export const shapeLowerings: LoweringTable = {
  Shape: (ctx, ins) => shape(ctx, ins[0]),
  StridedSlice: stridedSlice,
  Pack: pack,
  Prod: prod,
};
