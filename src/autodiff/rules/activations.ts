import { axisOf, floatAttr, intAttr } from '../attrs.js';
import { dyOf, rankOf, sumToShape, type RuleTable, type VjpContext } from './rule-context.js';

/**
 * Pointwise activations and softmax. Masks and derivatives come from the saved forward tensors (the output
 * where it determines the derivative, else the input), never from recomputing the activation.
 */

const io = (ctx: VjpContext) => ({ x: ctx.node.inputs[0]!, y: ctx.node.outputs[0]!, dy: dyOf(ctx) });

function softmaxAxis(ctx: VjpContext): number {
  return axisOf(intAttr(ctx.node, 'axis', -1), rankOf(ctx, ctx.node.inputs[0]!));
}

export const activationRules: RuleTable = {
  Relu: (ctx) => {
    const { y, dy } = io(ctx);
    return [ctx.e.mask(ctx.e.op('Greater', [y, ctx.e.scalar(0)]), dy)];
  },
  LeakyRelu: (ctx) => {
    const { x, dy } = io(ctx);
    const alpha = floatAttr(ctx.node, 'alpha', 0.01);
    return [ctx.e.op('Where', [ctx.e.op('Greater', [x, ctx.e.scalar(0)]), dy, ctx.e.mul(dy, ctx.e.scalar(alpha))])];
  },
  PRelu: (ctx) => {
    const { x, y, dy } = io(ctx);
    const slope = ctx.node.inputs[1]!;
    const positive = ctx.e.op('Greater', [x, ctx.e.scalar(0)]);
    return [
      ctx.wants(0) ? ctx.e.op('Where', [positive, dy, ctx.e.mul(dy, slope)]) : undefined,
      ctx.wants(1) ? sumToShape(ctx, ctx.e.op('Where', [positive, ctx.e.scalar(0), ctx.e.mul(dy, x)]), ctx.info(y), slope) : undefined,
    ];
  },
  // The input passed through unclipped exactly where the output equals it; this covers absent bounds too.
  Clip: (ctx) => {
    const { x, y, dy } = io(ctx);
    return [ctx.e.mask(ctx.e.op('Equal', [x, y]), dy)];
  },
  Sigmoid: (ctx) => {
    const { y, dy } = io(ctx);
    return [ctx.e.mul(dy, ctx.e.mul(y, ctx.e.sub(ctx.e.scalar(1), y)))];
  },
  Tanh: (ctx) => {
    const { y, dy } = io(ctx);
    return [ctx.e.mul(dy, ctx.e.sub(ctx.e.scalar(1), ctx.e.mul(y, y)))];
  },
  HardSigmoid: (ctx) => {
    const { y, dy } = io(ctx);
    const alpha = floatAttr(ctx.node, 'alpha', 0.2);
    const inside = ctx.e.op('And', [ctx.e.op('Greater', [y, ctx.e.scalar(0)]), ctx.e.op('Less', [y, ctx.e.scalar(1)])]);
    return [ctx.e.mask(inside, ctx.e.mul(dy, ctx.e.scalar(alpha)))];
  },
  // y = x·clip(x/6 + 1/2, 0, 1): slope 0 below -3, 1 above 3, x/3 + 1/2 between.
  HardSwish: (ctx) => {
    const { x, dy } = io(ctx);
    const e = ctx.e;
    const ramp = e.mul(dy, e.add(e.mul(x, e.scalar(1 / 3)), e.scalar(0.5)));
    const upper = e.op('Where', [e.op('Greater', [x, e.scalar(3)]), dy, ramp]);
    return [e.op('Where', [e.op('Less', [x, e.scalar(-3)]), e.scalar(0), upper])];
  },
  Softmax: (ctx) => {
    const { y, dy } = io(ctx);
    const dot = ctx.e.reduceSum(ctx.e.mul(dy, y), [softmaxAxis(ctx)], true);
    return [ctx.e.mul(y, ctx.e.sub(dy, dot))];
  },
  LogSoftmax: (ctx) => {
    const { y, dy } = io(ctx);
    const total = ctx.e.reduceSum(dy, [softmaxAxis(ctx)], true);
    return [ctx.e.sub(dy, ctx.e.mul(ctx.e.op('Exp', [y]), total))];
  },
};
