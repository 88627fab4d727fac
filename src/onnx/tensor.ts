import { DataType, type Tensor, type TensorData } from './ir.js';
import { UserError } from '../core/errors.js';

type Ctor = { new (buf: ArrayBuffer): Exclude<TensorData, string[]>; BYTES_PER_ELEMENT: number };

const TYPED: Partial<Record<DataType, Ctor>> = {
  [DataType.FLOAT]: Float32Array, [DataType.DOUBLE]: Float64Array, [DataType.INT8]: Int8Array,
  [DataType.UINT8]: Uint8Array, [DataType.BOOL]: Uint8Array, [DataType.INT16]: Int16Array,
  [DataType.UINT16]: Uint16Array, [DataType.FLOAT16]: Uint16Array, [DataType.BFLOAT16]: Uint16Array,
  [DataType.INT32]: Int32Array, [DataType.UINT32]: Uint32Array, [DataType.INT64]: BigInt64Array,
  [DataType.UINT64]: BigUint64Array,
};

export function typedArrayFor(dataType: DataType): Ctor {
  const ctor = TYPED[dataType];
  if (!ctor) throw new UserError(`tensor data type ${DataType[dataType] ?? dataType} is not supported`);
  return ctor;
}

/** Copies little-endian raw bytes into an aligned typed array of the tensor's type. */
export function fromRawBytes(dataType: DataType, raw: Uint8Array): Exclude<TensorData, string[]> {
  const ctor = typedArrayFor(dataType);
  if (raw.byteLength % ctor.BYTES_PER_ELEMENT !== 0) {
    throw new UserError(`raw data of ${raw.byteLength} bytes is not a whole number of ${DataType[dataType]} elements`);
  }
  const copy = new ArrayBuffer(raw.byteLength);
  new Uint8Array(copy).set(raw);
  return new ctor(copy);
}

export function toRawBytes(data: Exclude<TensorData, string[]>): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  return { name, dataType: DataType.FLOAT, dims, data: Float32Array.from(values) };
}

export function int64Tensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  return { name, dataType: DataType.INT64, dims, data: BigInt64Array.from(Array.from(values), (v) => BigInt(v)) };
}

/** Values of a numeric tensor as plain numbers (int64 converted; float16 left as bit patterns). */
export function tensorValues(t: Tensor): number[] {
  if (Array.isArray(t.data)) throw new UserError(`tensor '${t.name}' holds strings, not numbers`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}
