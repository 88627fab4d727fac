/** The graph IR: plain data that later passes (preprocessing, autodiff, importers, zoo) create and transform. */

export enum DataType {
  UNDEFINED = 0, FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
  BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, COMPLEX64 = 14, COMPLEX128 = 15, BFLOAT16 = 16,
}

export type TensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | string[];

/** A constant tensor. Float16/BFloat16 keep their raw 16-bit patterns in a Uint16Array. */
export interface Tensor {
  name: string;
  dataType: DataType;
  dims: number[];
  data: TensorData;
}

export type AttrValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: Graph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: Tensor[] }
  | { type: 'graphs'; value: Graph[] }
  /** Kinds we carry through untouched (sparse tensors, type protos, function attribute references). */
  | { type: 'opaque'; value: unknown };

export interface Node {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

/** A dimension is a number, a symbolic name, or null when unknown. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  elemType: DataType;
  /** undefined when the rank is unknown. */
  shape?: Dim[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface Model {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: Graph;
  metadata: Record<string, string>;
  /** Model-local functions, carried through as decoded protobuf objects. */
  functions: unknown[];
}

export function emptyGraph(name = 'graph'): Graph {
  return { name, nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
}

/** Version of the default ONNX domain a model imports (0 when absent). */
export function onnxOpset(model: Model): number {
  return model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
}

/**
 * Graph inputs that are fed at run time. Older IRs also list initializers as inputs, and some exported
 * models list values that a node (ConstantOfShape) produces.
 */
export function runtimeInputs(graph: Graph): ValueInfo[] {
  const known = new Set([...graph.initializers.map((t) => t.name), ...graph.nodes.flatMap((n) => n.outputs)]);
  return graph.inputs.filter((i) => !known.has(i.name));
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
