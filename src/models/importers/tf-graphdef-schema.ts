/**
 * The part of TensorFlow's protocol buffers that a frozen inference graph uses (tensorflow/core/framework:
 * graph.proto, node_def.proto, attr_value.proto, tensor.proto, tensor_shape.proto, types.proto) and a
 * checkpoint's index (tensorflow/core/protobuf/tensor_bundle.proto), with TensorFlow's field numbers, and
 * the decoding of constant tensors.
 */
import Long from 'long';
import protobuf from 'protobufjs';
import { UserError, messageOf } from '../../core/errors.js';

const GRAPH_PROTO = `
syntax = "proto3";
package tensorflow;
message GraphDef { repeated NodeDef node = 1; VersionDef versions = 4; int32 version = 3; }
message VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3; }
message NodeDef {
  string name = 1; string op = 2; repeated string input = 3; string device = 4; map<string, AttrValue> attr = 5;
}
message AttrValue {
  message ListValue {
    repeated bytes s = 2; repeated int64 i = 3; repeated float f = 4; repeated bool b = 5; repeated int32 type = 6;
    repeated TensorShapeProto shape = 7; repeated TensorProto tensor = 8;
  }
  oneof value {
    bytes s = 2; int64 i = 3; float f = 4; bool b = 5; int32 type = 6; TensorShapeProto shape = 7;
    TensorProto tensor = 8; ListValue list = 1; string placeholder = 9;
  }
}
message TensorShapeProto { message Dim { int64 size = 1; string name = 2; } repeated Dim dim = 2; bool unknown_rank = 3; }
message TensorProto {
  int32 dtype = 1; TensorShapeProto tensor_shape = 2; int32 version_number = 3; bytes tensor_content = 4;
  repeated int32 half_val = 13; repeated float float_val = 5; repeated double double_val = 6; repeated int32 int_val = 7;
  repeated bytes string_val = 8; repeated int64 int64_val = 10; repeated bool bool_val = 11;
}
message BundleHeaderProto { int32 num_shards = 1; int32 endianness = 2; VersionDef version = 3; }
message TensorSliceProto { message Extent { int64 start = 1; int64 length = 2; } repeated Extent extent = 1; }
message BundleEntryProto {
  int32 dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3; int64 offset = 4; int64 size = 5; fixed32 crc32c = 6;
  repeated TensorSliceProto slices = 7;
}
`;

const root = protobuf.parse(GRAPH_PROTO, { keepCase: true }).root;
export const GraphDefProto = root.lookupType('tensorflow.GraphDef');
export const BundleHeaderProto = root.lookupType('tensorflow.BundleHeaderProto');
export const BundleEntryProto = root.lookupType('tensorflow.BundleEntryProto');

/** TensorFlow DataType codes (types.proto) that classifier graphs use. */
export enum TfType { FLOAT = 1, DOUBLE = 2, INT32 = 3, UINT8 = 4, INT64 = 9, BOOL = 10 }

export interface TfTensor { dtype: number; dims: number[]; values: Float32Array | number[] }
/** An attribute value as protobufjs decodes it: one of the fields is set. */
export interface TfAttr { s?: Uint8Array; i?: unknown; f?: number; b?: boolean; type?: number; shape?: TfShapeMsg; tensor?: TfTensorMsg; list?: TfListMsg }
export interface TfShapeMsg { dim?: { size?: unknown }[]; unknown_rank?: boolean }
export interface TfListMsg { s?: Uint8Array[]; i?: unknown[]; f?: number[]; b?: boolean[]; type?: number[]; shape?: TfShapeMsg[] }
export interface TfTensorMsg {
  dtype?: number; tensor_shape?: TfShapeMsg; tensor_content?: Uint8Array;
  float_val?: number[]; double_val?: number[]; int_val?: number[]; int64_val?: unknown[]; bool_val?: boolean[];
}
export interface TfNode { name: string; op: string; input: string[]; attr: Record<string, TfAttr> }

/** A protobuf int64 (a Long, or a number for small values) as a number. */
export const int64 = (v: unknown): number => (v == null ? 0 : typeof v === 'number' ? v : Long.fromValue(v as Long).toNumber());

