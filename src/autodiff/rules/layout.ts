import { DataType } from '../../onnx/ir.js';
import { axisOf, intAttr, intsAttr, stringAttr } from '../attrs.js';
import { constInput, dyOf, rankOf, unsupported, type RuleTable, type VjpContext } from './rule-context.js';

/** Ops that move, copy or select elements without arithmetic: gradients move them back. */

const reshapeBack = (ctx: VjpContext) => [ctx.e.reshapeLike(dyOf(ctx), ctx.node.inputs[0]!)];
const passThrough = (ctx: VjpContext) => [dyOf(ctx)];

/** Sizes of the inputs along `axis`: constants, or read at run time where they scale with the batch. */
function sizesAlong(ctx: VjpContext, tensors: string[], axis: number): string {
  if (tensors.every((t) => !ctx.info(t).batchAxes[axis])) return ctx.e.ints(tensors.map((t) => ctx.info(t).dims[axis]!));
  const { e } = ctx;
  return e.op('Concat', tensors.map((t) => e.op('Slice', [e.shape(t), e.ints([axis]), e.ints([axis + 1])])), { axis: 0 });
}

const concat = (ctx: VjpContext) => {
  const { node, e } = ctx;
  const axis = axisOf(intAttr(node, 'axis', 0), rankOf(ctx, node.inputs[0]!));
  const parts = e.b.node('Split', [dyOf(ctx), sizesAlong(ctx, node.inputs, axis)], { axis }, { outputs: node.inputs.length });
  return parts.map((p, i) => (ctx.wants(i) ? p : undefined));
};

// Outputs that do not reach the loss contribute zeros of their own shape.
const split = (ctx: VjpContext) => {
  const { node, e } = ctx;
  const axis = axisOf(intAttr(node, 'axis', 0), rankOf(ctx, node.inputs[0]!));
  const parts = node.outputs.map((y, i) => ctx.dy[i] ?? e.zerosLike(y));
  return [e.op('Concat', parts, { axis })];
};

const transpose = (ctx: VjpContext) => {
  const rank = rankOf(ctx, ctx.node.inputs[0]!);
  const perm = intsAttr(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => { inverse[p] = i; });
  return [ctx.e.transpose(dyOf(ctx), inverse)];
};

/** Constant-mode padding is undone by padding with the negated amounts (negative pads crop). */
const pad = (ctx: VjpContext) => {
  const { node, e } = ctx;
  if (stringAttr(node, 'mode', 'constant') !== 'constant') unsupported(ctx, `the gradient of '${stringAttr(node, 'mode', '')}' padding is not supported`);
  const inputs = [dyOf(ctx), e.op('Neg', [node.inputs[1]!]), e.scalar(0)];
  if (node.inputs[3]) inputs.push(node.inputs[3]);
  return [e.op('Pad', inputs)];
};

/** Positions along one axis that ONNX Slice selects, in output order. */
function slicePositions(dim: number, start: number, end: number, step: number): number[] {
  let s = start < 0 ? start + dim : start;
  let t = end < 0 ? end + dim : end;
  if (step > 0) { s = Math.min(Math.max(s, 0), dim); t = Math.min(Math.max(t, 0), dim); }
  else { s = Math.min(Math.max(s, 0), dim - 1); t = Math.min(Math.max(t, -1), dim - 1); }
  const out: number[] = [];
  for (let i = s; step > 0 ? i < t : i > t; i += step) out.push(i);
  return out;
}

/**
 * Slice's adjoint places dy back at the selected positions and zeros elsewhere. Unit-step axes are a Pad;
 * an axis with any other step gathers from dy extended by one zero slab, with an index per input position.
 */
