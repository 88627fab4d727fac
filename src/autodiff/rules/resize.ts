import { intAttr, stringAttr } from '../attrs.js';
import { dyOf, unsupported, type RuleTable, type VjpContext } from './rule-context.js';

/**
 * Resize (nearest and linear) is linear in its input and separable: along each resized axis every output
 * element is a fixed combination of input elements, a matrix M [out, in] known when compiling from the
 * static sizes and the node's modes. The gradient applies Mᵀ along each such axis (one MatMul each).
 * Coordinates follow the ONNX definition, computed in float32 as ONNX Runtime does so that nearest-mode
 * ties round the same way.
 */

const f32 = Math.fround;

/** Input coordinate of output index `o` along an axis (the coordinate_transformation_mode). */
function sourceCoordinate(ctx: VjpContext, mode: string, o: number, inSize: number, outSize: number, scale: number): number {
  switch (mode) {
    case 'half_pixel': return f32(f32(f32(o + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel': return outSize > 1 ? f32(f32(f32(o + 0.5) / scale) - 0.5) : 0;
    case 'align_corners': return outSize === 1 ? 0 : f32(f32(o * (inSize - 1)) / (outSize - 1));
    case 'asymmetric': return f32(o / scale);
    default: return unsupported(ctx, `the gradient of coordinate_transformation_mode '${mode}' is not supported`);
  }
}

function nearestIndex(ctx: VjpContext, rounding: string, x: number): number {
  switch (rounding) {
    case 'round_prefer_floor': return x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil': return Math.round(x);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    default: return unsupported(ctx, `nearest_mode '${rounding}' is not supported`);
  }
}

/** Interpolation matrix [out, in] of one axis, row-major. */
export function resizeMatrix(ctx: VjpContext, inSize: number, outSize: number, scale: number): number[] {
  const { node } = ctx;
  const mode = stringAttr(node, 'mode', 'nearest');
  const coordinates = stringAttr(node, 'coordinate_transformation_mode', 'half_pixel');
  const m = new Array<number>(outSize * inSize).fill(0);
  const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const x = sourceCoordinate(ctx, coordinates, o, inSize, outSize, scale);
    if (mode === 'nearest') {
      m[o * inSize + clamp(nearestIndex(ctx, stringAttr(node, 'nearest_mode', 'round_prefer_floor'), x))] = 1;
    } else if (mode === 'linear') {
      const at = Math.min(Math.max(x, 0), inSize - 1);
      const low = Math.floor(at);
      const frac = f32(at - low);
      m[o * inSize + low] = m[o * inSize + low]! + 1 - frac;
      m[o * inSize + clamp(low + 1)] = m[o * inSize + clamp(low + 1)]! + frac;
    } else {
      unsupported(ctx, `the gradient of '${mode}' resizing is not supported (nearest and linear are)`);
    }
  }
  return m;
}

const resize = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const x = node.inputs[0]!;
  const inInfo = ctx.info(x);
  const outDims = ctx.info(node.outputs[0]!).dims;
  if (intAttr(node, 'antialias', 0) !== 0) unsupported(ctx, 'the gradient of antialiased resizing is not supported');
  if (node.attrs['axes'] || stringAttr(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') unsupported(ctx, 'resizing with axes or a kept aspect ratio is not supported');
  const scalesInput = node.inputs[2] ? ctx.constInts(node.inputs[2]) : undefined;
  if (node.inputs[2] && !scalesInput) unsupported(ctx, 'its scales must be a constant for gradients');
  const scales = scalesInput && scalesInput.length > 0 ? scalesInput.map(f32) : outDims.map((d, a) => f32(d / inInfo.dims[a]!));
  const rank = outDims.length;
  let grad = dyOf(ctx);
  for (let axis = 0; axis < rank; axis++) {
    const inSize = inInfo.dims[axis]!;
    const outSize = outDims[axis]!;
    const m = resizeMatrix(ctx, inSize, outSize, scales[axis]!);
    if (inSize === outSize && m.every((v, k) => v === (Math.floor(k / inSize) === k % inSize ? 1 : 0))) continue;
    if (inInfo.batchAxes[axis]) unsupported(ctx, 'resizing the batch axis is not supported');
    // Along the last axis dy [..., out] · M [out, in]; elsewhere the axis is moved last and back.
    const perm = Array.from({ length: rank }, (_, a) => a);
    perm[axis] = rank - 1;
    perm[rank - 1] = axis;
    const last = axis === rank - 1 ? grad : e.transpose(grad, perm);
    const product = e.op('MatMul', [last, e.b.constFloat('resize_adjoint', [outSize, inSize], m)]);
    grad = axis === rank - 1 ? product : e.transpose(product, perm);
  }
  return [grad];
};

export const resizeRules: RuleTable = { Resize: resize };
