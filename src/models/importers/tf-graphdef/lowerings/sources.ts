import { decodeTensor, shapeDims, TfType } from '../../tf-graphdef-schema.js';
import type { Lowering, LoweringContext, LoweringTable } from '../context.js';
import type { Tensor, Value } from '../values.js';

/** Where values come from: weights and shapes in Const nodes, the image in the Placeholder. */

function constant(ctx: LoweringContext): Value {
  const t = decodeTensor(ctx.attr('value')?.tensor ?? ctx.fail("has no 'value' tensor"), `${ctx.source}: node '${ctx.node.name}'`);
  if (t.dtype === TfType.FLOAT) return { kind: 'float', dims: t.dims, data: t.values as Float32Array };
  return { kind: 'int', dims: t.dims, data: Array.from(t.values) };
}

/** The graph's input: a float image [N, H, W, C] with a fixed C, taken as NCHW with any batch size. */
function placeholder(ctx: LoweringContext): Tensor {
  const type = ctx.attr('dtype')?.type ?? TfType.FLOAT;
  if (type !== TfType.FLOAT) ctx.fail(`the input must be float32 (TensorFlow type ${type} is not supported)`);
  const dims = shapeDims(ctx.attr('shape')?.shape);
  if (!dims || dims.length !== 4 || !(dims[3]! > 0)) ctx.fail(`the input must be an image [N, H, W, C] with a fixed C, got ${dims ? `[${dims.join(',')}]` : 'unknown rank'}`);
  const [n, h, w, c] = dims as [number, number, number, number];
  if (n > 0) ctx.fixedBatch = n;
  const size = (d: number) => (d > 0 ? d : null);
  ctx.b.input(ctx.node.name, ['N', c, size(h), size(w)]);
  return ctx.out(ctx.node.name, [null, size(h), size(w), c]);
}

/** Ops that pass their first input through in inference. */
const passThrough: Lowering = (ctx, ins) => ins[0] ?? ctx.fail('has no input');

export const sourceLowerings: LoweringTable = {
  Const: constant,
  Placeholder: placeholder,
  Identity: passThrough,
  StopGradient: passThrough,
  Snapshot: passThrough,
  PreventGradient: passThrough,
  CheckNumerics: passThrough,
  PlaceholderWithDefault: passThrough,
  Cast: (ctx, ins) => {
    if (ins[0]?.kind === 'tensor' && ctx.attr('DstT')?.type !== TfType.FLOAT) ctx.fail('casts of the image to non-float types are not supported');
    return passThrough(ctx, ins);
  },
};
