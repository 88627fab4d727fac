/**
 * Builds small TensorFlow graphs two ways from one description: as a binary frozen GraphDef (what our
 * importer reads) and as a TF.js graph model (which @tensorflow/tfjs executes with TensorFlow's semantics),
 * so that the importer's output can be checked against an independent implementation of every op.
 */
import * as tf from '@tensorflow/tfjs';
import { GraphDefProto, TfType } from '../../src/models/importers/tf-graphdef-schema.js';

export type Attr =
  | { s: string } | { i: number } | { f: number } | { b: boolean } | { type: TfType } | { ints: number[] } | { shape: number[] };

interface NodeSpec { name: string; op: string; input: string[]; attr: Record<string, Attr> }
interface ConstSpec { dtype: TfType.FLOAT | TfType.INT32; dims: number[]; data: number[]; asList: boolean }

const TF_NAMES: Record<number, string> = { [TfType.FLOAT]: 'DT_FLOAT', [TfType.INT32]: 'DT_INT32' };

export class TfGraph {
  readonly nodes: NodeSpec[] = [];
  private readonly consts = new Map<string, ConstSpec>();

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', input: [], attr: { dtype: { type: TfType.FLOAT }, shape: { shape } } });
    return name;
  }

  /** A Const node; `asList` stores the values as a typed list instead of tensor_content bytes. */
  constant(name: string, dims: number[], data: ArrayLike<number>, dtype: TfType.FLOAT | TfType.INT32 = TfType.FLOAT, asList = false): string {
    this.consts.set(name, { dtype, dims, data: Array.from(data), asList });
    this.nodes.push({ name, op: 'Const', input: [], attr: { dtype: { type: dtype } } });
    return name;
  }

  ints(name: string, values: number[], dims = [values.length]): string {
    return this.constant(name, dims, values, TfType.INT32);
  }

  /** A node; like TensorFlow's GraphDef writer, it spells out the defaults TF.js needs (T, convolution dilations). */
  op(op: string, name: string, input: string[], attr: Record<string, Attr> = {}): string {
    const defaults: Record<string, Attr> = { T: { type: TfType.FLOAT } };
    if (op === 'Conv2D' || op === 'DepthwiseConv2dNative') defaults.dilations = { ints: [1, 1, 1, 1] };
    this.nodes.push({ name, op, input, attr: { ...defaults, ...attr } });
    return name;
  }

  /** The binary GraphDef. */
  graphDef(): Uint8Array {
    const node = this.nodes.map((n) => {
      const attr: Record<string, unknown> = Object.fromEntries(Object.entries(n.attr).map(([k, v]) => [k, protoAttr(v)]));
      const c = this.consts.get(n.name);
      if (n.op === 'Const' && c) attr.value = { tensor: protoTensor(c) };
      return { name: n.name, op: n.op, input: n.input, attr };
    });
    return GraphDefProto.encode(GraphDefProto.fromObject({ node, versions: { producer: 27 } })).finish();
  }

  /** The same graph as a TF.js graph model. */
  async tfjs(): Promise<tf.GraphModel> {
    const weightSpecs: tf.io.WeightsManifestEntry[] = [];
    const chunks: Uint8Array[] = [];
    const node = this.nodes.map((n) => {
      const attr: Record<string, unknown> = Object.fromEntries(Object.entries(n.attr).map(([k, v]) => [k, jsonAttr(v)]));
      const c = this.consts.get(n.name);
      if (c) {
        weightSpecs.push({ name: n.name, shape: c.dims, dtype: c.dtype === TfType.FLOAT ? 'float32' : 'int32' });
        // TF.js takes every value; a GraphDef's value list repeats its last value to fill the shape.
        const full = Array.from({ length: c.dims.reduce((a, b) => a * b, 1) }, (_, k) => c.data[Math.min(k, c.data.length - 1)]!);
        const bytes = c.dtype === TfType.FLOAT ? new Float32Array(full) : new Int32Array(full);
        chunks.push(new Uint8Array(bytes.buffer));
        attr.value = { tensor: { dtype: TF_NAMES[c.dtype], tensorShape: { dim: c.dims.map((d) => ({ size: String(d) })) } } };
      }
      return { name: n.name, op: n.op, input: n.input, attr };
    });
    const weightData = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    let at = 0;
    for (const c of chunks) { weightData.set(c, at); at += c.length; }
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: { node, versions: { producer: 27 } }, weightSpecs, weightData: weightData.buffer, format: 'graph-model',
    };
    return tf.loadGraphModel(tf.io.fromMemory(artifacts));
  }
}

function protoAttr(a: Attr): unknown {
  if ('s' in a) return { s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { list: { i: a.ints } };
  if ('shape' in a) return { shape: { dim: a.shape.map((size) => ({ size })) } };
  return a;
}

function jsonAttr(a: Attr): unknown {
  if ('s' in a) return { s: Buffer.from(a.s).toString('base64') };
  if ('ints' in a) return { list: { i: a.ints.map(String) } };
  if ('shape' in a) return { shape: { dim: a.shape.map((size) => ({ size: String(size) })) } };
  if ('type' in a) return { type: TF_NAMES[a.type] };
  if ('i' in a) return { i: String(a.i) };
  return a;
}

function protoTensor(c: ConstSpec): unknown {
  const tensor_shape = { dim: c.dims.map((size) => ({ size })) };
  if (c.asList) return { dtype: c.dtype, tensor_shape, ...(c.dtype === TfType.FLOAT ? { float_val: c.data } : { int_val: c.data }) };
  const bytes = c.dtype === TfType.FLOAT ? new Float32Array(c.data) : new Int32Array(c.data);
  return { dtype: c.dtype, tensor_shape, tensor_content: new Uint8Array(bytes.buffer) };
}

/** Runs the TF.js model on an NHWC batch and returns the output's values. */
export async function runTfjs(model: tf.GraphModel, input: string, output: string, nhwc: Float32Array, dims: number[]): Promise<Float32Array> {
  const x = tf.tensor(nhwc, dims);
  const y = model.execute({ [input]: x }, output) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  x.dispose();
  y.dispose();
  return values;
}
