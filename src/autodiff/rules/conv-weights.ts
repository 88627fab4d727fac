import type { VjpContext } from './rule-context.js';
import { range, reachedEnd, type Window } from './window.js';

/**
 * Gradient of a convolution's weights. `input` is [N, C, in...], `outGrad` is [N, M, out...] (for a
 * ConvTranspose the two swap roles, see conv.ts); the result is [M, C/group, kernel...]:
 *   dW[m, c, t] = Σ_{n, p} outGrad[n, m, p] · input_padded[n, c, p·stride + t·dilation]
 */
export interface WeightGradInput {
  input: string;
  inChannels: number;
  inSpatial: number[];
  outGrad: string;
  outChannels: number;
  outSpatial: number[];
  group: number;
  window: Window;
}

/**
 * Picks the formulation by a static rule. ORT's Slice copies element by element once the innermost step is
 * not 1, and a strided window of a k x k kernel needs k² of them, so strided kernels (1x1 aside) keep the
 * single transposed Conv, which handles the stride itself: 1.2-2.5x faster on MobileNet's strided
 * depthwise layers, on par on ResNet's strided convs, and it reads far less memory. Everywhere else the
 * window products win, measured on one core: 1.5-2.3x at unit stride (except depthwise layers on 4x4
 * maps, 0.8x), 4-7x for strided 1x1 kernels.
 */
export function convWeightGrad(ctx: VjpContext, p: WeightGradInput): string {
  const strided = p.window.strides.some((s) => s > 1);
  const pointwise = p.window.kernel.every((k) => k === 1);
  return strided && !pointwise ? transposedConvWeightGrad(ctx, p) : windowProductWeightGrad(ctx, p);
}

/** Column count below which MLAS's 16-wide panels for the right-hand operand of a product run mostly empty. */
const PANEL = 16;

/**
 * One product per kernel offset t: the input window that t sees (a slice of the padded input shaped like
 * the output gradient) against the output gradient, contracted over batch and pixels at once. For that the
 * channels lead ([C, N, ...], transposed once per layer), so each product is one GEMM of M/G x C/G outputs
 * over N·pixels; per-example products would write more than they read wherever a layer has more channels
 * than pixels (VGG's deep layers). A depthwise layer has one input channel per group: its product is an
 * elementwise Mul reduced over batch and pixels, which needs no transposes.
 */
function windowProductWeightGrad(ctx: VjpContext, p: WeightGradInput): string {
  const { e } = ctx;
  const { window: w, group } = p;
  const spatialAxes = range(2, 2 + w.kernel.length);
  const perGroupIn = p.inChannels / group;
  const perGroupOut = p.outChannels / group;
  const depthwise = perGroupIn === 1;
  const channelsFirst = (t: string) => e.transpose(t, [1, 0, ...spatialAxes]);
  const source = depthwise ? p.input : channelsFirst(p.input);
  const end = reachedEnd(w, p.inSpatial, p.outSpatial).map((v) => Math.max(0, v));
  const padded = [...w.begin, ...end].some((v) => v > 0) ? e.op('Pad', [source, e.ints([0, 0, ...w.begin, 0, 0, ...end])]) : source;
  const paddedSpatial = p.inSpatial.map((s, i) => s + w.begin[i]! + end[i]!);
  const windowAt = (offset: number[]) => {
    const starts = offset.map((t, i) => t * w.dilations[i]!);
    const ends = starts.map((s, i) => s + (p.outSpatial[i]! - 1) * w.strides[i]! + 1);
    const whole = starts.every((s) => s === 0) && ends.every((v, i) => v === paddedSpatial[i]) && w.strides.every((s) => s === 1);
    return whole ? padded : e.op('Slice', [padded, e.ints(starts), e.ints(ends), e.ints(spatialAxes), e.ints(w.strides)]);
  };
  const offsets = w.kernel.reduce<number[][]>((acc, k) => acc.flatMap((o) => range(0, k).map((t) => [...o, t])), [[]]);
  // Per offset [G, rows, cols]: output channels by input channels, or the reverse when the input window is
  // the left operand, which keeps a right operand narrower than MLAS's panels from running mostly empty.
  const inputLeft = !depthwise && perGroupIn < PANEL && perGroupOut > perGroupIn;
  const [rows, cols] = inputLeft ? [perGroupIn, perGroupOut] : [perGroupOut, perGroupIn];
  let parts: string[];
  if (depthwise) {
    // [N, G, M/G, pixels] against [N, G, 1, pixels]; 0 keeps the batch size of the run.
    const dy = e.reshape(p.outGrad, [0, group, perGroupOut, -1]);
    parts = offsets.map((o) => e.reduceSum(e.mul(dy, e.reshape(windowAt(o), [0, group, 1, -1])), [0, 3], false));
  } else {
    // [G, channels per group, N·pixels]
    const dy = e.reshape(channelsFirst(p.outGrad), [group, perGroupOut, -1]);
    const swap = [0, 2, 1];
    parts = offsets.map((o) => {
      const x = e.reshape(windowAt(o), [group, perGroupIn, -1]);
      return inputLeft ? e.op('MatMul', [x, e.transpose(dy, swap)]) : e.op('MatMul', [dy, e.transpose(x, swap)]);
    });
  }
  // [offsets·G, rows, cols] (depthwise: [offsets·G, M/G]), offset-major.
  const stacked = parts.length === 1 ? parts[0]! : e.op('Concat', parts, { axis: 0 });
  const ordered = e.transpose(e.reshape(stacked, [offsets.length, group, rows, cols]), inputLeft ? [1, 3, 2, 0] : [1, 2, 3, 0]);
  return e.reshape(ordered, [p.outChannels, perGroupIn, ...w.kernel]);
}

/**
 * The gradient as one Conv over transposed tensors: the batch becomes the channel axis being summed,
 * stride and dilation swap roles, and the output gradient acts as the kernel.
 */
function transposedConvWeightGrad(ctx: VjpContext, p: WeightGradInput): string {
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