const slice = (ctx: VjpContext) => {
  const { node, e } = ctx;
  const x = node.inputs[0]!;
  const info = ctx.info(x);
  const rank = info.dims.length;
  const starts = constInput(ctx, 1, 'starts');
  const ends = constInput(ctx, 2, 'ends');
  const axes = node.inputs[3] ? constInput(ctx, 3, 'axes').map((a) => axisOf(a, rank)) : starts.map((_, i) => i);
  const steps = node.inputs[4] ? constInput(ctx, 4, 'steps') : starts.map(() => 1);
  let grad = dyOf(ctx);
  const pads = new Array<number>(2 * rank).fill(0);
  axes.forEach((axis, i) => {
    if (info.batchAxes[axis]) unsupported(ctx, 'slicing the batch axis is not supported');
    const dim = info.dims[axis]!;
    const positions = slicePositions(dim, starts[i]!, ends[i]!, steps[i]!);
    if (steps[i] === 1) {
      pads[axis] = positions[0] ?? 0;
      pads[rank + axis] = dim - (positions[0] ?? 0) - positions.length;
      return;
    }
    const slabPads = new Array<number>(2 * rank).fill(0);
    slabPads[rank + axis] = 1;
    const extended = e.op('Pad', [grad, e.ints(slabPads), e.scalar(0)]);
    const index = Array.from({ length: dim }, (_, p) => { const k = positions.indexOf(p); return k < 0 ? positions.length : k; });
    grad = e.op('Gather', [extended, e.ints(index)], { axis });
  });
  return [pads.some((p) => p !== 0) ? e.op('Pad', [grad, e.ints(pads), e.scalar(0)]) : grad];
};

/**
 * Gather's adjoint scatter-adds dy slices into a zero tensor at the gathered rows (repeated indices add up).
 * The gathered axis is moved to the front so that one ScatterND over [rows, rest...] does it.
 */
const gather = (ctx: VjpContext) => {
  const { node, e } = ctx;
  const [data, indices] = node.inputs as [string, string];
  const rank = rankOf(ctx, data);
  const q = rankOf(ctx, indices);
  const axis = axisOf(intAttr(node, 'axis', 0), rank);
  const dy = dyOf(ctx);
  const shape = e.shape(data);
  const part = (from: number, to: number) => e.op('Slice', [shape, e.ints([from]), e.ints([to])]);
  const rows = part(axis, axis + 1);
  const rest = [part(0, axis), part(axis + 1, rank)];
  // dy is [pre..., idx..., post...]; bring idx... to the front and flatten it into one row axis.
  const idxAxes = Array.from({ length: q }, (_, i) => axis + i);
  const pre = Array.from({ length: axis }, (_, i) => i);
  const post = Array.from({ length: rank - axis - 1 }, (_, i) => axis + q + i);
  const updates = e.reshape(e.transpose(dy, [...idxAxes, ...pre, ...post]), e.op('Concat', [e.ints([-1]), ...rest], { axis: 0 }));
  const flatIdx = e.reshape(e.op('Cast', [indices], { to: DataType.INT64 }), [-1, 1]);
  const wrapped = e.op('Where', [e.op('Less', [flatIdx, e.ints([0])]), e.add(flatIdx, rows), flatIdx]);
  const zeros = e.filled(e.op('Concat', [rows, ...rest], { axis: 0 }), 0);
  const scattered = e.op('ScatterND', [zeros, wrapped, updates], { reduction: 'add' });
  // [rows, pre..., post...] -> [pre..., rows, post...]
  const back = [...Array.from({ length: axis }, (_, i) => i + 1), 0, ...Array.from({ length: rank - axis - 1 }, (_, i) => axis + 1 + i)];
  return [e.transpose(scattered, back), undefined];
};

