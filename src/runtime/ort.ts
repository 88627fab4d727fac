import * as ort from 'onnxruntime-node';
import { encodeModel } from '../onnx/codec.js';
import { DataType, type Model, type Tensor } from '../onnx/ir.js';
import { UserError, messageOf } from '../core/errors.js';

export interface SessionOptions {
  /** Intra-op threads; the study machines have 2 cores. */
  threads?: number;
  /** 'disabled' for probes that read every intermediate value as it is in the graph. */
  optimization?: 'all' | 'disabled';
  /** Fatal-only logging, for runs expected to fail (a probe at a batch size the graph pins). */
  quiet?: boolean;
}

export const DEFAULT_THREADS = 2;

/** Creates an ONNX Runtime CPU session for a model: the one place sessions are made; `label` names the model in errors. */
export async function createSession(model: Model, label: string, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(encodeModel(model), {
      executionProviders: ['cpu'],
      intraOpNumThreads: opts.threads ?? DEFAULT_THREADS,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: opts.optimization ?? 'all',
      logSeverityLevel: opts.quiet ? 4 : 3,
    });
  } catch (err) {
    throw new UserError(`${label}: ONNX Runtime cannot load the model (${messageOf(err)})`);
  }
}

export type Feeds = Record<string, ort.Tensor>;

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** Runs a session; an ORT failure becomes a UserError naming the model. */
export async function runSession(session: ort.InferenceSession, feeds: Feeds, label: string, outputs?: string[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  try {
    return outputs ? await session.run(feeds, outputs) : await session.run(feeds);
  } catch (err) {
    throw new UserError(`${label}: inference failed (${messageOf(err)})`);
  }
}

/** ONNX data types and ONNX Runtime's tensor type names: the one table, read both ways. */
export const ORT_TYPE_OF: Partial<Record<DataType, ort.Tensor.Type>> = {
  [DataType.FLOAT]: 'float32', [DataType.DOUBLE]: 'float64', [DataType.INT8]: 'int8', [DataType.UINT8]: 'uint8',
  [DataType.INT16]: 'int16', [DataType.UINT16]: 'uint16', [DataType.INT32]: 'int32', [DataType.UINT32]: 'uint32',
  [DataType.INT64]: 'int64', [DataType.UINT64]: 'uint64', [DataType.BOOL]: 'bool', [DataType.FLOAT16]: 'float16',
  [DataType.STRING]: 'string',
};

const DATA_TYPE_OF = new Map(Object.entries(ORT_TYPE_OF).map(([dt, name]) => [name, Number(dt) as DataType]));

/** The ONNX data type of an ONNX Runtime type name; UNDEFINED for one without. */
export const dataTypeOf = (type: string): DataType => DATA_TYPE_OF.get(type as ort.Tensor.Type) ?? DataType.UNDEFINED;

/** Zeros of a type and shape (a probe's feed). */
export function zerosTensor(dataType: DataType, dims: readonly number[]): ort.Tensor {
  const type = ORT_TYPE_OF[dataType] ?? 'float32';
  const n = dims.reduce((a, b) => a * b, 1);
  const data = type === 'int64' || type === 'uint64' ? new BigInt64Array(n) : new (TYPED_ARRAY[type] ?? Float32Array)(n);
  return new ort.Tensor(type, data as never, dims);
}

const TYPED_ARRAY: Partial<Record<ort.Tensor.Type, new (n: number) => ArrayLike<number>>> = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, bool: Uint8Array, float16: Uint16Array,
};

/** An IR tensor as an ONNX Runtime tensor (float16 travels as its 16-bit patterns). */
export function toOrtTensor(t: Tensor): ort.Tensor {
  const type = ORT_TYPE_OF[t.dataType];
  if (!type) throw new UserError(`tensor '${t.name}': data type ${DataType[t.dataType]} is not supported by the runtime`);
  return new ort.Tensor(type, t.data as never, t.dims);
}
