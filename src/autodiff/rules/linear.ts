import { float } from '../../onnx/builder.js';
import { floatAttr, intAttr } from '../attrs.js';
import type { TensorInfo } from '../shapes.js';
import { dyOf, rankOf, sumToShape, type RuleTable, type VjpContext } from './rule-context.js';

/** Matrix products. Gradients are matrix products themselves, with transposes folded into Gemm's flags. */

const gemm = (ctx: VjpContext) => {
  const [a, b, c] = ctx.node.inputs as [string, string, string | undefined];
  const dy = dyOf(ctx);
  const transA = intAttr(ctx.node, 'transA', 0);
  const transB = intAttr(ctx.node, 'transB', 0);
  const alpha = floatAttr(ctx.node, 'alpha', 1);
  const beta = floatAttr(ctx.node, 'beta', 1);
  const gemmOf = (p: string, q: string, tp: number, tq: number) => ctx.e.op('Gemm', [p, q], { transA: tp, transB: tq, alpha: float(alpha) });
  // Y = α·A'·B' with A' = op(A), B' = op(B): dA' = α·dY·B'ᵀ and dB' = α·A'ᵀ·dY, transposed back when op is one.
  const da = () => (transA ? gemmOf(b, dy, transB, 1) : gemmOf(dy, b, 0, 1 - transB));
  const db = () => (transB ? gemmOf(dy, a, 1, transA) : gemmOf(a, dy, 1 - transA, 0));
  const dc = () => {
    const scaled = beta === 1 ? dy : ctx.e.mul(dy, ctx.e.scalar(beta));
    return sumToShape(ctx, scaled, ctx.info(ctx.node.outputs[0]!), c!);
  };
  return [ctx.wants(0) ? da() : undefined, ctx.wants(1) ? db() : undefined, ctx.wants(2) ? dc() : undefined];
};

/** Swaps the last two axes. */
function swapLast(ctx: VjpContext, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return ctx.e.transpose(x, perm);
}

/** An operand's info with a 1-D operand promoted to a row (left) or column (right) matrix. */
function promoted(info: TensorInfo, left: boolean): TensorInfo {
  if (info.dims.length !== 1) return info;
  return left
    ? { ...info, dims: [1, info.dims[0]!], batchAxes: [false, info.batchAxes[0]!] }
    : { ...info, dims: [info.dims[0]!, 1], batchAxes: [info.batchAxes[0]!, false] };
}

/**
 * numpy matmul semantics: a 1-D operand is a row (left) or column (right) vector whose added axis is dropped
 * from the result, and batch axes broadcast. The gradient restores the dropped axis, multiplies, and sums
 * broadcast batch axes back to each operand's shape.
 */
const matMul = (ctx: VjpContext) => {
  const [a, b] = ctx.node.inputs as [string, string];
  const { e } = ctx;
  const dy = dyOf(ctx);
  const aInfo = promoted(ctx.info(a), true);
  const bInfo = promoted(ctx.info(b), false);
  const ra = rankOf(ctx, a);
  const rb = rankOf(ctx, b);
  if (ra === 1 && rb === 1) return [ctx.wants(0) ? e.mul(dy, b) : undefined, ctx.wants(1) ? e.mul(dy, a) : undefined];
  const a2 = ra === 1 ? e.reshape(a, aInfo.dims) : a;
  const b2 = rb === 1 ? e.reshape(b, bInfo.dims) : b;
  const dy2 = ra === 1 ? e.op('Unsqueeze', [dy, e.ints([-2])]) : rb === 1 ? e.op('Unsqueeze', [dy, e.ints([-1])]) : dy;
  const yInfo = ctx.info(ctx.node.outputs[0]!);
  const batchRank = yInfo.dims.length - (ra === 1 || rb === 1 ? 1 : 2);
  // Each product is shaped like the broadcast batch axes followed by the operand's own matrix axes.
  const back = (product: string, operand: string, info: TensorInfo, rank: number) => {
    const productInfo = {
      elemType: yInfo.elemType,
      dims: [...yInfo.dims.slice(0, batchRank), ...info.dims.slice(-2)],
      batchAxes: [...yInfo.batchAxes.slice(0, batchRank), ...info.batchAxes.slice(-2)],
    };
    const summed = sumToShape(ctx, product, productInfo, operand, info);
    return rank === 1 ? e.reshape(summed, ctx.info(operand).dims) : summed;
  };
  return [
    ctx.wants(0) ? back(e.op('MatMul', [dy2, swapLast(ctx, b2, bInfo.dims.length)]), a, aInfo, ra) : undefined,
    ctx.wants(1) ? back(e.op('MatMul', [swapLast(ctx, a2, aInfo.dims.length), dy2]), b, bInfo, rb) : undefined,
  ];
};

export const linearRules: RuleTable = { Gemm: gemm, MatMul: matMul };
