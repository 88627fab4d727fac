import { floatAttr, intAttr } from '../attrs.js';
import { dyOf, rankOf, unsupported, type RuleTable, type VjpContext } from './rule-context.js';
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

export const normalizationRules: RuleTable = { BatchNormalization: batchNormalization, LRN: lrn };