/** GatherElements' adjoint scatter-adds dy at the same indices (negative ones wrapped) into zeros shaped like the data. */
const gatherElements = (ctx: VjpContext) => {
  const { node, e } = ctx;
  const [data, indices] = node.inputs as [string, string];
  const axis = axisOf(intAttr(node, 'axis', 0), rankOf(ctx, data));
  const idx = e.op('Cast', [indices], { to: DataType.INT64 });
  const size = e.op('Gather', [e.shape(data), e.ints([axis])]);
  const wrapped = e.op('Where', [e.op('Less', [idx, e.ints([0])]), e.add(idx, size), idx]);
  return [e.op('ScatterElements', [e.zerosLike(data), wrapped, dyOf(ctx)], { axis, reduction: 'add' }), undefined];
};

/**
 * Inference-mode Dropout is the identity, and so is training mode with a constant ratio of 0 (torchvision's
 * Swin calls F.dropout(attn, p=0.0) with training left at True); other training-mode Dropout is refused.
 */
const dropout = (ctx: VjpContext) => {
  const [, ratio, training] = ctx.node.inputs;
  const trains = training ? (ctx.constInts(training)?.[0] ?? 1) !== 0 : false;
  const dropsNothing = ratio ? ctx.constInts(ratio)?.[0] === 0 : false;
  if (trains && !dropsNothing) unsupported(ctx, 'training-mode Dropout is not supported');
  return passThrough(ctx);
};

/** Tile: dy viewed as [r0, d0, r1, d1, ...] summed over the repeat axes. */
const tile = (ctx: VjpContext) => {
  const { node, e } = ctx;
  const x = node.inputs[0]!;
  const info = ctx.info(x);
  const repeats = constInput(ctx, 1, 'repeats');
  if (repeats.every((r) => r === 1)) return [dyOf(ctx), undefined];
  // A batch axis keeps its size symbolic (-1); it can only be tiled once per batch, or the view is ambiguous.
  const batched = info.batchAxes.filter(Boolean).length;
  if (batched > 1 || info.batchAxes.some((b, a) => b && repeats[a] !== 1)) unsupported(ctx, 'tiling along the batch axis is not supported');
  const view = info.dims.flatMap((d, a) => [repeats[a]!, info.batchAxes[a] ? -1 : d]);
  const summed = e.reduceSum(e.reshape(dyOf(ctx), view), info.dims.map((_, a) => 2 * a), false);
  return [summed, undefined];
};

/**
 * DepthToSpace moves blocks of channels into b×b pixel blocks; its adjoint moves them back. In DCR mode
 * that is SpaceToDepth; CRD (channel-major blocks) is the inverse reshape-transpose-reshape.
 */
const depthToSpace = (ctx: VjpContext) => {
  const { node, e } = ctx;
  const block = intAttr(node, 'blocksize', 0);
  const dy = dyOf(ctx);
  if (stringAttr(node, 'mode', 'DCR') === 'DCR') return [e.op('SpaceToDepth', [dy], { blocksize: block })];
  const [, channels, height, width] = ctx.info(node.inputs[0]!).dims as [number, number, number, number];
  const blocks = e.reshape(dy, [0, channels / (block * block), height, block, width, block]);
  return [e.reshape(e.transpose(blocks, [0, 1, 3, 5, 2, 4]), [0, channels, height, width])];
};

export const layoutRules: RuleTable = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Identity: passThrough,
  Dropout: dropout,
  // Between float types the gradient is cast back to the input's type (integer paths carry none).
  Cast: (ctx) => {
    const from = ctx.info(ctx.node.inputs[0]!).elemType;
    return [from === ctx.info(ctx.node.outputs[0]!).elemType ? dyOf(ctx) : ctx.e.op('Cast', [dyOf(ctx)], { to: from })];
  },
  Tile: tile,
  DepthToSpace: depthToSpace,
  SpaceToDepth: (ctx) => [ctx.e.op('DepthToSpace', [dyOf(ctx)], { blocksize: intAttr(ctx.node, 'blocksize', 0), mode: 'DCR' })],
  Concat: concat,
  Split: split,
  Transpose: transpose,
  Pad: pad,
  Slice: slice,
  Gather: gather,
  GatherElements: gatherElements,
};
