/**
 * Converts a frozen TensorFlow GraphDef (a .pb file whose weights are Const nodes, as TF-slim's releases and
 * the TFLite model zoo publish them) of an image classifier into an ONNX graph.
 *
 * TensorFlow works NHWC; our graphs work NCHW like every other model we run. Every rank-4 value is stored
 * NCHW (dims are tracked in TensorFlow's order), constants are permuted once here, and ops that look across
 * axes map their axes. Shape arithmetic (Shape, StridedSlice, Pack, Prod) is evaluated while converting,
 * with the batch size as the one unknown, so the graph takes any batch size even where the publisher fixed
 * it to 1.
 */
import { UserError } from '../../core/errors.js';
import { float, GraphBuilder, modelOf, type AttrInput } from '../../onnx/builder.js';
import { DataType, type Dim, type Model } from '../../onnx/ir.js';
import { broadcastDims, foldBinary, permute, product, slicePositions } from './constant-folding.js';
import { depthwiseToOihw, kernelToOihw, tfWindow } from './tf-conventions.js';
import { readModelBytes, sha256, type ImportedModel, type ModelFile } from './model-file.js';
import { decodeGraphDef, decodeTensor, int64, shapeDims, TfType, type TfAttr, type TfNode } from './tf-graphdef-schema.js';

/** A float constant (weights, folded arithmetic). */
interface FloatConst { kind: 'float'; dims: number[]; data: Float32Array }
/** An integer constant (axes, shapes); null marks a size known only at run time (the batch). */
interface IntConst { kind: 'int'; dims: number[]; data: (number | null)[] }
/** A float tensor computed by the ONNX graph; `dims` in TensorFlow's order, null where not fixed. */
interface Tensor { kind: 'tensor'; name: string; dims: (number | null)[] }
type Value = FloatConst | IntConst | Tensor;

export interface TfImportOptions {
  /** Output node; by default the graph's only node whose output nothing reads. */
  output?: string;
}

/** NHWC axis → NCHW axis of a rank-4 value. */
const NCHW_AXIS = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

const BINARY: Record<string, { onnx: string; f: (x: number, y: number) => number }> = {
  Add: { onnx: 'Add', f: (x, y) => x + y },
  AddV2: { onnx: 'Add', f: (x, y) => x + y },
  BiasAdd: { onnx: 'Add', f: (x, y) => x + y },
  Sub: { onnx: 'Sub', f: (x, y) => x - y },
  Mul: { onnx: 'Mul', f: (x, y) => x * y },
  RealDiv: { onnx: 'Div', f: (x, y) => x / y },
  Maximum: { onnx: 'Max', f: Math.max },
  Minimum: { onnx: 'Min', f: Math.min },
};

/** Unary float ops: how a constant folds and the ONNX op a tensor takes. */
const UNARY: Record<string, { onnx: string; f: (x: number) => number }> = {
  Relu: { onnx: 'Relu', f: (x) => Math.max(x, 0) },
  Sigmoid: { onnx: 'Sigmoid', f: (x) => 1 / (1 + Math.exp(-x)) },
  Tanh: { onnx: 'Tanh', f: Math.tanh },
  Neg: { onnx: 'Neg', f: (x) => -x },
  Sqrt: { onnx: 'Sqrt', f: Math.sqrt },
  Exp: { onnx: 'Exp', f: Math.exp },
};

/** A node's data inputs as (node, output index); control inputs ('^name') only order execution. */
const dataInputs = (n: TfNode): { name: string; index: number }[] =>
  n.input.filter((i) => !i.startsWith('^')).map((ref) => {
    const [name, index] = ref.split(':');
    return { name: name!, index: Number(index ?? 0) };
  });

/** A slice bound past either end of any axis. */
const FAR = Number.MAX_SAFE_INTEGER;

/** Ops that pass their first input through in inference. */
const PASS_THROUGH = new Set(['Identity', 'StopGradient', 'Snapshot', 'PreventGradient', 'CheckNumerics', 'PlaceholderWithDefault', 'Cast']);

/** A frozen GraphDef file, converted with the manifest's `tfOutput` as the output; its sha256 is the file's. */
export async function readTfGraphDef({ path, manifest }: ModelFile): Promise<ImportedModel> {
  const bytes = readModelBytes(path);
  return { model: convertTfGraphDef(bytes, path, { output: manifest.tfOutput }), sha256: sha256(bytes) };
}

/**
 * Converts the binary GraphDef `bytes` into an opset-17 model whose input (named as the Placeholder) is
 * float32 [N, C, H, W] and whose output is the chosen node's value (its Softmax kept; the manifest's
 * outputs 'auto' removes it; a [N, 1, 1, classes] map flattened to [N, classes]).
 */
