import { intAttr, intsAttr, stringAttr } from '../attrs.js';
import { dyOf, type RuleTable, type VjpContext } from './rule-context.js';
import { convWeightGrad } from './conv-weights.js';
import { forwardWindow, range, reachedEnd, spatialDims, transposeAttrs, type Window } from './window.js';

/** Convolutions: the input gradient is the transposed operation, the weight gradient a correlation (conv-weights.ts). */

function biasGrad(ctx: VjpContext, dy: string): string {
  const rank = ctx.info(ctx.node.outputs[0]!).dims.length;
  return ctx.e.reduceSum(dy, [0, ...range(2, rank)], false);
}

/**
 * Input gradient of a Conv. With unit strides it is itself a Conv of the output gradient: the kernel
 * flipped along every spatial axis with its two channel axes swapped within each group, dilated alike, and
 * padded by the kernel's extent minus the forward padding on each side. ORT runs that Conv on its blocked
 * (NCHWc) path when the weights are constant and as im2col + GEMM otherwise; on one core that is 1.4-1.75x
 * and 1.2-1.3x faster than its ConvTranspose (GEMM + col2im), on two about 3x. Strided convs, and forward
 * pads wider than the kernel's extent (negative pads here), keep the ConvTranspose.
 */
function convInputGrad(ctx: VjpContext, dy: string, w: string, group: number, win: Window, inSpatial: number[], outSpatial: number[]): string {
  const { e } = ctx;
  const extent = win.kernel.map((k, i) => (k - 1) * win.dilations[i]!);
  const end = reachedEnd(win, inSpatial, outSpatial);
  const pads = [...win.begin.map((b, i) => extent[i]! - b), ...end.map((v, i) => extent[i]! - v)];
  if (win.strides.some((s) => s !== 1) || pads.some((p) => p < 0)) {
    return e.op('ConvTranspose', [dy, w], { group, ...transposeAttrs(win, inSpatial, outSpatial) });
  }
  const [outChannels, perGroupIn] = ctx.info(w).dims as [number, number];
  const spatialAxes = range(2, 2 + win.kernel.length);
  // [M, C/G, k...] -> [C, M/G, k...]: kernel (g·C/G + c, j) is forward kernel (g·M/G + j, c).
  const swapped = group === 1
    ? e.transpose(w, [1, 0, ...spatialAxes])
    : e.reshape(
      e.transpose(e.reshape(w, [group, outChannels / group, perGroupIn, ...win.kernel]), [0, 2, 1, ...spatialAxes.map((a) => a + 1)]),
      [group * perGroupIn, outChannels / group, ...win.kernel],
    );
  // A step of -1 from the last element; the end one before the first element (clamped to -1) runs to the start.
  const flipped = e.op('Slice', [swapped, e.ints(win.kernel.map((k) => k - 1)), e.ints(win.kernel.map((k) => -k - 1)), e.ints(spatialAxes), e.ints(win.kernel.map(() => -1))]);
  return e.op('Conv', [dy, flipped], { group, dilations: win.dilations, pads });
}

const conv = (ctx: VjpContext) => {
  const [x, w] = ctx.node.inputs as [string, string];
  const dy = dyOf(ctx);
  const group = intAttr(ctx.node, 'group', 1);
  const kernel = ctx.info(w).dims.slice(2);
  const inSpatial = spatialDims(ctx, x);
  const outSpatial = spatialDims(ctx, ctx.node.outputs[0]!);
  const win = forwardWindow(ctx, kernel, inSpatial, outSpatial);
  const outChannels = ctx.info(w).dims[0]!;
  return [
    ctx.wants(0) ? convInputGrad(ctx, dy, w, group, win, inSpatial, outSpatial) : undefined,
    ctx.wants(1) ? convWeightGrad(ctx, { input: x, inChannels: ctx.info(x).dims[1]!, inSpatial, outGrad: dy, outChannels, outSpatial, group, window: win }) : undefined,
    ctx.wants(2) ? biasGrad(ctx, dy) : undefined,
  ];
};

/**
 * Explicit begin padding of a ConvTranspose. With output_shape or SAME auto_pad, ONNX derives the pads from
 * the total padding s·(in−1) + output_padding + d·(k−1) + 1 − out, the odd pixel at the start for SAME_UPPER.
 */
function transposeWindow(ctx: VjpContext, kernel: number[], inSpatial: number[], outSpatial: number[]): Window {
  const strides = intsAttr(ctx.node, 'strides') ?? kernel.map(() => 1);
  const dilations = intsAttr(ctx.node, 'dilations') ?? kernel.map(() => 1);
  const outputPadding = intsAttr(ctx.node, 'output_padding') ?? kernel.map(() => 0);
  const autoPad = stringAttr(ctx.node, 'auto_pad', 'NOTSET');
  const derived = intsAttr(ctx.node, 'output_shape') !== undefined || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER';
  const begin = kernel.map((k, i) => {
    if (autoPad === 'VALID') return 0;
    if (!derived) return intsAttr(ctx.node, 'pads')?.[i] ?? 0;
    const total = strides[i]! * (inSpatial[i]! - 1) + outputPadding[i]! + dilations[i]! * (k - 1) + 1 - outSpatial[i]!;
    return autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
  });
  return { kernel, strides, dilations, begin };
}

const convTranspose = (ctx: VjpContext) => {
  const [x, w] = ctx.node.inputs as [string, string];
  const y = ctx.node.outputs[0]!;
  const dy = dyOf(ctx);
  const group = intAttr(ctx.node, 'group', 1);
  const kernel = ctx.info(w).dims.slice(2);
  const inSpatial = spatialDims(ctx, x);
  const outSpatial = spatialDims(ctx, y);
  const win = transposeWindow(ctx, kernel, inSpatial, outSpatial);
  // Input gradient: the forward Conv of ConvTranspose's window, run from the output back onto the input.
  // Its end padding covers what the last input position's window reaches; extra rows are sliced off.
  const inputGrad = () => {
    const end = win.kernel.map((k, i) => Math.max(0, (inSpatial[i]! - 1) * win.strides[i]! + win.dilations[i]! * (k - 1) + 1 - outSpatial[i]! - win.begin[i]!));
    const produced = win.kernel.map((k, i) => Math.floor((outSpatial[i]! + win.begin[i]! + end[i]! - win.dilations[i]! * (k - 1) - 1) / win.strides[i]!) + 1);
    const dx = ctx.e.op('Conv', [dy, w], { group, kernel_shape: kernel, strides: win.strides, dilations: win.dilations, pads: [...win.begin, ...end] });
    if (produced.every((v, i) => v === inSpatial[i])) return dx;
    const axes = range(2, 2 + kernel.length);
    return ctx.e.op('Slice', [dx, ctx.e.ints(axes.map(() => 0)), ctx.e.ints(inSpatial), ctx.e.ints(axes)]);
  };
  return [
    ctx.wants(0) ? inputGrad() : undefined,
    // ConvTranspose is the adjoint of a Conv from y onto x, so its weights get the Conv weight gradient
    // with the roles of input and output gradient exchanged; the layout [C, M/group, k...] matches.
    ctx.wants(1) ? convWeightGrad(ctx, {
      input: dy, inChannels: ctx.info(y).dims[1]!, inSpatial: outSpatial, outGrad: x, outChannels: ctx.info(x).dims[1]!, outSpatial: inSpatial, group, window: win,
    }) : undefined,
    ctx.wants(2) ? biasGrad(ctx, dy) : undefined,
  ];
};

export const convRules: RuleTable = { Conv: conv, ConvTranspose: convTranspose };
