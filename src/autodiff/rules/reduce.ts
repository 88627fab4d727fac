import { DataType } from '../../onnx/ir.js';
import { axisOf, intAttr, intsAttr } from '../attrs.js';
import { constInput, dyOf, rankOf, type RuleTable, type VjpContext } from './rule-context.js';

/**
 * Reductions: dy (and the output, where the derivative needs it) is broadcast back over the reduced axes,
 * restored first when keepdims=0. Axes come from the attribute (before opset 13 or 18, by op) or the second
 * input; none listed means all, or none at all with noop_with_empty_axes.
 */

/** The reduced axes, or undefined when the node reduces nothing (noop_with_empty_axes). */
function reducedAxes(ctx: VjpContext): number[] | undefined {
  const { node } = ctx;
  const rank = rankOf(ctx, node.inputs[0]!);
  const listed = intsAttr(node, 'axes') ?? (node.inputs[1] ? constInput(ctx, 1, 'axes') : []);
  if (listed.length === 0 && intAttr(node, 'noop_with_empty_axes', 0) === 1) return undefined;
  return listed.length > 0 ? listed.map((a) => axisOf(a, rank)) : Array.from({ length: rank }, (_, i) => i);
}

/** A tensor shaped like the node's output, broadcast back to the input's shape. */
function expandBack(ctx: VjpContext, t: string, axes: number[]): string {
  const { e, node } = ctx;
  const kept = intAttr(node, 'keepdims', 1) === 0 ? e.op('Unsqueeze', [t, e.ints(axes)]) : t;
  return e.op('Expand', [kept, e.shape(node.inputs[0]!)]);
}

/** Builds a rule from dx = dy·f(x, y) with f given on the input's shape (y and dy broadcast back). */
function reduction(slope: (ctx: VjpContext, x: string, y: string, dy: string) => string) {
  return (ctx: VjpContext) => {
    const axes = reducedAxes(ctx);
    if (!axes) return [dyOf(ctx)];
    const x = ctx.node.inputs[0]!;
    const y = () => expandBack(ctx, ctx.node.outputs[0]!, axes);
    return [slope(ctx, x, y(), expandBack(ctx, dyOf(ctx), axes))];
  };
}

/** Elements per output, read at run time so that a reduction over the batch axis stays right. */
function countPerOutput(ctx: VjpContext): string {
  const { e, node } = ctx;
  const size = (t: string) => e.op('Cast', [e.op('Size', [t])], { to: DataType.FLOAT });
  return e.div(size(node.inputs[0]!), size(node.outputs[0]!));
}

/** Max and min: dy goes to the elements equal to the extremum, split evenly among ties (as PyTorch's amax). */
function extremum(ctx: VjpContext): (string | undefined)[] {
  const axes = reducedAxes(ctx);
  if (!axes) return [dyOf(ctx)];
  const { e, node } = ctx;
  const hits = e.op('Cast', [e.op('Equal', [node.inputs[0]!, expandBack(ctx, node.outputs[0]!, axes)])], { to: DataType.FLOAT });
  const ties = e.reduceSum(hits, axes, true);
  const dy = intAttr(node, 'keepdims', 1) === 0 ? e.op('Unsqueeze', [dyOf(ctx), e.ints(axes)]) : dyOf(ctx);
  return [e.mul(hits, e.div(dy, ties))];
}

/**
 * The derivative of a product by one factor is the product of the others: y/x where the reduced slice has
 * no zero; where it has exactly one, the product of the nonzero factors at that zero and 0 elsewhere; 0
 * where it has more. The nonzero product reuses the node itself, so its axes keep the node's opset form.
 */
function reduceProd(ctx: VjpContext): (string | undefined)[] {
  const axes = reducedAxes(ctx);
  if (!axes) return [dyOf(ctx)];
  const { e, node } = ctx;
  const x = node.inputs[0]!;
  const isZero = e.op('Equal', [x, e.scalar(0)]);
  const nonZero = e.op('Where', [isZero, e.scalar(1), x]);
  const zeros = e.reduceSum(e.op('Cast', [isZero], { to: DataType.FLOAT }), axes, true);
  const othersNonZero = expandBack(ctx, e.op('ReduceProd', [nonZero, ...node.inputs.slice(1)], node.attrs), axes);
  const atZero = e.mask(e.op('Equal', [zeros, e.scalar(1)]), othersNonZero);
  const elsewhere = e.mask(e.op('Equal', [zeros, e.scalar(0)]), e.div(expandBack(ctx, node.outputs[0]!, axes), nonZero));
  return [e.mul(expandBack(ctx, dyOf(ctx), axes), e.op('Where', [isZero, atZero, elsewhere]))];
}

export const reduceRules: RuleTable = {
  ReduceSum: reduction((_ctx, _x, _y, dy) => dy),
  ReduceMean: reduction((ctx, _x, _y, dy) => ctx.e.div(dy, countPerOutput(ctx))),
  ReduceSumSquare: reduction((ctx, x, _y, dy) => ctx.e.mul(dy, ctx.e.mul(x, ctx.e.scalar(2)))),
  // d‖x‖/dx = x/‖x‖, taken as 0 where the norm is 0 (PyTorch's subgradient).
  ReduceL2: reduction((ctx, x, y, dy) => {
    const { e } = ctx;
    const safe = e.op('Where', [e.op('Equal', [y, e.scalar(0)]), e.scalar(1), y]);
    return e.mul(dy, e.div(x, safe));
  }),
  ReduceL1: reduction((ctx, x, _y, dy) => ctx.e.mul(dy, ctx.e.op('Sign', [x]))),
  // d logΣeˣ/dx = e^(x − y), the softmax over the reduced axes.
  ReduceLogSumExp: reduction((ctx, x, y, dy) => ctx.e.mul(dy, ctx.e.op('Exp', [ctx.e.sub(x, y)]))),
  ReduceProd: (ctx) => reduceProd(ctx),
  ReduceMax: extremum,
  ReduceMin: extremum,
};