export function convertTfGraphDef(bytes: Uint8Array, source: string, opts: TfImportOptions = {}): Model {
  return convertTfNodes(decodeGraphDef(bytes, source), source, opts);
}

/** Converts a GraphDef's nodes, decoded or built in code (as `convertTfGraphDef`); errors name `source`. */
export function convertTfNodes(nodes: TfNode[], source: string, opts: TfImportOptions = {}): Model {
  return new Converter(nodes, source).convert(opts.output);
}

class Converter {
  private readonly b = new GraphBuilder();
  private readonly nodes = new Map<string, TfNode>();
  private readonly values = new Map<string, Value[]>();
  /** NHWC views of NCHW-stored tensors, made once. */
  private readonly nhwc = new Map<string, string>();
  /** Batch size the Placeholder fixed, if any: a Reshape to it becomes a Reshape to "the batch". */
  private fixedBatch: number | undefined;
  private node!: TfNode;

  constructor(list: TfNode[], private readonly source: string) {
    for (const n of list) {
      if (this.nodes.has(n.name)) throw new UserError(`${source}: two nodes are named '${n.name}'`);
      this.nodes.set(n.name, n);
    }
  }

  private fail(message: string): never {
    throw new UserError(`${this.source}: node '${this.node.name}' (${this.node.op}): ${message}`);
  }

  convert(output: string | undefined): Model {
    const out = this.outputNode(output);
    for (const n of this.order(out)) {
      this.node = n;
      this.values.set(n.name, this.convertNode(n));
    }
    this.node = out;
    const v = this.values.get(out.name)![0]!;
    if (v.kind !== 'tensor') this.fail('the output does not depend on the input');
    const inputs = this.b.graph.inputs;
    if (inputs.length !== 1) throw new UserError(`${this.source}: the output depends on ${inputs.length} Placeholders; expected one image input`);
    // A 1x1 map of class scores (e.g. TF-slim VGG's fc8 before its squeeze) leaves as [N, classes]; other
    // images leave in TensorFlow's NHWC order.
    const scores = v.dims.length === 4 && v.dims[1] === 1 && v.dims[2] === 1;
    const name = scores ? this.b.op('Flatten', [v.name], { axis: 1 }) : v.dims.length === 4 ? this.asNhwc(v) : v.name;
    const dims = scores ? [v.dims[0]!, v.dims[3]!] : v.dims;
    this.b.graph.outputs.push({ name, elemType: DataType.FLOAT, shape: dims.map((d, i): Dim => d ?? (i === 0 ? 'N' : null)) });
    return modelOf(this.b.graph, undefined, { 'robustscope.imported_from': 'tensorflow-graphdef' });
  }

  /** The requested node, or the only node whose output nothing reads. */
  private outputNode(name: string | undefined): TfNode {
    if (name !== undefined) {
      return this.nodes.get(name) ?? (() => { throw new UserError(`${this.source}: the graph has no node '${name}'`); })();
    }
    const read = new Set<string>();
    for (const n of this.nodes.values()) for (const i of dataInputs(n)) read.add(i.name);
    const sinks = [...this.nodes.values()].filter((n) => !read.has(n.name) && !['Const', 'NoOp', 'Placeholder'].includes(n.op));
    if (sinks.length !== 1) {
      throw new UserError(`${this.source}: cannot tell the output: ${sinks.length} nodes are unread (${sinks.slice(0, 8).map((n) => n.name).join(', ')}${sinks.length > 8 ? ', ...' : ''}); name one with the manifest field "tfOutput"`);
    }
    return sinks[0]!;
  }