/** Parses a binary GraphDef; errors name `source`. */
export function decodeGraphDef(bytes: Uint8Array, source: string): TfNode[] {
  let msg: { node?: { name?: string; op?: string; input?: string[]; attr?: Record<string, TfAttr> }[] };
  try {
    msg = GraphDefProto.toObject(GraphDefProto.decode(bytes), { defaults: false, arrays: true, objects: true }) as typeof msg;
  } catch (err) {
    throw new UserError(`${source}: not a TensorFlow GraphDef (${messageOf(err)})`);
  }
  const nodes = (msg.node ?? []).map((n) => ({ name: n.name ?? '', op: n.op ?? '', input: n.input ?? [], attr: n.attr ?? {} }));
  if (nodes.length === 0) throw new UserError(`${source}: the GraphDef has no nodes (not a frozen TensorFlow graph?)`);
  return nodes;
}

/** Dimensions of a shape attribute; -1 for unknown sizes, undefined for unknown rank. */
export function shapeDims(s: TfShapeMsg | undefined): number[] | undefined {
  if (!s || s.unknown_rank) return undefined;
  return (s.dim ?? []).map((d) => int64(d.size));
}

/**
 * Values of a constant tensor. TensorFlow stores them as little-endian `tensor_content` bytes or as a typed
 * value list; a list shorter than the shape repeats its last value (how TF writes filled constants).
 */
export function decodeTensor(t: TfTensorMsg, where: string): TfTensor {
  const dtype = t.dtype ?? 0;
  const dims = shapeDims(t.tensor_shape) ?? [];
  if (dims.some((d) => d < 0)) throw new UserError(`${where}: constant with unknown shape [${dims.join(',')}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  const content = t.tensor_content && t.tensor_content.length > 0 ? t.tensor_content : undefined;
  const view = content ? new DataView(content.buffer, content.byteOffset, content.byteLength) : undefined;
  const checkSize = (size: number) => {
    if (content!.byteLength !== count * size) {
      throw new UserError(`${where}: constant of shape [${dims.join(',')}] holds ${content!.byteLength} bytes, expected ${count * size} (truncated or corrupt)`);
    }
  };
  const fromBytes = (size: number, read: (at: number) => number): number[] => {
    checkSize(size);
    return Array.from({ length: count }, (_, k) => read(k * size));
  };
  const filled = (list: number[]): number[] => {
    if (list.length === count) return list;
    if (list.length === 0 && count > 0) throw new UserError(`${where}: constant of shape [${dims.join(',')}] holds no values`);
    if (list.length > count) throw new UserError(`${where}: constant of shape [${dims.join(',')}] holds ${list.length} values`);
    return Array.from({ length: count }, (_, k) => list[Math.min(k, list.length - 1)]!);
  };
  switch (dtype) {
    case TfType.FLOAT:
      if (content) {
        // The bulk of a model: copied in one go into an aligned array (TensorFlow writes little-endian, as we run).
        checkSize(4);
        return { dtype, dims, values: new Float32Array(new Uint8Array(content).buffer, 0, count) };
      }
      return { dtype, dims, values: Float32Array.from(filled(t.float_val ?? [])) };
    case TfType.DOUBLE:
      return { dtype: TfType.FLOAT, dims, values: Float32Array.from(view ? fromBytes(8, (at) => view.getFloat64(at, true)) : filled(t.double_val ?? [])) };
    case TfType.INT32:
      return { dtype, dims, values: view ? fromBytes(4, (at) => view.getInt32(at, true)) : filled(t.int_val ?? []) };
    case TfType.INT64:
      return { dtype, dims, values: view ? fromBytes(8, (at) => Number(view.getBigInt64(at, true))) : filled((t.int64_val ?? []).map(int64)) };
    case TfType.BOOL:
      return { dtype, dims, values: view ? fromBytes(1, (at) => view.getUint8(at)) : filled((t.bool_val ?? []).map(Number)) };
    default:
      throw new UserError(`${where}: constants of TensorFlow data type ${dtype} are not supported (float, double, int32, int64, bool)`);
  }
}
