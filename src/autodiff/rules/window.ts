import { intsAttr, stringAttr } from '../attrs.js';
import { unsupported, type VjpContext } from './rule-context.js';

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
export function reachedEnd(w: Window, inSpatial: number[], outSpatial: number[]): number[] {
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