  /** Nodes `out` depends on, inputs first (iterative: real graphs are thousands of nodes deep). */
  private order(out: TfNode): TfNode[] {
    const done = new Set<string>();
    const onStack = new Set<string>();
    const result: TfNode[] = [];
    const stack: [TfNode, number][] = [[out, 0]];
    onStack.add(out.name);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [n, k] = top;
      const refs = dataInputs(n);
      if (k < refs.length) {
        top[1]++;
        const dep = refs[k]!.name;
        if (done.has(dep)) continue;
        this.node = n;
        const m = this.nodes.get(dep) ?? this.fail(`reads '${dep}', which the graph does not define`);
        if (onStack.has(dep)) this.fail(`is part of a cycle through '${dep}' (control flow is not supported)`);
        onStack.add(dep);
        stack.push([m, 0]);
      } else {
        stack.pop();
        onStack.delete(n.name);
        done.add(n.name);
        result.push(n);
      }
    }
    return result;
  }

  // ------------------------------------------------------------------------------------- node access

  private inputs(n: TfNode): Value[] {
    return dataInputs(n).map(({ name, index }) => this.values.get(name)![index] ?? this.fail(`reads output ${index} of '${name}', which is not supported`));
  }

  private attr(key: string): TfAttr | undefined {
    return this.node.attr[key];
  }

  private str(key: string, dflt?: string): string {
    const a = this.attr(key);
    if (a?.s !== undefined) return new TextDecoder().decode(a.s);
    return dflt ?? this.fail(`attribute '${key}' is missing`);
  }

  private ints(key: string, dflt?: number[]): number[] {
    const a = this.attr(key);
    if (a?.list) return (a.list.i ?? []).map(int64);
    return dflt ?? this.fail(`attribute '${key}' is missing`);
  }

  private num(key: string, dflt: number): number {
    const a = this.attr(key);
    if (a?.f !== undefined) return a.f;
    if (a?.i !== undefined) return int64(a.i);
    return dflt;
  }

  private bool(key: string, dflt: boolean): boolean {
    return this.attr(key)?.b ?? dflt;
  }

  private tensor(v: Value | undefined, what: string): Tensor {
    if (v?.kind !== 'tensor') this.fail(`${what} must be computed from the input image, got a constant`);
    return v;
  }

  private floatConst(v: Value | undefined, what: string): FloatConst {
    if (v?.kind !== 'float') this.fail(`${what} must be a float constant (a frozen graph stores weights as Const nodes)`);
    return v;
  }

  private intConst(v: Value | undefined, what: string): number[] {
    if (v?.kind !== 'int' || v.data.some((x) => x === null)) this.fail(`${what} must be an integer constant`);
    return v.data as number[];
  }

  /** Rank-4 data layout for TensorFlow's NHWC format only. */
  private nhwcOnly(): void {
    const format = this.str('data_format', 'NHWC');
    if (format !== 'NHWC') this.fail(`data_format '${format}' is not supported (NHWC)`);
  }

  private image(v: Value | undefined, what = 'the input'): Tensor & { dims: [number | null, number | null, number | null, number | null] } {
    const t = this.tensor(v, what);
    if (t.dims.length !== 4) this.fail(`${what} must be an image [N, H, W, C], got rank ${t.dims.length}`);
    return t as Tensor & { dims: [number | null, number | null, number | null, number | null] };
  }

  // ------------------------------------------------------------------------------------ layout

  private out(name: string, dims: (number | null)[]): Tensor {
    return { kind: 'tensor', name, dims };
  }

  /** A tensor in TensorFlow's element order (a rank-4 one transposed back to NHWC). */
  private asNhwc(t: Tensor): string {
    if (t.dims.length !== 4) return t.name;
    let name = this.nhwc.get(t.name);
    if (!name) {
      name = this.b.op('Transpose', [t.name], { perm: TO_NHWC });
      this.nhwc.set(t.name, name);
    }
    return name;
  }

  /** A tensor from a value in TensorFlow's order (a rank-4 one transposed to NCHW). */
  private fromNhwc(name: string, dims: (number | null)[]): Tensor {
    return this.out(dims.length === 4 ? this.b.op('Transpose', [name], { perm: TO_NCHW }) : name, dims);
  }

  /** An ONNX constant of a float constant, permuted to NCHW when rank 4 (after padding to `rank`). */
  private floatInit(c: FloatConst, rank = c.dims.length): string {
    const dims = [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims];
    if (rank !== 4) return this.b.constFloat('const', dims, c.data);
    const p = permute(c.data, dims, TO_NCHW, (n) => new Float32Array(n));
    return this.b.constFloat('const', p.dims, p.data);
  }

  /** Name of an operand for an op whose result has rank `rank` (constants and lower ranks broadcast NHWC-wise). */
  private operand(v: Value, rank: number): string {
    if (v.kind === 'float') return this.floatInit(v, rank === 4 ? 4 : v.dims.length);
    if (v.kind === 'int') return this.fail('an integer tensor cannot take part in float arithmetic');
    if (rank !== 4 || v.dims.length === 4) return v.name;
    const lifted = this.b.op('Reshape', [v.name, this.b.constInt64('shape', [...new Array<number>(4 - v.dims.length).fill(1), ...v.dims.map((d) => d ?? -1)])]);
    return this.b.op('Transpose', [lifted], { perm: TO_NCHW });
  }

  // ------------------------------------------------------------------------------------- ops

  private convertNode(n: TfNode): Value[] {
    const ins = this.inputs(n);
    if (PASS_THROUGH.has(n.op)) {
      if (n.op === 'Cast' && ins[0]?.kind === 'tensor' && this.attr('DstT')?.type !== TfType.FLOAT) this.fail('casts of the image to non-float types are not supported');
      return [ins[0] ?? this.fail('has no input')];
    }
    const binary = BINARY[n.op];
    if (binary) return [this.binary(ins, binary)];
    const unary = UNARY[n.op];
    if (unary) return [this.unary(ins[0], unary.onnx, unary.f)];
    switch (n.op) {
      case 'Const': return [this.constant()];
      case 'Placeholder': return [this.placeholder()];
      case 'Rsqrt': return [this.unary(ins[0], undefined, (x) => 1 / Math.sqrt(x))];
      case 'Square': return [this.binary([ins[0]!, ins[0]!], BINARY.Mul!)];
      case 'Relu6': return [this.clip(ins[0], 0, 6)];
      case 'LeakyRelu': return [this.withAttrs(ins[0], 'LeakyRelu', { alpha: float(this.num('alpha', 0.2)) })];
      case 'Elu': return [this.withAttrs(ins[0], 'Elu', {})];
      case 'Softmax': return [this.softmax(ins[0])];
      case 'Conv2D': return [this.conv(ins, false)];
      case 'DepthwiseConv2dNative': return [this.conv(ins, true)];
      case 'MaxPool': return [this.pool(ins[0], 'MaxPool')];
      case 'AvgPool': return [this.pool(ins[0], 'AveragePool')];
      case 'FusedBatchNorm': case 'FusedBatchNormV2': case 'FusedBatchNormV3': return [this.batchNorm(ins)];
      case 'LRN': return [this.lrn(ins[0])];
      case 'ConcatV2': return [this.concat(ins.slice(0, -1), ins[ins.length - 1])];
      case 'Concat': return [this.concat(ins.slice(1), ins[0])];
      case 'Mean': return [this.mean(ins)];
      case 'Squeeze': return [this.squeeze(ins[0], this.ints('squeeze_dims', []))];
      case 'Reshape': return [this.reshape(ins)];
      case 'MatMul': return [this.matmul(ins)];
      case 'Pad': case 'PadV2': case 'MirrorPad': return [this.pad(ins)];
      case 'Shape': return [this.shape(ins[0])];
      case 'StridedSlice': return [this.stridedSlice(ins)];
      case 'Pack': return [this.pack(ins)];
      case 'Prod': return [this.prod(ins)];
      default:
        return this.fail('this TensorFlow op is not supported');
    }
  }

  private constant(): Value {
    const t = decodeTensor(this.attr('value')?.tensor ?? this.fail("has no 'value' tensor"), `${this.source}: node '${this.node.name}'`);
    if (t.dtype === TfType.FLOAT) return { kind: 'float', dims: t.dims, data: t.values as Float32Array };
    return { kind: 'int', dims: t.dims, data: Array.from(t.values) };
  }

  private placeholder(): Tensor {
    const type = this.attr('dtype')?.type ?? TfType.FLOAT;
    if (type !== TfType.FLOAT) this.fail(`the input must be float32 (TensorFlow type ${type} is not supported)`);
    const dims = shapeDims(this.attr('shape')?.shape);
    if (!dims || dims.length !== 4 || !(dims[3]! > 0)) this.fail(`the input must be an image [N, H, W, C] with a fixed C, got ${dims ? `[${dims.join(',')}]` : 'unknown rank'}`);
    const [n, h, w, c] = dims as [number, number, number, number];
    if (n > 0) this.fixedBatch = n;
    const size = (d: number) => (d > 0 ? d : null);
    this.b.input(this.node.name, ['N', c, size(h), size(w)]);
    return this.out(this.node.name, [null, size(h), size(w), c]);
  }

  private binary(ins: Value[], op: { onnx: string; f: (x: number, y: number) => number }): Value {
    const [a, b] = ins;
    if (!a || !b) this.fail('expects two inputs');
    if (a.kind === 'int' && b.kind === 'int') {
      const r = foldBinary(a, b, (x, y) => (x === null || y === null ? null : op.f(x, y)), (m) => this.fail(m));
      return { kind: 'int', dims: r.dims, data: r.data };
    }
    if (a.kind === 'float' && b.kind === 'float') {
      const r = foldBinary(a, b, op.f, (m) => this.fail(m));
      return { kind: 'float', dims: r.dims, data: Float32Array.from(r.data) };
    }
    const dims = broadcastDims<number | null>(a.dims, b.dims, (m) => this.fail(m));
    return this.out(this.b.op(op.onnx, [this.operand(a, dims.length), this.operand(b, dims.length)]), dims);
  }

  private unary(x: Value | undefined, onnx: string | undefined, f: (x: number) => number): Value {
    if (x?.kind === 'float') return { kind: 'float', dims: x.dims, data: x.data.map(f) };
    const t = this.tensor(x, 'the input');
    const name = onnx ? this.b.op(onnx, [t.name]) : this.b.op('Reciprocal', [this.b.op('Sqrt', [t.name])]);
    return this.out(name, t.dims);
  }

  private withAttrs(x: Value | undefined, op: string, attrs: Parameters<GraphBuilder['op']>[2]): Tensor {
    const t = this.tensor(x, 'the input');
    return this.out(this.b.op(op, [t.name], attrs), t.dims);
  }

  private clip(x: Value | undefined, lo: number, hi: number): Tensor {
    const t = this.tensor(x, 'the input');
    return this.out(this.b.op('Clip', [t.name, this.b.constFloat('lo', [], [lo]), this.b.constFloat('hi', [], [hi])]), t.dims);
  }

  private softmax(x: Value | undefined): Tensor {
    const t = this.tensor(x, 'the input');
    // TensorFlow normalises over the last axis: the channels of a rank-4 value, which NCHW keeps at 1.
    return this.out(this.b.op('Softmax', [t.name], { axis: t.dims.length === 4 ? 1 : -1 }), t.dims);
  }

  /** Spatial output sizes and ONNX window attributes of a conv or pool over `x`. */
  private window(x: Tensor['dims'], k: [number, number], s: [number, number], d: [number, number]): { dims: (number | null)[]; attrs: Record<string, AttrInput> } {
    const padding = this.str('padding');
    const fail = (m: string) => this.fail(m);
    if (padding === 'EXPLICIT') {
      const p = this.ints('explicit_paddings');
      if (p.length !== 8 || p[0] || p[1] || p[6] || p[7]) this.fail(`explicit_paddings [${p}] must pad H and W only`);
      const size = (i: 1 | 2) => {
        const n = x[i] ?? null;
        return n === null ? null : Math.floor((n + p[2 * i]! + p[2 * i + 1]! - ((k[i - 1]! - 1) * d[i - 1]! + 1)) / s[i - 1]!) + 1;
      };
      return { dims: [size(1), size(2)], attrs: { pads: [p[2]!, p[4]!, p[3]!, p[5]!] } };
    }
    const [h, w] = [x[1] ?? null, x[2] ?? null];
    if (h === null || w === null) {
      // Without static sizes the pads are left to ONNX, whose SAME_UPPER is TensorFlow's SAME.
      if (padding !== 'SAME' && padding !== 'VALID') this.fail(`padding '${padding}' is not supported (SAME, VALID, EXPLICIT)`);
      return { dims: [null, null], attrs: { auto_pad: padding === 'SAME' ? 'SAME_UPPER' : 'VALID' } };
    }
    const [oh, top, bottom] = tfWindow(h, k[0], s[0], d[0], padding, fail);
    const [ow, left, right] = tfWindow(w, k[1], s[1], d[1], padding, fail);
    return { dims: [oh, ow], attrs: { pads: [top, left, bottom, right] } };
  }

  /** A 4-element NHWC attribute (strides, ksize, dilations) that must be 1 on N and C; returns (H, W). */
  private spatial(key: string): [number, number] {
    const v = this.ints(key, [1, 1, 1, 1]);
    if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) this.fail(`'${key}' [${v}] must be [1, h, w, 1]`);
    return [v[1]!, v[2]!];
  }

  private conv(ins: Value[], depthwise: boolean): Tensor {
    this.nhwcOnly();
    const x = this.image(ins[0]);
    const f = this.floatConst(ins[1], 'the filter');
    if (f.dims.length !== 4) this.fail(`the filter must be [kh, kw, in, out], got [${f.dims}]`);
    const [kh, kw, cin, cm] = f.dims as [number, number, number, number];
    const channels = x.dims[3] ?? this.fail('the input channels are not fixed');
    let weight: Float32Array;
    let wDims: number[];
    let group: number;
    let cout: number;
    if (depthwise) {
      if (cin !== channels) this.fail(`the filter reads ${cin} channels; the input has ${channels}`);
      weight = depthwiseToOihw(f.data, f.dims);
      cout = cin * cm;
      wDims = [cout, 1, kh, kw];
      group = cin;
    } else {
      if (channels % cin !== 0) this.fail(`the filter reads ${cin} channels; the input has ${channels}`);
      weight = kernelToOihw(f.data, f.dims);
      cout = cm;
      wDims = [cout, cin, kh, kw];
      group = channels / cin;
    }
    const s = this.spatial('strides');
    const d = this.spatial('dilations');
    const win = this.window(x.dims, [kh, kw], s, d);
    const y = this.b.op('Conv', [x.name, this.b.constFloat(`${this.node.name}/weights`, wDims, weight)], {
      kernel_shape: [kh, kw], strides: s, dilations: d, group, ...win.attrs,
    });
    return this.out(y, [x.dims[0], win.dims[0]!, win.dims[1]!, cout]);
  }

  private pool(v: Value | undefined, op: 'MaxPool' | 'AveragePool'): Tensor {
    this.nhwcOnly();
    const x = this.image(v);
    const k = this.spatial('ksize');
    const s = this.spatial('strides');
    const win = this.window(x.dims, k, s, [1, 1]);
    // TensorFlow's AvgPool divides by the pixels inside the image (ONNX's count_include_pad 0, the default).
    const y = this.b.op(op, [x.name], { kernel_shape: k, strides: s, ...win.attrs });
    return this.out(y, [x.dims[0], win.dims[0]!, win.dims[1]!, x.dims[3]]);
  }

  /** Inference batch norm: y = x·scale/√(var+ε) + (offset − mean·scale/√(var+ε)), folded into one Mul and Add. */
  private batchNorm(ins: Value[]): Tensor {
    this.nhwcOnly();
    if (this.bool('is_training', true)) this.fail('is_training is true: freeze the graph in inference mode');
    const x = this.image(ins[0]);
    const [scale, offset, mean, variance] = ['scale', 'offset', 'mean', 'variance'].map((what, i) => this.floatConst(ins[i + 1], what).data);
    const eps = this.num('epsilon', 1e-4);
    const channels = scale!.length;
    if ([offset, mean, variance].some((p) => p!.length !== channels) || (x.dims[3] !== null && x.dims[3] !== channels)) {
      this.fail(`parameters of ${[scale, offset, mean, variance].map((p) => p!.length)} values do not match ${x.dims[3]} channels`);
    }
    const mul = scale!.map((g, c) => g / Math.sqrt(variance![c]! + eps));
    const add = offset!.map((o, c) => o - mean![c]! * mul[c]!);
    const y = this.b.op('Add', [
      this.b.op('Mul', [x.name, this.b.constFloat('bn_scale', [1, channels, 1, 1], mul)]),
      this.b.constFloat('bn_shift', [1, channels, 1, 1], add),
    ]);
    return this.out(y, x.dims);
  }

  /** TensorFlow's LRN sums 2r+1 channels and scales by α; ONNX's divides α by the window size. */
  private lrn(v: Value | undefined): Tensor {
    const x = this.image(v);
    const size = 2 * this.num('depth_radius', 5) + 1;
    return this.out(this.b.op('LRN', [x.name], {
      size, alpha: float(this.num('alpha', 1) * size), beta: float(this.num('beta', 0.5)), bias: float(this.num('bias', 1)),
    }), x.dims);
  }

  private axisOf(axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) this.fail(`axis ${axis} is out of range for rank ${rank}`);
    return a;
  }

  private onnxAxis(a: number, rank: number): number {
    return rank === 4 ? NCHW_AXIS[a]! : a;
  }

  private concat(parts: Value[], axisValue: Value | undefined): Value {
    const [axisRaw] = this.intConst(axisValue, 'the axis');
    if (parts.every((p) => p.kind === 'int')) {
      if (parts.some((p) => p.dims.length !== 1)) this.fail('only 1-D integer constants can be concatenated');
      const data = parts.flatMap((p) => (p as IntConst).data);
      return { kind: 'int', dims: [data.length], data };
    }
    const tensors = parts.filter((p): p is Tensor => p.kind === 'tensor');
    const rank = tensors[0]?.dims.length ?? this.fail('concatenates only constants');
    const axis = this.axisOf(axisRaw!, rank);
    const dims = [...tensors[0]!.dims];
    const sizes = parts.map((p) => p.dims[axis] ?? null);
    dims[axis] = sizes.some((s) => s === null) ? null : (sizes as number[]).reduce((a, b) => a + b, 0);
    return this.out(this.b.op('Concat', parts.map((p) => this.operand(p, rank)), { axis: this.onnxAxis(axis, rank) }), dims);
  }

  private mean(ins: Value[]): Tensor {
    const x = this.tensor(ins[0], 'the input');
    const rank = x.dims.length;
    const axes = [...new Set(this.intConst(ins[1], 'the reduction axes').map((a) => this.axisOf(a, rank)))].sort();
    const kept = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
    const y = this.out(this.b.op('ReduceMean', [x.name], { axes: axes.map((a) => this.onnxAxis(a, rank)), keepdims: 1 }), kept);
    return this.bool('keep_dims', false) ? y : this.squeeze(y, axes);
  }

  private squeeze(v: Value | undefined, axesRaw: number[]): Tensor {
    const x = this.tensor(v, 'the input');
    const rank = x.dims.length;
    const axes = axesRaw.length
      ? axesRaw.map((a) => this.axisOf(a, rank))
      : x.dims.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const a of axes) if (x.dims[a] !== 1) this.fail(`cannot squeeze axis ${a} of size ${x.dims[a] ?? 'unknown'}`);
    const dims = x.dims.filter((_, i) => !axes.includes(i));
    // Squeezing an NCHW value directly is right when the kept axes come out in TensorFlow's order.
    const keptOnnxOrder = [0, 1, 2, 3].filter((o) => !axes.map((a) => this.onnxAxis(a, rank)).includes(o)).map((o) => NCHW_AXIS.indexOf(o));
    const direct = rank !== 4 || keptOnnxOrder.every((a, i) => i === 0 || a > keptOnnxOrder[i - 1]!);
    const input = direct ? x.name : this.asNhwc(x);
    const onnxAxes = direct ? axes.map((a) => this.onnxAxis(a, rank)) : axes;
    // The result has rank below 4, so its element order is TensorFlow's either way.
    return this.out(this.b.op('Squeeze', [input, this.b.constInt64('axes', onnxAxes)]), dims);
  }

  private reshape(ins: Value[]): Tensor {
    const x = this.tensor(ins[0], 'the input');
    const target = ins[1];
    if (target?.kind !== 'int' || target.dims.length !== 1) this.fail('the shape must be a 1-D integer tensor that the graph can compute from constants and shapes');
    const shape = target.data.map((d, i) => {
      // The batch: unknown at conversion time, or the size a batch-1 graph fixed. ONNX's 0 copies it.
      if (i === 0 && x.dims[0] === null && (d === null || (this.fixedBatch !== undefined && d === this.fixedBatch))) return 0;
      return d ?? this.fail(`size ${i} of the shape is only known at run time`);
    });
    const known = x.dims.every((d, i) => d !== null || i === 0);
    const perExample = known ? product(x.dims.slice(1) as number[]) : null;
    let dims: (number | null)[] = shape.map((d, i) => (d === 0 ? x.dims[i] ?? null : d === -1 ? null : d));
    if (perExample !== null && shape[0] === 0 && shape.includes(-1)) {
      const rest = product(shape.slice(1).filter((d) => d !== -1));
      dims = dims.map((d, i) => (i > 0 && shape[i] === -1 ? perExample / rest : d));
    }
    // NCHW and NHWC list an example's elements in the same order when it has one pixel or one channel.
    const [, h, w, c] = x.dims;
    const sameOrder = x.dims.length !== 4 || (h === 1 && w === 1) || c === 1;
    const y = this.b.op('Reshape', [sameOrder ? x.name : this.asNhwc(x), this.b.constInt64('shape', shape)]);
    return this.fromNhwc(y, dims);
  }

  private matmul(ins: Value[]): Tensor {
    const a = this.tensor(ins[0], 'the first input');
    if (a.dims.length !== 2 || this.bool('transpose_a', false)) this.fail('the first input must be [N, features], not transposed');
    const w = this.floatConst(ins[1], 'the weights');
    if (w.dims.length !== 2) this.fail(`the weights must be a matrix, got [${w.dims}]`);
    const t = this.bool('transpose_b', false);
    const kn = t ? permute(w.data, w.dims, [1, 0], (n) => new Float32Array(n)) : { dims: w.dims, data: w.data };
    if (a.dims[1] !== null && a.dims[1] !== kn.dims[0]) this.fail(`[${a.dims}] x [${kn.dims}] do not multiply`);
    return this.out(this.b.op('MatMul', [a.name, this.b.constFloat(`${this.node.name}/weights`, kn.dims, kn.data)]), [a.dims[0]!, kn.dims[1]!]);
  }

  private pad(ins: Value[]): Tensor {
    const x = this.tensor(ins[0], 'the input');
    const rank = x.dims.length;
    const p = this.intConst(ins[1], 'the paddings');
    if (p.length !== 2 * rank) this.fail(`paddings of ${p.length} values for rank ${rank}`);
    const mode = this.node.op === 'MirrorPad' ? this.str('mode') : 'CONSTANT';
    if (mode !== 'CONSTANT' && mode !== 'REFLECT') this.fail(`mode '${mode}' is not supported (CONSTANT, REFLECT)`);
    const value = this.node.op === 'PadV2' ? this.floatConst(ins[2], 'the pad value').data[0]! : 0;
    const tfAxisAt = (o: number) => (rank === 4 ? TO_NCHW[o]! : o);
    const pads = [0, 1].flatMap((side) => Array.from({ length: rank }, (_, o) => p[2 * tfAxisAt(o) + side]!));
    const y = this.b.op('Pad', [x.name, this.b.constInt64('pads', pads), this.b.constFloat('pad_value', [], [value])], { mode: mode.toLowerCase() });
    return this.out(y, x.dims.map((d, i) => (d === null ? null : d + p[2 * i]! + p[2 * i + 1]!)));
  }

  // ------------------------------------------------------------------ shape arithmetic (folded)

  private shape(v: Value | undefined): IntConst {
    if (!v) this.fail('has no input');
    return { kind: 'int', dims: [v.dims.length], data: [...v.dims] };
  }

  /** StridedSlice of a 1-D integer value (the shape arithmetic of Flatten and Reshape). */
  private stridedSlice(ins: Value[]): Value {
    const x = ins[0];
    if (x?.kind === 'tensor') return this.sliceTensor(x, ins);
    if (x?.kind !== 'int' || x.dims.length !== 1) this.fail('only slices of computed tensors and of 1-D integer values (shapes) are supported');
    const [begin, end, step] = [1, 2, 3].map((i) => this.intConst(ins[i], 'begin, end and strides'));
    if (begin!.length !== 1 || end!.length !== 1 || step!.length !== 1) this.fail('only 1-D slices are supported');
    if (this.num('ellipsis_mask', 0) || this.num('new_axis_mask', 0)) this.fail('ellipsis and new-axis masks are not supported');
    const n = x.data.length;
    if (this.num('shrink_axis_mask', 0) & 1) {
      const i = begin![0]! < 0 ? begin![0]! + n : begin![0]!;
      if (i < 0 || i >= n) this.fail(`index ${begin![0]} is out of range for ${n} values`);
      return { kind: 'int', dims: [], data: [x.data[i]!] };
    }
    const [from, to, s] = this.sliceRange(0, begin!, end!, step!);
    const data = slicePositions(n, from, to, s).map((i) => x.data[i]!);
    return { kind: 'int', dims: [data.length], data };
  }

  /**
   * A strided slice of a computed tensor (NASNet's pad-then-shift `x[:, 1:, 1:, :]`) as an ONNX Slice over
   * the axes it narrows.
   */
  private sliceTensor(x: Tensor, ins: Value[]): Tensor {
    const rank = x.dims.length;
    const [begin, end, step] = [1, 2, 3].map((i) => this.intConst(ins[i], 'begin, end and strides')) as [number[], number[], number[]];
    if (this.num('ellipsis_mask', 0) || this.num('new_axis_mask', 0) || this.num('shrink_axis_mask', 0)) {
      this.fail('ellipsis, new-axis and shrink-axis masks are not supported on computed tensors');
    }
    if (begin.length > rank || end.length !== begin.length || step.length !== begin.length) this.fail(`begin, end and strides must have one value per axis (at most ${rank})`);
    const slice = { starts: [] as number[], ends: [] as number[], axes: [] as number[], steps: [] as number[] };
    const dims = [...x.dims];
    begin.forEach((_, a) => {
      const [from, to, s] = this.sliceRange(a, begin, end, step);
      if (from === 0 && to === FAR && s === 1) return; // the whole axis
      slice.starts.push(from); slice.ends.push(to); slice.axes.push(this.onnxAxis(a, rank)); slice.steps.push(s);
      dims[a] = x.dims[a] == null ? null : slicePositions(x.dims[a]!, from, to, s).length;
    });
    if (slice.axes.length === 0) return x;
    const c = (what: keyof typeof slice) => this.b.constInt64(`slice_${what}`, slice[what]);
    return this.out(this.b.op('Slice', [x.name, c('starts'), c('ends'), c('axes'), c('steps')]), dims);
  }

  /**
   * Python-style [from, to, step] of axis `a` of a StridedSlice: a begin/end mask bit means "from the start" /
   * "to the end" in the step's direction (FAR stands for past the end).
   */
  private sliceRange(a: number, begin: number[], end: number[], step: number[]): [number, number, number] {
    const s = step[a]!;
    if (s === 0) this.fail('stride 0');
    const from = (this.num('begin_mask', 0) >> a) & 1 ? (s > 0 ? 0 : -1) : begin[a]!;
    const to = (this.num('end_mask', 0) >> a) & 1 ? (s > 0 ? FAR : -FAR) : end[a]!;
    return [from, to, s];
  }

  private pack(ins: Value[]): IntConst {
    if (this.num('axis', 0) !== 0 || ins.some((v) => v.kind !== 'int' || v.dims.length !== 0)) this.fail('only stacks of integer scalars are supported');
    return { kind: 'int', dims: [ins.length], data: ins.map((v) => (v as IntConst).data[0]!) };
  }

  private prod(ins: Value[]): IntConst {
    const x = ins[0];
    if (x?.kind !== 'int' || x.dims.length !== 1) this.fail('only products of 1-D integer values (shapes) are supported');
    this.intConst(ins[1], 'the reduction axes');
    const p = x.data.some((d) => d === null) ? null : product(x.data as number[]);
    return this.bool('keep_dims', false) ? { kind: 'int', dims: [1], data: [p] } : { kind: 'int', dims: [], data: [p] };
  }
}
