import {
  DataType, emptyGraph, type AttrValue, type Dim, type Graph, type Model, type Node, type Tensor,
} from './ir.js';

/** Opset the graphs we create target; onnxruntime-node 1.30 implements it fully. */
export const BUILDER_OPSET = 17;

/**
 * Attribute values as the builder accepts them: a plain integer is an int, a plain number[] is ints, a
 * string is a string; floats must be wrapped with `float()`/`floats()` so that `alpha: 1` can never
 * silently become an int attribute.
 */
export type AttrInput = AttrValue | number | number[] | string | string[] | Tensor;

export const float = (value: number): AttrValue => ({ type: 'float', value });
export const floats = (value: number[]): AttrValue => ({ type: 'floats', value });

function toAttr(key: string, v: AttrInput): AttrValue {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute '${key}': ${v} is not an integer; wrap floats with float()`);
    return { type: 'int', value: v };
  }
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return { type: 'strings', value: v as string[] };
    const ints = v as number[];
    if (!ints.every(Number.isInteger)) throw new Error(`attribute '${key}': wrap float lists with floats()`);
    return { type: 'ints', value: ints };
  }
  if ('dataType' in v) return { type: 'tensor', value: v };
  return v;
}

/** Appends nodes, initializers, inputs and outputs to a graph, with fresh unique names. */
export class GraphBuilder {
  readonly graph: Graph;
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(graph: Graph = emptyGraph()) {
    this.graph = graph;
    for (const n of graph.nodes) { n.outputs.forEach((o) => this.used.add(o)); this.used.add(n.name); }
    graph.initializers.forEach((t) => this.used.add(t.name));
    graph.inputs.forEach((i) => this.used.add(i.name));
  }

  /** A name not yet used in the graph, starting with `prefix`. */
  fresh(prefix: string): string {
    let name = prefix;
    while (this.used.has(name)) name = `${prefix}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node and returns its output names (`outputs` names them, or gives their count). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}, opts: { outputs?: number | string[]; name?: string; domain?: string } = {}): string[] {
    const outNames = Array.isArray(opts.outputs)
      ? opts.outputs.map((o) => { this.used.add(o); return o; })
      : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(`${opType.toLowerCase()}_out`));
    const node: Node = {
      name: this.fresh(opts.name ?? opType),
      opType,
      domain: opts.domain ?? '',
      inputs,
      outputs: outNames,
      attrs: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, toAttr(k, v)])),
    };
    this.graph.nodes.push(node);
    return outNames;
  }

  /** Adds a one-output node and returns that output's name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}, name?: string): string {
    return this.node(opType, inputs, attrs, { name })[0]!;
  }

  /** Adds an initializer; `name` is made unique if taken. Returns the name used. */
  initializer(t: Tensor): string {
    const name = this.used.has(t.name) ? this.fresh(t.name) : (this.used.add(t.name), t.name);
    this.graph.initializers.push({ ...t, name });
    return name;
  }

  /** A float32 constant held as an initializer. */
  constFloat(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.initializer({ name: prefix, dataType: DataType.FLOAT, dims, data: Float32Array.from(values) });
  }

  /** An int64 constant held as an initializer (shapes, axes, indices). */
  constInt64(prefix: string, values: number[], dims: number[] = [values.length]): string {
    return this.initializer({ name: prefix, dataType: DataType.INT64, dims, data: BigInt64Array.from(values, (v) => BigInt(v)) });
  }

  input(name: string, shape: Dim[], elemType = DataType.FLOAT): string {
    this.used.add(name);
    this.graph.inputs.push({ name, elemType, shape });
    return name;
  }

  output(name: string, shape?: Dim[], elemType = DataType.FLOAT): string {
    this.graph.outputs.push({ name, elemType, shape });
    return name;
  }
}

/** Wraps a graph into a model that imports the default ONNX domain at `opset`. */
export function modelOf(graph: Graph, opset = BUILDER_OPSET, metadata: Record<string, string> = {}): Model {
  return {
    irVersion: 8,
    opsetImports: [{ domain: '', version: opset }],
    producerName: 'robustscope',
    producerVersion: '',
    docString: '',
    graph,
    metadata,
    functions: [],
  };
}
