import { axisOf, floatAttr, intAttr, stringAttr } from '../attrs.js';
import { dyOf, rankOf, sumToShape, type RuleTable, type VjpContext } from './rule-context.js';

/**
 * Pointwise activations and softmax. Masks and derivatives come from the saved forward tensors (the output
 * where it determines the derivative, else the input), never from recomputing the activation.
 */

const io = (ctx: VjpContext) => ({ x: ctx.node.inputs[0]!, y: ctx.node.outputs[0]!, dy: dyOf(ctx) });

function softmaxAxis(ctx: VjpContext): number {
  return axisOf(intAttr(ctx.node, 'axis', -1), rankOf(ctx, ctx.node.inputs[0]!));
}

/** Where x > 0 the slope is `positive` (a scale of dy), elsewhere `negative` (a tensor). */
function bySign(ctx: VjpContext, x: string, positive: string, negative: string): string {
  return ctx.e.op('Where', [ctx.e.op('Greater', [x, ctx.e.scalar(0)]), positive, negative]);
}

/** √(2/π) and the cubic coefficient of GELU's tanh approximation. */
const GELU_TANH_SCALE = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;

/**
 * GELU, exact: y = x·Φ(x), dy/dx = Φ(x) + x·φ(x). Tanh approximation: y = ½x(1 + tanh u) with
 * u = √(2/π)(x + 0.044715x³), dy/dx = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²).
 */
const gelu = (ctx: VjpContext) => {
  const { e } = ctx;
  const { x, dy } = io(ctx);
  const half = e.scalar(0.5);
  const one = e.scalar(1);
  if (stringAttr(ctx.node, 'approximate', 'none') === 'tanh') {
    const x2 = e.mul(x, x);
    const t = e.op('Tanh', [e.mul(e.scalar(GELU_TANH_SCALE), e.add(x, e.mul(e.scalar(GELU_TANH_CUBIC), e.mul(x2, x))))]);
    const du = e.mul(e.scalar(GELU_TANH_SCALE), e.add(one, e.mul(e.scalar(3 * GELU_TANH_CUBIC), x2)));
    const slope = e.add(e.mul(half, e.add(one, t)), e.mul(e.mul(half, x), e.mul(e.sub(one, e.mul(t, t)), du)));
    return [e.mul(dy, slope)];
  }
  const cdf = e.mul(half, e.add(one, e.op('Erf', [e.mul(x, e.scalar(Math.SQRT1_2))])));
  const pdf = e.mul(e.op('Exp', [e.mul(e.mul(x, x), e.scalar(-0.5))]), e.scalar(1 / Math.sqrt(2 * Math.PI)));
  return [e.mul(dy, e.add(cdf, e.mul(x, pdf)))];
};

/** Mish: y = x·tanh(softplus x), dy/dx = tanh(sp) + x·(1 − tanh²(sp))·σ(x). */
const mish = (ctx: VjpContext) => {
  const { e } = ctx;
  const { x, dy } = io(ctx);
  const t = e.op('Tanh', [e.op('Softplus', [x])]);
  const slope = e.add(t, e.mul(e.mul(x, e.sub(e.scalar(1), e.mul(t, t))), e.op('Sigmoid', [x])));
  return [e.mul(dy, slope)];
};

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
  // Below zero y = α(eˣ − 1), so the slope eˣ·α is y + α.
  Elu: (ctx) => {
    const { x, y, dy } = io(ctx);
    const alpha = floatAttr(ctx.node, 'alpha', 1);
    return [bySign(ctx, x, dy, ctx.e.mul(dy, ctx.e.add(y, ctx.e.scalar(alpha))))];
  },
  // y = γx above zero, γα(eˣ − 1) below: slopes γ and y + γα.
  Selu: (ctx) => {
    const { x, y, dy } = io(ctx);
    const alpha = floatAttr(ctx.node, 'alpha', 1.67326319217681884765625);
    const gamma = floatAttr(ctx.node, 'gamma', 1.05070102214813232421875);
    const e = ctx.e;
    return [bySign(ctx, x, e.mul(dy, e.scalar(gamma)), e.mul(dy, e.add(y, e.scalar(gamma * alpha))))];
  },
  // Below zero y = α(e^(x/α) − 1): slope e^(x/α).
  Celu: (ctx) => {
    const { x, dy } = io(ctx);
    const alpha = floatAttr(ctx.node, 'alpha', 1);
    const e = ctx.e;
    return [bySign(ctx, x, dy, e.mul(dy, e.op('Exp', [e.mul(x, e.scalar(1 / alpha))])))];
  },
  Softplus: (ctx) => {
    const { x, dy } = io(ctx);
    return [ctx.e.mul(dy, ctx.e.op('Sigmoid', [x]))];
  },
  Gelu: gelu,
  Mish: mish,
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
