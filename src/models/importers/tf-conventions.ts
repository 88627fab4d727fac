/**
 * TensorFlow conventions both TensorFlow importers (TF.js layers, frozen GraphDef) translate: SAME/VALID
 * windows and channels-last weight layouts.
 */

/**
 * Output size and (before, after) padding of one spatial axis of a convolution or pooling window. `fail`
 * receives a message naming what is wrong.
 */
export function tfWindow(
  size: number, k: number, stride: number, dilation: number, padding: string, fail: (message: string) => never,
): [number, number, number] {
  const span = (k - 1) * dilation + 1;
  let out: number;
  let total = 0;
  const mode = padding.toLowerCase();
  if (mode === 'valid') {
    out = Math.floor((size - span) / stride) + 1;
  } else if (mode === 'same') {
    // TF pads SAME asymmetrically, putting the odd pixel after (ONNX's SAME_UPPER); we spell the pads out.
    out = Math.ceil(size / stride);
    total = Math.max((out - 1) * stride + span - size, 0);
  } else {
    return fail(`padding '${padding}' is not supported (valid or same)`);
  }
  if (out < 1) fail(`a window of ${span} does not fit an input of size ${size}`);
  return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Reorders a 4-D row-major array so that output axis i is input axis perm[i]. */
export function transpose4(v: Float32Array, shape: number[], perm: number[]): Float32Array {
  const strides = [shape[1]! * shape[2]! * shape[3]!, shape[2]! * shape[3]!, shape[3]!, 1];
  const [d0, d1, d2, d3] = perm.map((p) => shape[p]!) as [number, number, number, number];
  const [s0, s1, s2, s3] = perm.map((p) => strides[p]!) as [number, number, number, number];
  const out = new Float32Array(v.length);
  let o = 0;
  for (let a = 0; a < d0; a++) for (let b = 0; b < d1; b++) for (let c = 0; c < d2; c++) for (let d = 0; d < d3; d++) {
    out[o++] = v[a * s0 + b * s1 + c * s2 + d * s3]!;
  }
  return out;
}

/** TF conv kernel [kh, kw, in, out] to ONNX's [out, in, kh, kw]. */
export const kernelToOihw = (k: Float32Array, shape: number[]): Float32Array => transpose4(k, shape, [3, 2, 0, 1]);

/**
 * TF depthwise kernel [kh, kw, in, mult] to the [in*mult, 1, kh, kw] kernel of a grouped ONNX Conv
 * (group = in): output channel c*mult+m reads input channel c, as in TensorFlow.
 */
export const depthwiseToOihw = (k: Float32Array, shape: number[]): Float32Array => transpose4(k, shape, [2, 3, 0, 1]);
