import { intsAttr, stringAttr } from '../attrs.js';
import { unsupported, type VjpContext } from './context.js';

/** Geometry of a sliding window (Conv, ConvTranspose, pooling) with pads resolved to explicit numbers. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding before each spatial axis. */
  begin: number[];
}

/** Spatial dimensions of a forward tensor; they must not change with the batch size. */
export function spatialDims(ctx: VjpContext, tensor: string): number[] {
  const info = ctx.info(tensor);
  if (info.batchAxes.slice(2).some(Boolean)) unsupported(ctx, `spatial size of '${tensor}' varies with the batch`);
  return info.dims.slice(2);
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Window of a Conv or pooling node. auto_pad is resolved from the static sizes the way ONNX Runtime does:
 * the padding needed to produce the actual output, split evenly with the odd pixel at the end (SAME_UPPER)
 * or the beginning (SAME_LOWER).
 */
export function forwardWindow(ctx: VjpContext, kernel: number[], inSpatial: number[], outSpatial: number[]): Window {
  const n = kernel.length;
  const strides = intsAttr(ctx.node, 'strides') ?? kernel.map(() => 1);
  const dilations = intsAttr(ctx.node, 'dilations') ?? kernel.map(() => 1);
  const autoPad = stringAttr(ctx.node, 'auto_pad', 'NOTSET');
  let begin: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    begin = kernel.map((k, i) => {
      const total = Math.max(0, (outSpatial[i]! - 1) * strides[i]! + dilations[i]! * (k - 1) + 1 - inSpatial[i]!);
      return autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
    });
  } else if (autoPad === 'VALID') {
    begin = kernel.map(() => 0);
  } else {
    begin = (intsAttr(ctx.node, 'pads') ?? new Array<number>(2 * n).fill(0)).slice(0, n);
  }
  return { kernel, strides, dilations, begin };
}

/**
 * Padding at the end of each axis that the window actually reaches when mapping `outSpatial` positions over
 * `inSpatial`; negative where the last window stops short of the input's end (floor division, ceil_mode).
 */
function reachedEnd(w: Window, inSpatial: number[], outSpatial: number[]): number[] {
  return w.kernel.map((k, i) => (outSpatial[i]! - 1) * w.strides[i]! + w.dilations[i]! * (k - 1) + 1 - inSpatial[i]! - w.begin[i]!);
}

/**
 * Attributes of the ConvTranspose that scatters a window's output gradient back onto an input of exactly
 * `inSpatial`: the reached end padding when non-negative, otherwise output_padding for the uncovered tail.
 */
export function transposeAttrs(w: Window, inSpatial: number[], outSpatial: number[]) {
  const end = reachedEnd(w, inSpatial, outSpatial);
  return {
    kernel_shape: w.kernel,
    strides: w.strides,
    dilations: w.dilations,
    pads: [...w.begin, ...end.map((p) => Math.max(0, p))],
    output_padding: end.map((p) => Math.max(0, -p)),
  };
}

/**
 * Gradient of a grouped convolution's weights, as one Conv over transposed tensors: the batch becomes the
 * channel axis being summed, stride and dilation swap roles, and the output gradient acts as the kernel.
 * `input` is [N, C, in...]; `outGrad` is [N, M, out...]; the result is [M, C/group, kernel...].
 */
export function convWeightGrad(ctx: VjpContext, p: {
  input: string; inChannels: number; inSpatial: number[]; outGrad: string; outSpatial: number[]; group: number; window: Window;
}): string {
  const { e } = ctx;
  const { window: w, group } = p;
  const spatialAxes = range(2, 2 + w.kernel.length);
  const perGroup = p.inChannels / group;
  // [N, C, in...] -> [C/G, G·N, in...] with channel g·N + n holding x[n, g·C/G + c], so group g of the Conv
  // below pairs input-channel group g with output-channel group g.
  const x = group === 1
    ? e.transpose(p.input, [1, 0, ...spatialAxes])
    : e.reshape(
      e.transpose(e.reshape(p.input, [0, group, perGroup, ...p.inSpatial]), [2, 1, 0, ...spatialAxes.map((a) => a + 1)]),
      [perGroup, -1, ...p.inSpatial],
    );
  const kernel = e.transpose(p.outGrad, [1, 0, ...spatialAxes]);
  const end = reachedEnd(w, p.inSpatial, p.outSpatial).map((v) => Math.max(0, v));
  const conv = e.op('Conv', [x, kernel], { group, strides: w.dilations, dilations: w.strides, pads: [...w.begin, ...end] });
  // Floor division in the forward pass may leave input rows no window used; they make the result larger than the kernel.
  const produced = w.kernel.map((_, i) => Math.floor((p.inSpatial[i]! + w.begin[i]! + end[i]! - w.strides[i]! * (p.outSpatial[i]! - 1) - 1) / w.dilations[i]!) + 1);
  const fitted = produced.some((v, i) => v !== w.kernel[i])
    ? e.op('Slice', [conv, e.ints(w.kernel.map(() => 0)), e.ints(w.kernel), e.ints(spatialAxes)])
    : conv;
  return e.transpose(fitted, [1, 0, ...spatialAxes]);
}
