/**
 * What a TensorFlow node's output becomes while converting. TensorFlow works NHWC; our graphs work NCHW like
 * every other model we run: every rank-4 tensor is stored NCHW while its dims are tracked in TensorFlow's
 * order, and constants stay in TensorFlow's order until an op takes them in.
 */

/** A float constant (weights, folded arithmetic). */
export interface FloatConst { kind: 'float'; dims: number[]; data: Float32Array }
/** An integer constant (axes, shapes); null marks a size known only at run time (the batch). */
export interface IntConst { kind: 'int'; dims: number[]; data: (number | null)[] }
/** A float tensor computed by the ONNX graph; `dims` in TensorFlow's order, null where not fixed. */
export interface Tensor { kind: 'tensor'; name: string; dims: (number | null)[] }
export type Value = FloatConst | IntConst | Tensor;

/** A rank-4 tensor: an image batch [N, H, W, C]. */
export type ImageTensor = Tensor & { dims: [number | null, number | null, number | null, number | null] };

/** NHWC axis → NCHW axis of a rank-4 value. */
export const NCHW_AXIS = [0, 2, 3, 1];
export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];
