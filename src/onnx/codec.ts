import { readFileSync } from 'node:fs';
import Long from 'long';
import { ModelProto, TensorProto } from './schema.js';
import {
  DataType, type AttrValue, type Dim, type Graph, type Model, type Node, type Tensor, type ValueInfo,
} from './ir.js';
import { fromRawBytes, toRawBytes, typedArrayFor } from './tensor.js';
import { UserError, messageOf } from '../core/errors.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs messages are untyped plain objects */
type Msg = any;

const ATTR_KIND: Record<number, AttrValue['type']> = {
  1: 'float', 2: 'int', 3: 'string', 4: 'tensor', 5: 'graph', 6: 'floats', 7: 'ints', 8: 'strings', 9: 'tensors', 10: 'graphs',
};
const ATTR_CODE = Object.fromEntries(Object.entries(ATTR_KIND).map(([k, v]) => [v, Number(k)])) as Record<string, number>;

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v == null) return 0;
  return Long.fromValue(v as Long).toNumber();
}

const utf8 = new TextDecoder();
const bytesOf = (s: string) => new TextEncoder().encode(s);

// ---------------------------------------------------------------------------------------------- decode

function decodeTensor(t: Msg, where: string): Tensor {
  const dataType = (t.data_type ?? 0) as DataType;
  const dims: number[] = (t.dims ?? []).map(num);
  const name: string = t.name ?? '';
  if ((t.data_location ?? 0) === 1 || (t.external_data?.length ?? 0) > 0) {
    throw new UserError(`${where}: tensor '${name}' stores its data in an external file; robustscope needs a self-contained .onnx file (re-save the model with all tensors inside it)`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Tensor['data'];
  if (dataType === DataType.STRING) {
    data = (t.string_data ?? []).map((b: Uint8Array) => utf8.decode(b));
  } else if (t.raw_data && t.raw_data.length > 0) {
    data = fromRawBytes(dataType, t.raw_data);
  } else {
    const ctor = typedArrayFor(dataType);
    if (dataType === DataType.FLOAT) data = Float32Array.from(t.float_data ?? []);
    else if (dataType === DataType.DOUBLE) data = Float64Array.from(t.double_data ?? []);
    else if (dataType === DataType.INT64) data = BigInt64Array.from((t.int64_data ?? []).map((v: unknown) => BigInt(Long.fromValue(v as Long).toString())));
    else if (dataType === DataType.UINT32 || dataType === DataType.UINT64) {
      const vals = (t.uint64_data ?? []).map((v: unknown) => BigInt(Long.fromValue(v as Long).toUnsigned().toString()));
      data = dataType === DataType.UINT64 ? BigUint64Array.from(vals) : Uint32Array.from(vals.map(Number));
    } else {
      const arr = new ctor(new ArrayBuffer(ctor.BYTES_PER_ELEMENT * (t.int32_data?.length ?? 0)));
      (t.int32_data ?? []).forEach((v: number, i: number) => { (arr as Int32Array)[i] = v; });
      data = arr;
    }
  }
  if (data.length !== count) {
    throw new UserError(`${where}: tensor '${name}' has ${data.length} values but its shape [${dims.join(',')}] needs ${count} (truncated or corrupt weights)`);
  }
  return { name, dataType, dims, data };
}

function decodeDims(type: Msg): Dim[] | undefined {
  const shape = type?.tensor_type?.shape;
  if (!shape) return undefined;
  const has = (d: Msg, k: string) => Object.prototype.hasOwnProperty.call(d, k);
  return (shape.dim ?? []).map((d: Msg) => (has(d, 'dim_param') && d.dim_param ? d.dim_param : has(d, 'dim_value') ? num(d.dim_value) : null));
}

function decodeValueInfo(v: Msg): ValueInfo {
  return { name: v.name ?? '', elemType: (v.type?.tensor_type?.elem_type ?? 0) as DataType, shape: decodeDims(v.type) };
}

function decodeAttr(a: Msg, where: string): AttrValue {
  const kind = ATTR_KIND[a.type ?? 0];
  switch (kind) {
    case 'float': return { type: 'float', value: a.f ?? 0 };
    case 'int': return { type: 'int', value: num(a.i) };
    case 'string': return { type: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case 'tensor': return { type: 'tensor', value: decodeTensor(a.t, where) };
    case 'graph': return { type: 'graph', value: decodeGraph(a.g, where) };
    case 'floats': return { type: 'floats', value: [...(a.floats ?? [])] };
    case 'ints': return { type: 'ints', value: (a.ints ?? []).map(num) };
    case 'strings': return { type: 'strings', value: (a.strings ?? []).map((b: Uint8Array) => utf8.decode(b)) };
    case 'tensors': return { type: 'tensors', value: (a.tensors ?? []).map((t: Msg) => decodeTensor(t, where)) };
    case 'graphs': return { type: 'graphs', value: (a.graphs ?? []).map((g: Msg) => decodeGraph(g, where)) };
    default: return { type: 'opaque', value: a };
  }
}

function decodeGraph(g: Msg, where: string): Graph {
  if ((g.sparse_initializer?.length ?? 0) > 0) {
    throw new UserError(`${where}: sparse initializers are not supported (densify the model's weights)`);
  }
  return {
    name: g.name ?? '',
    nodes: (g.node ?? []).map((n: Msg): Node => ({
      name: n.name ?? '',
      opType: n.op_type ?? '',
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs: Object.fromEntries((n.attribute ?? []).map((a: Msg) => [a.name, decodeAttr(a, `${where}: node '${n.name || n.op_type}'`)])),
    })),
    initializers: (g.initializer ?? []).map((t: Msg) => decodeTensor(t, where)),
    inputs: (g.input ?? []).map(decodeValueInfo),
    outputs: (g.output ?? []).map(decodeValueInfo),
    valueInfo: (g.value_info ?? []).map(decodeValueInfo),
  };
}

/**
 * Refuses a tensor anywhere in the message tree that keeps its data in another file. decodeTensor checks
 * the tensors it decodes, but others pass through untouched to ONNX Runtime (a Constant's `sparse_value`,
 * function bodies, ...), which would read the file relative to the process's working directory.
 */
function refuseExternalData(m: Msg, label: string): void {
  const pending: Msg[] = [m];
  while (pending.length > 0) {
    const msg = pending.pop()!;
    if ((msg.data_location ?? 0) === 1 || (Array.isArray(msg.external_data) && msg.external_data.length > 0)) {
      throw new UserError(`${label}: tensor '${msg.name ?? ''}' stores its data in an external file; robustscope needs a self-contained .onnx file (re-save the model with all tensors inside it)`);
    }
    for (const value of Object.values(msg)) {
      // Only nested messages can hold tensors; bytes, numbers and Longs are leaves.
      if (Array.isArray(value)) for (const v of value) { if (isMessage(v)) pending.push(v); }
      else if (isMessage(value)) pending.push(value);
    }
  }
}

const isMessage = (v: unknown): v is Msg => typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Long.isLong(v);

/** Decodes an ONNX ModelProto. `label` (usually the file path) is named in every error. */
export function decodeModel(bytes: Uint8Array, label = 'model'): Model {
  let m: Msg;
  try {
    m = ModelProto.decode(bytes);
  } catch (err) {
    throw new UserError(`${label}: not a valid ONNX file (${messageOf(err)})`);
  }
  if (!m.graph || (m.graph.node?.length ?? 0) === 0) {
    throw new UserError(`${label}: not a valid ONNX file (no graph or no nodes)`);
  }
  refuseExternalData(m, label);
  return {
    irVersion: num(m.ir_version),
    opsetImports: (m.opset_import ?? []).map((o: Msg) => ({ domain: o.domain ?? '', version: num(o.version) })),
    producerName: m.producer_name ?? '',
    producerVersion: m.producer_version ?? '',
    docString: m.doc_string ?? '',
    graph: decodeGraph(m.graph, label),
    metadata: Object.fromEntries((m.metadata_props ?? []).map((p: Msg) => [p.key, p.value])),
    functions: m.functions ?? [],
  };
}

export function readModelFile(path: string): Model {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read model file (${messageOf(err)})`);
  }
  return decodeModel(bytes, path);
}

/** Decodes a serialized TensorProto (the .pb files of ONNX test data). */
export function decodeTensorProto(bytes: Uint8Array, label = 'tensor'): Tensor {
  try {
    return decodeTensor(TensorProto.decode(bytes), label);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${label}: not a valid TensorProto (${messageOf(err)})`);
  }
}

// ---------------------------------------------------------------------------------------------- encode

function encodeTensor(t: Tensor): Msg {
  const base = { name: t.name, data_type: t.dataType, dims: t.dims };
  if (Array.isArray(t.data)) return { ...base, string_data: t.data.map(bytesOf) };
  return { ...base, raw_data: toRawBytes(t.data) };
}

function encodeValueInfo(v: ValueInfo): Msg {
  // An undefined type is left out so that ONNX Runtime infers it (outputs exposed for shape inference).
  if (v.elemType === DataType.UNDEFINED) return { name: v.name };
  const tensorType: Msg = { elem_type: v.elemType };
  if (v.shape) {
    tensorType.shape = { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : typeof d === 'string' ? { dim_param: d } : {})) };
  }
  return { name: v.name, type: { tensor_type: tensorType } };
}

