import { DataType } from '../../onnx/ir.js';
import { dyOf, sumToShape, type RuleTable, type VjpContext } from './rule-context.js';

/** Arithmetic with numpy broadcasting: each input's gradient is summed back to its own shape. */

function binary(ctx: VjpContext, da: () => string, db: () => string): (string | undefined)[] {
  const [a, b] = ctx.node.inputs as [string, string];
  const out = ctx.info(ctx.node.outputs[0]!);
  return [
    ctx.wants(0) ? sumToShape(ctx, da(), out, a) : undefined,
    ctx.wants(1) ? sumToShape(ctx, db(), out, b) : undefined,
  ];
}

/**
 * Variadic Min/Max: dy goes to the inputs that equal the output, split evenly among ties (PyTorch's
 * convention for maximum/minimum), then summed back to each input's shape.
 */
const extremum = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const y = node.outputs[0]!;
  const out = ctx.info(y);
  const dy = dyOf(ctx);
  if (node.inputs.length === 1) return [dy];
  const hits = node.inputs.map((x) => e.op('Cast', [e.op('Equal', [x, y])], { to: DataType.FLOAT }));
  const share = e.div(dy, e.op('Sum', hits));
  return node.inputs.map((x, i) => (ctx.wants(i) ? sumToShape(ctx, e.mul(share, hits[i]!), out, x) : undefined));
};

/** Where(cond, a, b): dy flows to a where cond holds and to b elsewhere; the condition has no gradient. */
const where = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const [cond, a, b] = node.inputs as [string, string, string];
  const out = ctx.info(node.outputs[0]!);
  const dy = dyOf(ctx);
  return [
    undefined,
    ctx.wants(1) ? sumToShape(ctx, e.mask(cond, dy), out, a) : undefined,
    ctx.wants(2) ? sumToShape(ctx, e.mask(e.op('Not', [cond]), dy), out, b) : undefined,
  ];
};

export const elementwiseRules: RuleTable = {
  Add: (ctx) => binary(ctx, () => dyOf(ctx), () => dyOf(ctx)),
  Sub: (ctx) => binary(ctx, () => dyOf(ctx), () => ctx.e.neg(dyOf(ctx))),
  Mul: (ctx) => {
    const [a, b] = ctx.node.inputs as [string, string];
    return binary(ctx, () => ctx.e.mul(dyOf(ctx), b), () => ctx.e.mul(dyOf(ctx), a));
  },
  // d(a/b)/db = -a/b² = -y/b, which reuses the saved output instead of squaring b.
  Div: (ctx) => {
    const b = ctx.node.inputs[1]!;
    const y = ctx.node.outputs[0]!;
    return binary(ctx, () => ctx.e.div(dyOf(ctx), b), () => ctx.e.neg(ctx.e.div(ctx.e.mul(dyOf(ctx), y), b)));
  },
  Sum: (ctx) => {
    const out = ctx.info(ctx.node.outputs[0]!);
    return ctx.node.inputs.map((x, i) => (ctx.wants(i) ? sumToShape(ctx, dyOf(ctx), out, x) : undefined));
  },
  Mean: (ctx) => {
    const out = ctx.info(ctx.node.outputs[0]!);
    const share = ctx.e.mul(dyOf(ctx), ctx.e.scalar(1 / ctx.node.inputs.length));
    return ctx.node.inputs.map((x, i) => (ctx.wants(i) ? sumToShape(ctx, share, out, x) : undefined));
  },
  Neg: (ctx) => [ctx.e.neg(dyOf(ctx))],
  Min: extremum,
  Max: extremum,
  Where: where,
  // Broadcasting to a shape: the gradient sums back over the broadcast axes.
  Expand: (ctx) => [sumToShape(ctx, dyOf(ctx), ctx.info(ctx.node.outputs[0]!), ctx.node.inputs[0]!), undefined],
};
