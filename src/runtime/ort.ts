import * as ort from 'onnxruntime-node';
import { encodeModel } from '../onnx/codec.js';
import { DataType, type Model, type Tensor } from '../onnx/ir.js';
import { UserError, messageOf } from '../core/errors.js';

export interface SessionOptions {
  /** Intra-op threads; the study machines have 2 cores. */
  threads?: number;
}

export const DEFAULT_THREADS = 2;

/** Creates an ONNX Runtime CPU session for a model; `label` names the model in errors. */
export async function createSession(model: Model, label: string, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(encodeModel(model), {
      executionProviders: ['cpu'],
      intraOpNumThreads: opts.threads ?? DEFAULT_THREADS,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new UserError(`${label}: ONNX Runtime cannot load the model (${messageOf(err)})`);
  }
}

export type Feeds = Record<string, ort.Tensor>;

export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function int32Tensor(data: Int32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('int32', data, dims);
}

export function int64Tensor(data: BigInt64Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('int64', data, dims);
}

/** Runs a session; an ORT failure becomes a UserError naming the model. */
export async function runSession(session: ort.InferenceSession, feeds: Feeds, label: string, outputs?: string[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  try {
    return outputs ? await session.run(feeds, outputs) : await session.run(feeds);
  } catch (err) {
    throw new UserError(`${label}: inference failed (${messageOf(err)})`);
  }
}

const ORT_TYPE_OF: Partial<Record<DataType, ort.Tensor.Type>> = {
  [DataType.FLOAT]: 'float32', [DataType.DOUBLE]: 'float64', [DataType.INT8]: 'int8', [DataType.UINT8]: 'uint8',
  [DataType.INT16]: 'int16', [DataType.UINT16]: 'uint16', [DataType.INT32]: 'int32', [DataType.UINT32]: 'uint32',
  [DataType.INT64]: 'int64', [DataType.UINT64]: 'uint64', [DataType.BOOL]: 'bool', [DataType.FLOAT16]: 'float16',
  [DataType.STRING]: 'string',
};

/** An IR tensor as an ONNX Runtime tensor (float16 travels as its 16-bit patterns). */
export function toOrtTensor(t: Tensor): ort.Tensor {
  const type = ORT_TYPE_OF[t.dataType];
  if (!type) throw new UserError(`tensor '${t.name}': data type ${DataType[t.dataType]} is not supported by the runtime`);
  return new ort.Tensor(type, t.data as never, t.dims);
}
