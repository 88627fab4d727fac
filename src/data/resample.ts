import type { ResizeMode } from './image.js';

/**
 * Writes an RGB image (8-bit, or floats with fullScale 1; `layout` 'hwc': interleaved, 'chw': one plane per channel) into `out` at
 * `offset` as canonical float32 CHW in [0,1] at height x width. Other sizes are resampled bilinearly with
 * pixel centres aligned (align_corners = false); 'shorter-side-crop' (the default) scales the image to cover
 * the target and takes the centre, 'stretch' scales each axis on its own. Shrinking is not antialiased,
 * which is harmless for the upsampling (32 -> 224) these small datasets mostly see.
 */
export function resampleToCanonical(
  src: ArrayLike<number>,
  layout: 'hwc' | 'chw',
  srcH: number,
  srcW: number,
  out: Float32Array,
  offset: number,
  height: number,
  width: number,
  resize: ResizeMode = 'shorter-side-crop',
  /** What a full-scale source value is: 255 for 8-bit images, 1 for canonical floats. */
  fullScale = 255,
): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`image size must be positive integers, got ${height}x${width}`);
  }
  const plane = height * width;
  const pixelStride = layout === 'hwc' ? 3 : 1;
  const channelStride = layout === 'hwc' ? 1 : srcH * srcW;
  if (height === srcH && width === srcW) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < plane; p++) out[offset + c * plane + p] = src[p * pixelStride + c * channelStride]! / fullScale;
    }
    return;
  }
  let scaleY = height / srcH;
  let scaleX = width / srcW;
  if (resize === 'shorter-side-crop') scaleY = scaleX = Math.max(scaleY, scaleX);
  const axis = (n: number, scale: number, srcN: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } => {
    const crop = (srcN * scale - n) / 2;
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const f = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const s = Math.min(Math.max((k + 0.5 + crop) / scale - 0.5, 0), srcN - 1);
      i0[k] = Math.floor(s);
      i1[k] = Math.min(i0[k]! + 1, srcN - 1);
      f[k] = s - i0[k]!;
    }
    return { i0, i1, f };
  };
  const ys = axis(height, scaleY, srcH);
  const xs = axis(width, scaleX, srcW);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      const r0 = ys.i0[y]! * srcW;
      const r1 = ys.i1[y]! * srcW;
      const fy = ys.f[y]!;
      for (let x = 0; x < width; x++) {
        const a = xs.i0[x]!;
        const b = xs.i1[x]!;
        const fx = xs.f[x]!;
        const tl = src[(r0 + a) * pixelStride + c * channelStride]!;
        const tr = src[(r0 + b) * pixelStride + c * channelStride]!;
        const bl = src[(r1 + a) * pixelStride + c * channelStride]!;
        const br = src[(r1 + b) * pixelStride + c * channelStride]!;
        const top = tl + fx * (tr - tl);
        const bottom = bl + fx * (br - bl);
        out[offset + c * plane + y * width + x] = (top + fy * (bottom - top)) / fullScale;
      }
    }
  }
}

/**
 * A batch of stored 8-bit images in canonical space at height x width: `imageOf(i)` gives example i's
 * bytes (`side` x `side`, in `layout`), each resampled into its slot of the output.
 */
export function resampleBatch(
  indices: readonly number[],
  imageOf: (i: number) => Uint8Array,
  layout: 'hwc' | 'chw',
  side: number,
  height: number,
  width: number,
  resize?: ResizeMode,
): Float32Array {
  const stride = 3 * height * width;
  const out = new Float32Array(indices.length * stride);
  indices.forEach((i, k) => resampleToCanonical(imageOf(i), layout, side, side, out, k * stride, height, width, resize));
  return out;
}
