import { axisOf, floatAttr, intAttr } from '../attrs.js';
import { dyOf, rankOf, sumToShape, unsupported, type RuleTable, type VjpContext } from './rule-context.js';
import { range } from './window.js';

/**
 * BatchNormalization in inference form: y = (x − mean)·scale/√(var + ε) + B, per channel (axis 1).
 * Every input gets its gradient, so the running statistics can be trained or probed too.
 */
const batchNormalization = (ctx: VjpContext) => {
  const { e, node } = ctx;
  if (intAttr(node, 'training_mode', 0) !== 0) unsupported(ctx, 'training-mode batch normalization is not supported (export the model in inference mode)');
  const [x, scale, , mean, variance] = node.inputs as [string, string, string, string, string];
  const dy = dyOf(ctx);
  const rank = rankOf(ctx, x);
  const reduceAxes = [0, ...range(2, rank)];
  // Per-channel vectors broadcast against [N, C, spatial...] once given trailing unit axes.
  const perChannel = (v: string) => (rank > 2 ? e.op('Unsqueeze', [v, e.ints(range(1, rank - 1))]) : v);
  const invStd = e.op('Reciprocal', [e.op('Sqrt', [e.add(variance, e.scalar(floatAttr(node, 'epsilon', 1e-5)))])]);
  const gain = e.mul(scale, invStd);
  const xHat = () => e.mul(e.sub(x, perChannel(mean)), perChannel(invStd));
  const sumDy = () => e.reduceSum(dy, reduceAxes, false);
  const sumDyXHat = () => e.reduceSum(e.mul(dy, xHat()), reduceAxes, false);
  return [
    ctx.wants(0) ? e.mul(dy, perChannel(gain)) : undefined,
    ctx.wants(1) ? sumDyXHat() : undefined,
    ctx.wants(2) ? sumDy() : undefined,
    ctx.wants(3) ? e.neg(e.mul(sumDy(), gain)) : undefined,
    // dy/dvar = −½·scale·xhat/(var + ε)
    ctx.wants(4) ? e.mul(e.mul(sumDyXHat(), gain), e.mul(invStd, e.scalar(-0.5))) : undefined,
  ];
};

/**
 * LRN: y = x·s^(−β) with s = bias + α/size·Σ_window x². Window sums over channels run as a Conv with a
 * ones kernel over x reshaped to [N, 1, C, pixels]; the backward sum uses the transposed window.
 *   dx = dy·s^(−β) − (2αβ/size)·x·Σ_transposed-window(dy·y/s)
 */
const lrn = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  const dy = dyOf(ctx);
  const size = intAttr(node, 'size', 0);
  const alpha = floatAttr(node, 'alpha', 1e-4);
  const beta = floatAttr(node, 'beta', 0.75);
  const bias = floatAttr(node, 'bias', 1);
  const channels = ctx.info(x).dims[1]!;
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  const ones = e.filled(e.ints([1, 1, size, 1]), 1);
  const windowSum = (t: string, padBefore: number, padAfter: number) =>
    e.reshapeLike(e.op('Conv', [e.reshape(t, [0, 1, channels, -1]), ones], { pads: [padBefore, 0, padAfter, 0] }), x);
  const s = e.add(e.scalar(bias), e.mul(windowSum(e.mul(x, x), before, after), e.scalar(alpha / size)));
  const direct = e.mul(dy, e.op('Pow', [s, e.scalar(-beta)]));
  const spread = windowSum(e.div(e.mul(dy, y), s), after, before);
  return [e.sub(direct, e.mul(e.mul(x, spread), e.scalar((2 * alpha * beta) / size)))];
};

/**
 * Standardisation over `axes` (x̂ = (x − mean)/√(var + ε), biased variance over `count` elements) and its
 * input gradient for g = ∂L/∂x̂:  dx = (g − mean(g) − x̂·mean(g·x̂))/√(var + ε). The statistics are
 * recomputed from the saved input.
 */
function standardized(ctx: VjpContext, x: string, axes: number[], count: number, epsilon: number) {
  const { e } = ctx;
  const mean = (t: string) => e.mul(e.reduceSum(t, axes, true), e.scalar(1 / count));
  const centered = e.sub(x, mean(x));
  const invStd = e.op('Reciprocal', [e.op('Sqrt', [e.add(mean(e.mul(centered, centered)), e.scalar(epsilon))])]);
  const xHat = e.mul(centered, invStd);
  const inputGrad = (g: string) => e.mul(invStd, e.sub(e.sub(g, mean(g)), e.mul(xHat, mean(e.mul(g, xHat)))));
  return { xHat, inputGrad };
}