function encodeAttr(name: string, a: AttrValue): Msg {
  if (a.type === 'opaque') return a.value;
  const out: Msg = { name, type: ATTR_CODE[a.type] };
  switch (a.type) {
    case 'float': out.f = a.value; break;
    case 'int': out.i = Long.fromNumber(a.value); break;
    case 'string': out.s = bytesOf(a.value); break;
    case 'tensor': out.t = encodeTensor(a.value); break;
    case 'graph': out.g = encodeGraph(a.value); break;
    case 'floats': out.floats = a.value; break;
    case 'ints': out.ints = a.value.map((v) => Long.fromNumber(v)); break;
    case 'strings': out.strings = a.value.map(bytesOf); break;
    case 'tensors': out.tensors = a.value.map(encodeTensor); break;
    case 'graphs': out.graphs = a.value.map(encodeGraph); break;
  }
  return out;
}

function encodeGraph(g: Graph): Msg {
  return {
    name: g.name,
    node: g.nodes.map((n) => ({
      name: n.name, op_type: n.opType, domain: n.domain, input: n.inputs, output: n.outputs,
      attribute: Object.entries(n.attrs).map(([k, v]) => encodeAttr(k, v)),
    })),
    initializer: g.initializers.map(encodeTensor),
    input: g.inputs.map(encodeValueInfo),
    output: g.outputs.map(encodeValueInfo),
    value_info: g.valueInfo.map(encodeValueInfo),
  };
}

export function encodeModel(model: Model): Uint8Array {
  const msg = ModelProto.fromObject({
    ir_version: model.irVersion,
    opset_import: model.opsetImports,
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    doc_string: model.docString,
    graph: encodeGraph(model.graph),
    metadata_props: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    functions: model.functions,
  });
  return ModelProto.encode(msg).finish();
}
