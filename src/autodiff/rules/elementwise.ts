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
  Neg: (ctx) => [ctx.e.neg(dyOf(ctx))],
};
