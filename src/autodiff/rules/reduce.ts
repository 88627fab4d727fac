import { DataType } from '../../onnx/ir.js';
import { axisOf, intAttr, intsAttr } from '../attrs.js';
import { constInput, dyOf, rankOf, type RuleTable, type VjpContext } from './rule-context.js';

/**
 * Reductions: dy is broadcast back over the reduced axes (restored first when keepdims=0). Axes come from
 * the attribute (ReduceMean before opset 18) or the second input.
 */
function reduceBackward(ctx: VjpContext, mean: boolean): string | undefined {
  const { node, e } = ctx;
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  const rank = rankOf(ctx, x);
  const listed = intsAttr(node, 'axes') ?? (node.inputs[1] ? constInput(ctx, 1, 'axes') : []);
  if (listed.length === 0 && intAttr(node, 'noop_with_empty_axes', 0) === 1) return dyOf(ctx);
  const axes = listed.length > 0 ? listed.map((a) => axisOf(a, rank)) : Array.from({ length: rank }, (_, i) => i);
  let grad = dyOf(ctx);
  if (intAttr(node, 'keepdims', 1) === 0) grad = e.op('Unsqueeze', [grad, e.ints(axes)]);
  if (mean) {
    // Elements per output, read at run time so that a reduction over the batch axis stays right.
    const count = e.div(e.op('Cast', [e.op('Size', [x])], { to: DataType.FLOAT }), e.op('Cast', [e.op('Size', [y])], { to: DataType.FLOAT }));
    grad = e.div(grad, count);
  }
  return e.op('Expand', [grad, e.shape(x)]);
}

export const reduceRules: RuleTable = {
  ReduceSum: (ctx) => [reduceBackward(ctx, false)],
  ReduceMean: (ctx) => [reduceBackward(ctx, true)],
};
