/**
 * Builds TensorFlow GraphDef nodes (NHWC) in code, for weight files that hold no graph (a TensorFlow
 * checkpoint, timm's safetensors): the network is written here as the graph its Python definition makes,
 * then converted like any frozen graph (tf-graphdef/convert.ts), so TensorFlow's padding and pooling conventions are
 * applied in one place.
 */
import { TfType, type TfAttr, type TfNode } from './tf-graphdef-schema.js';

/** Named float tensors read from a weight file (a checkpoint, a safetensors file). */
export interface NamedWeights {
  /** The file, named in errors. */
  readonly source: string;
  /** The model's identity in records. */
  readonly sha256: string;
  /** The float tensor `name`, which must have shape `dims` (the file's layout). */
  float(name: string, dims: number[]): Float32Array;
  dims(name: string): number[] | undefined;
}

const ints = (i: number[]): TfAttr => ({ list: { i } });
const text = (s: string): TfAttr => ({ s: new TextEncoder().encode(s) });
const shape = (dims: number[]) => ({ dim: dims.map((size) => ({ size })) });
const NHWC = text('NHWC');

export class TfGraphWriter {
  readonly nodes: TfNode[] = [];

  add(name: string, op: string, input: string[], attr: Record<string, TfAttr> = {}): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  /** The float input 'Placeholder' [N, height, width, channels]. */
  placeholder(height: number, width: number, channels: number): string {
    return this.add('Placeholder', 'Placeholder', [], { dtype: { type: TfType.FLOAT }, shape: { shape: shape([-1, height, width, channels]) } });
  }

  /** A float Const node. */
  float(name: string, data: Float32Array, dims: number[]): string {
    const tensor = { dtype: TfType.FLOAT, tensor_shape: shape(dims), tensor_content: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    return this.add(name, 'Const', [], { dtype: { type: TfType.FLOAT }, value: { tensor } });
  }

  /** An int32 Const (axes, paddings, slice bounds). */
  int32(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.add(name, 'Const', [], { dtype: { type: TfType.INT32 }, value: { tensor: { dtype: TfType.INT32, tensor_shape: shape(dims), int_val: values } } });
  }

  /** Conv2D with an HWIO filter, or DepthwiseConv2dNative with a [kh, kw, channels, 1] one. */
  conv(name: string, x: string, filter: string, stride: number, padding: 'SAME' | 'VALID', depthwise = false): string {
    return this.add(name, depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', [x, filter], { strides: ints([1, stride, stride, 1]), padding: text(padding), data_format: NHWC });
  }

  /** Inference batch norm of `params` = [scale, offset, mean, variance] nodes. */
  batchNorm(name: string, x: string, params: string[], epsilon: number): string {
    return this.add(name, 'FusedBatchNorm', [x, ...params], { epsilon: { f: epsilon }, is_training: { b: false }, data_format: NHWC });
  }

  biasAdd(name: string, x: string, bias: string): string {
    return this.add(name, 'BiasAdd', [x, bias], { data_format: NHWC });
  }

  pool(name: string, x: string, op: 'MaxPool' | 'AvgPool', size: number, stride: number, padding: 'SAME' | 'VALID'): string {
    return this.add(name, op, [x], { ksize: ints([1, size, size, 1]), strides: ints([1, stride, stride, 1]), padding: text(padding), data_format: NHWC });
  }
}
