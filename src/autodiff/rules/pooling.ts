import { intsAttr, intAttr } from '../attrs.js';
import { dyOf, unsupported, type RuleTable, type VjpContext } from './rule-context.js';
import { forwardWindow, spatialDims, transposeAttrs } from './window.js';

/** Pooling. Max pooling routes the gradient through the forward pass's argmax indices. */

/**
 * Scatter-adds the output gradient onto the input positions MaxPool chose. The forward node is given an
 * Indices output (flat positions over the whole input tensor), so nothing is recomputed; overlapping windows
 * that pick the same pixel add up through reduction='add'.
 */
function maxPoolBackward(ctx: VjpContext): string {
  const { e, node } = ctx;
  if (intAttr(node, 'storage_order', 0) !== 0) unsupported(ctx, 'column-major indices (storage_order=1) are not supported');
  const x = node.inputs[0]!;
  const indices = node.outputs[1] || e.addOutput(node, 1, `${node.outputs[0]}_indices`);
  const zeros = e.filled(e.reshape(e.op('Size', [x]), [1]), 0);
  const flat = e.op('ScatterElements', [zeros, e.reshape(indices, [-1]), e.reshape(dyOf(ctx), [-1])], { axis: 0, reduction: 'add' });
  return e.reshapeLike(flat, x);
}

/**
 * Average pooling is linear: each output spreads dy/divisor over its window, which is a ConvTranspose with
 * a ones kernel per channel. The divisor per output position is count/avg, where avg is the pool applied to
 * a ones image (constant-folded by ORT), so count_include_pad and ceil-mode windows follow ORT exactly.
 */
function averagePoolBackward(ctx: VjpContext): string {
  const { e, node } = ctx;
  const x = node.inputs[0]!;
  const kernel = intsAttr(node, 'kernel_shape') ?? unsupported(ctx, 'kernel_shape is missing');
  const inSpatial = spatialDims(ctx, x);
  const outSpatial = spatialDims(ctx, node.outputs[0]!);
  const win = forwardWindow(ctx, kernel, inSpatial, outSpatial);
  const counts = outputCounts(kernel, win.strides, win.dilations, win.begin, inSpatial, outSpatial);
  const onesImage = e.filled(e.ints([1, 1, ...inSpatial]), 1);
  const onesPooled = e.op('AveragePool', [onesImage], node.attrs);
  const scale = e.div(onesPooled, e.b.constFloat('pool_counts', [1, 1, ...outSpatial], counts));
  const perChannel = e.reshape(e.mul(dyOf(ctx), scale), [-1, 1, ...outSpatial]);
  const ones = e.filled(e.ints([1, 1, ...kernel]), 1);
  const dx = e.op('ConvTranspose', [perChannel, ones], transposeAttrs(win, inSpatial, outSpatial));
  return e.reshapeLike(dx, x);
}

/** Number of input elements (padding excluded) each output window covers, in row-major output order. */
function outputCounts(kernel: number[], strides: number[], dilations: number[], begin: number[], inSpatial: number[], outSpatial: number[]): number[] {
  const perAxis = kernel.map((k, a) => Array.from({ length: outSpatial[a]! }, (_, o) => {
    let n = 0;
    for (let t = 0; t < k; t++) {
      const i = o * strides[a]! - begin[a]! + t * dilations[a]!;
      if (i >= 0 && i < inSpatial[a]!) n++;
    }
    return n;
  }));
  return perAxis.reduce<number[]>((acc, axis) => acc.flatMap((c) => axis.map((n) => c * n)), [1]);
}

export const poolingRules: RuleTable = {
  MaxPool: (ctx) => [maxPoolBackward(ctx)],
  // Rewritten into the equivalent full-window MaxPool so that the forward pass yields argmax indices too.
  GlobalMaxPool: (ctx) => {
    const { node } = ctx;
    node.opType = 'MaxPool';
    node.attrs = { kernel_shape: { type: 'ints', value: spatialDims(ctx, node.inputs[0]!) } };
    return [maxPoolBackward(ctx)];
  },
  AveragePool: (ctx) => [averagePoolBackward(ctx)],
  GlobalAveragePool: (ctx) => {
    const { e, node } = ctx;
    const x = node.inputs[0]!;
    const size = spatialDims(ctx, x).reduce((a, b) => a * b, 1);
    return [e.op('Expand', [e.mul(dyOf(ctx), e.scalar(1 / size)), e.shape(x)])];
  },
};