/** Number of elements along `axes`, which must not grow with the batch. */
function staticCount(ctx: VjpContext, x: string, axes: number[]): number {
  const info = ctx.info(x);
  if (axes.some((a) => info.batchAxes[a])) unsupported(ctx, 'normalising over the batch axis is not supported');
  return axes.reduce((n, a) => n * info.dims[a]!, 1);
}

/** LayerNormalization: standardised over axes [axis, rank), then ·Scale + B broadcast over those axes. */
const layerNormalization = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const [x, scale, bias] = node.inputs as [string, string, string | undefined];
  const y = node.outputs[0]!;
  const rank = rankOf(ctx, x);
  const axes = range(axisOf(intAttr(node, 'axis', -1), rank), rank);
  const dy = dyOf(ctx);
  const { xHat, inputGrad } = standardized(ctx, x, axes, staticCount(ctx, x, axes), floatAttr(node, 'epsilon', 1e-5));
  return [
    ctx.wants(0) ? inputGrad(e.mul(dy, scale)) : undefined,
    ctx.wants(1) ? sumToShape(ctx, e.mul(dy, xHat), ctx.info(y), scale) : undefined,
    ctx.wants(2) && bias ? sumToShape(ctx, dy, ctx.info(y), bias) : undefined,
  ];
};

/** InstanceNormalization: standardised per example and channel over the spatial axes, then per-channel affine. */
const instanceNormalization = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const [x, scale] = node.inputs as [string, string, string];
  const rank = rankOf(ctx, x);
  const spatial = range(2, rank);
  const dy = dyOf(ctx);
  const perChannel = (v: string) => e.op('Unsqueeze', [v, e.ints(range(1, rank - 1))]);
  const { xHat, inputGrad } = standardized(ctx, x, spatial, staticCount(ctx, x, spatial), floatAttr(node, 'epsilon', 1e-5));
  return [
    ctx.wants(0) ? inputGrad(e.mul(dy, perChannel(scale))) : undefined,
    ctx.wants(1) ? e.reduceSum(e.mul(dy, xHat), [0, ...spatial], false) : undefined,
    ctx.wants(2) ? e.reduceSum(dy, [0, ...spatial], false) : undefined,
  ];
};

/**
 * GroupNormalization: x [N, C, ...] standardised per example over each group of C/G channels and all
 * pixels, then an affine per group (opset 18, scale and bias [G]) or per channel (opset 21, [C]); the two
 * coincide when G = C. Statistics are taken on x viewed as [N, G, C/G·pixels].
 */
const groupNormalization = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const [x, scale] = node.inputs as [string, string, string];
  const info = ctx.info(x);
  const channels = info.dims[1]!;
  const groups = intAttr(node, 'num_groups', 0);
  if (groups <= 0 || channels % groups !== 0) unsupported(ctx, `num_groups ${groups} does not divide the ${channels} channels`);
  const spatial = range(2, info.dims.length);
  const pixels = staticCount(ctx, x, spatial);
  const dy = dyOf(ctx);
  const perGroup = ctx.info(scale).dims[0] !== channels;
  // [N, G, C/G, pixels]: the per-group affine broadcasts over the last two axes.
  const byGroup = (t: string) => e.reshape(t, [0, groups, channels / groups, -1]);
  const grouped = (t: string) => e.reshape(t, [0, groups, -1]);
  const { xHat, inputGrad } = standardized(ctx, grouped(x), [2], pixels * (channels / groups), floatAttr(node, 'epsilon', 1e-5));
  const gain = perGroup ? e.reshape(scale, [groups, 1, 1]) : e.reshape(scale, [groups, channels / groups, 1]);
  const affineGrad = (t: string) => (perGroup ? e.reduceSum(byGroup(t), [0, 2, 3], false) : e.reduceSum(e.reshape(t, [0, channels, -1]), [0, 2], false));
  return [
    ctx.wants(0) ? e.reshapeLike(inputGrad(grouped(e.mul(byGroup(dy), gain))), x) : undefined,
    ctx.wants(1) ? affineGrad(e.mul(byGroup(dy), byGroup(xHat))) : undefined,
    ctx.wants(2) ? affineGrad(dy) : undefined,
  ];
};

export const normalizationRules: RuleTable = {
  BatchNormalization: batchNormalization,
  LRN: lrn,
  LayerNormalization: layerNormalization,
  InstanceNormalization: instanceNormalization,
  GroupNormalization: groupNormalization,
};
