import { DataType } from '../../onnx/ir.js';
import { dyOf, sumToShape, type RuleTable, type VjpContext } from './rule-context.js';

/**
 * Elementwise math functions. Each derivative reuses the saved output where it is cheaper than the input
 * (d√x = 1/(2y), d eˣ = y, d(1/x) = −y²).
 */

const io = (ctx: VjpContext) => ({ x: ctx.node.inputs[0]!, y: ctx.node.outputs[0]!, dy: dyOf(ctx) });

/** 2/√π, the scale of erf's derivative 2/√π·e^(−x²). */
export const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * Pow with a float or integer exponent b: da = dy·b·a^(b−1) and db = dy·y·ln a, the latter 0 where a = 0
 * (as in PyTorch, so that 0^b with b > 0 keeps a finite exponent gradient). An integer exponent carries no
 * gradient and is cast to float for the base's.
 */
const pow = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const [a, b] = node.inputs as [string, string];
  const { y, dy } = io(ctx);
  const out = ctx.info(y);
  const floatExponent = ctx.info(b).elemType === DataType.FLOAT;
  const exponent = floatExponent ? b : e.op('Cast', [b], { to: DataType.FLOAT });
  const da = () => e.mul(dy, e.mul(exponent, e.op('Pow', [a, e.sub(exponent, e.scalar(1))])));
  const db = () => {
    const logA = e.op('Log', [e.op('Where', [e.op('Equal', [a, e.scalar(0)]), e.scalar(1), a])]);
    return e.mul(dy, e.mul(y, logA));
  };
  return [
    ctx.wants(0) ? sumToShape(ctx, da(), out, a) : undefined,
    ctx.wants(1) && floatExponent ? sumToShape(ctx, db(), out, b) : undefined,
  ];
};

export const pointwiseRules: RuleTable = {
  Sqrt: (ctx) => {
    const { y, dy } = io(ctx);
    return [ctx.e.div(ctx.e.mul(dy, ctx.e.scalar(0.5)), y)];
  },
  Reciprocal: (ctx) => {
    const { y, dy } = io(ctx);
    return [ctx.e.neg(ctx.e.mul(dy, ctx.e.mul(y, y)))];
  },
  Exp: (ctx) => {
    const { y, dy } = io(ctx);
    return [ctx.e.mul(dy, y)];
  },
  Log: (ctx) => {
    const { x, dy } = io(ctx);
    return [ctx.e.div(dy, x)];
  },
  Abs: (ctx) => {
    const { x, dy } = io(ctx);
    return [ctx.e.mul(dy, ctx.e.op('Sign', [x]))];
  },
  Erf: (ctx) => {
    const { e } = ctx;
    const { x, dy } = io(ctx);
    return [e.mul(dy, e.mul(e.op('Exp', [e.neg(e.mul(x, x))]), e.scalar(TWO_OVER_SQRT_PI)))];
  },
  Sin: (ctx) => {
    const { x, dy } = io(ctx);
    return [ctx.e.mul(dy, ctx.e.op('Cos', [x]))];
  },
  Cos: (ctx) => {
    const { x, dy } = io(ctx);
    return [ctx.e.neg(ctx.e.mul(dy, ctx.e.op('Sin', [x])))];
  },
  // y = x/(1+|x|): dy/dx = 1/(1+|x|)²
  Softsign: (ctx) => {
    const { e } = ctx;
    const { x, dy } = io(ctx);
    const denominator = e.add(e.scalar(1), e.op('Abs', [x]));
    return [e.div(dy, e.mul(denominator, denominator))];
  },
  Pow: pow,
};
