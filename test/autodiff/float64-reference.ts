import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { DataType, runtimeInputs, type AttrValue, type Model, type Node, type Tensor, type ValueInfo } from '../../src/onnx/ir.js';
import { probeShapes } from '../../src/runtime/ort-shape-probe.js';
import { upgradeOpset } from '../../src/autodiff/opset.js';
import { SESSION } from './fd-check.js';

/**
 * A float64 copy of a float32 classifier, as the reference forward of whole-model finite-difference checks:
 * float32 cannot resolve a central difference of a deep net along a random direction (see
 * whole-models.test.ts), float64 can.
 *
 * ONNX Runtime's CPU provider has no double kernels for Conv, AveragePool, GlobalAveragePool and LRN, so
 * those are rewritten into ops it does run in double (Pad, Slice, Reshape, MatMul, Add, Div, Pow,
 * ReduceMean); every other op is kept and every float32 tensor becomes float64 with the same values, so the
 * copy computes the same function, only rounded less. The graph is first lifted to opset 17 (the compiler's
 * own lifting, src/autodiff/opset.ts), so the rewrites emit one form of each op. Only what the
 * onnx-light-models use is supported (2-D spatial ops, no ceil_mode, no dilated pooling); anything else throws.
 */

const toDouble = (t: Tensor): Tensor =>
  t.dataType === DataType.FLOAT ? { ...t, dataType: DataType.DOUBLE, data: Float64Array.from(t.data as Float32Array) } : t;

const valueToDouble = (v: ValueInfo): ValueInfo => (v.elemType === DataType.FLOAT ? { ...v, elemType: DataType.DOUBLE } : v);

function ints(node: Node, key: string, fallback: number[]): number[] {
  const a = node.attrs[key];
  if (!a) return fallback;
  if (a.type !== 'ints') throw new Error(`${node.name}: attribute ${key} is not ints`);
  return a.value;
}

function scalar(node: Node, key: string, fallback: number): number {
  const a = node.attrs[key];
  return a && (a.type === 'int' || a.type === 'float') ? a.value : fallback;
}

/** Only the attributes listed may differ from their defaults; the rewrites below handle nothing else. */
function onlyAttrs(node: Node, known: string[]): void {
  const unknown = Object.keys(node.attrs).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${node.name} (${node.opType}): unsupported attributes ${unknown.join(', ')}`);
}

/** Begin/end pads of the two spatial axes, [top, left, bottom, right], from `pads` or `auto_pad`. */
function spatialPads(node: Node, inHW: number[], outHW: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const autoPad = node.attrs['auto_pad']?.type === 'string' ? node.attrs['auto_pad'].value : 'NOTSET';
  if (autoPad === 'NOTSET') return ints(node, 'pads', [0, 0, 0, 0]);
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  // SAME_*: the total pad that makes the (probed) output size, the odd one at the end (UPPER) or begin (LOWER).
  const total = [0, 1].map((a) => Math.max(0, (outHW[a]! - 1) * strides[a]! + (kernel[a]! - 1) * dilations[a]! + 1 - inHW[a]!));
  const small = total.map((t) => Math.floor(t / 2));
  const large = total.map((t) => t - Math.floor(t / 2));
  return autoPad === 'SAME_UPPER' ? [...small, ...large] : [...large, ...small];
}

/** Rewrites one node into double-capable ops, writing its original output name. */
class Lowering {
  constructor(private readonly b: GraphBuilder, private readonly dims: (tensor: string) => number[], private readonly weights: Map<string, Tensor>) {}

  private constDouble(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.b.initializer({ name: prefix, dataType: DataType.DOUBLE, dims, data: Float64Array.from(values) });
  }

  private reshape(x: string, shape: number[], output?: string): string {
    return this.b.node('Reshape', [x, this.b.constInt64('shape', shape)], {}, output ? { outputs: [output] } : {})[0]!;
  }

  /** Zero padding of the two spatial axes of an NCHW tensor (none when all pads are 0). */
  private padHW(x: string, pads: number[]): string {
    if (pads.every((p) => p === 0)) return x;
    return this.b.op('Pad', [x, this.b.constInt64('pads', [0, 0, pads[0]!, pads[1]!, 0, 0, pads[2]!, pads[3]!])]);
  }

  /**
   * The input values that kernel offset (kh, kw) meets at every output position: [N, C, OH, OW], a strided
   * Slice of the padded input. Sliding windows become sums over offsets of such slices.
   */
  private window(xp: string, padded: number[], offset: number[], outHW: number[], strides: number[]): string {
    const starts = offset;
    const ends = [0, 1].map((a) => offset[a]! + (outHW[a]! - 1) * strides[a]! + 1);
    if (starts.every((s) => s === 0) && ends.every((e, a) => e === padded[a]) && strides.every((s) => s === 1)) return xp;
    const c = (v: number[]) => this.b.constInt64('slice', v);
    return this.b.op('Slice', [xp, c(starts), c(ends), c([2, 3]), c(strides)]);
  }

  private sum(terms: string[]): string {
    return terms.reduce((acc, t) => this.b.op('Add', [acc, t]));
  }

  /**
   * Conv as Σ over kernel offsets of W[:, :, kh, kw] · window(kh, kw). Groups ride along as a MatMul batch
   * axis: the weight slice is [G, O/G, C/G] and the window [N, G, C/G, OH·OW], which also covers depthwise
   * convolutions without one node per channel.
   */
  conv(node: Node): void {
    onlyAttrs(node, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
    const [x, w, bias] = node.inputs as [string, string, string?];
    const weight = this.weights.get(w);
    if (!weight) throw new Error(`${node.name}: the Conv weight '${w}' is not an initializer`);
    const [n, c, h, wd] = this.dims(x) as [number, number, number, number];
    const [, o, oh, ow] = this.dims(node.outputs[0]!) as [number, number, number, number];
    if (weight.dims.length !== 4) throw new Error(`${node.name}: only 2-D convolutions are supported`);
    const [, cg, kh, kw] = weight.dims as [number, number, number, number];
    const groups = scalar(node, 'group', 1);
    const og = o / groups;
    if (cg * groups !== c) throw new Error(`${node.name}: ${c} input channels do not match ${groups} groups of ${cg}`);
    const strides = ints(node, 'strides', [1, 1]);
    const dilations = ints(node, 'dilations', [1, 1]);
    const pads = spatialPads(node, [h, wd], [oh, ow], [kh, kw], strides, dilations);
    const xp = this.padHW(x, pads);
    const padded = [h + pads[0]! + pads[2]!, wd + pads[1]! + pads[3]!];
    const wData = weight.data as Float32Array;
    const terms: string[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const slice = new Float64Array(o * cg);
        for (let k = 0; k < o * cg; k++) slice[k] = wData[(k * kh + i) * kw + j]!;
        const win = this.reshape(this.window(xp, padded, [i * dilations[0]!, j * dilations[1]!], [oh, ow], strides), [n, groups, cg, oh * ow]);
        terms.push(this.b.op('MatMul', [this.constDouble(`${w}_${i}_${j}`, [groups, og, cg], slice), win]));
      }
    }
    let y = this.sum(terms);
    if (bias) y = this.b.op('Add', [y, this.reshape(bias, [groups, og, 1])]);
    this.reshape(y, [n, o, oh, ow], node.outputs[0]!);
  }

  /** AveragePool as the sum over window offsets of strided slices of the zero-padded input, over the window count. */
  averagePool(node: Node): void {
    onlyAttrs(node, ['auto_pad', 'ceil_mode', 'count_include_pad', 'kernel_shape', 'pads', 'strides']);
    if (scalar(node, 'ceil_mode', 0) !== 0) throw new Error(`${node.name}: ceil_mode is not supported`);
    const x = node.inputs[0]!;
    const [, , h, wd] = this.dims(x) as [number, number, number, number];
    const [, , oh, ow] = this.dims(node.outputs[0]!) as [number, number, number, number];
    const kernel = ints(node, 'kernel_shape', []);
    if (kernel.length !== 2) throw new Error(`${node.name}: only 2-D pooling is supported`);
    const strides = ints(node, 'strides', [1, 1]);
    const pads = spatialPads(node, [h, wd], [oh, ow], kernel, strides, [1, 1]);
    const xp = this.padHW(x, pads);
    const padded = [h + pads[0]! + pads[2]!, wd + pads[1]! + pads[3]!];
    const terms: string[] = [];
    for (let i = 0; i < kernel[0]!; i++) {
      for (let j = 0; j < kernel[1]!; j++) terms.push(this.window(xp, padded, [i, j], [oh, ow], strides));
    }
    // By default (count_include_pad = 0) a window at the border averages over its real pixels only.
    const includePad = scalar(node, 'count_include_pad', 0) === 1;
    const inside = (out: number, axis: number) => {
      const start = out * strides[axis]! - pads[axis]!;
      const extent = axis === 0 ? h : wd;
      return includePad ? kernel[axis]! : Math.min(start + kernel[axis]!, extent) - Math.max(start, 0);
    };
    const counts = Array.from({ length: oh * ow }, (_, k) => inside(Math.floor(k / ow), 0) * inside(k % ow, 1));
    this.b.node('Div', [this.sum(terms), this.constDouble('count', [1, 1, oh, ow], counts)], {}, { outputs: [node.outputs[0]!] });
  }

  globalAveragePool(node: Node): void {
    const rank = this.dims(node.inputs[0]!).length;
    const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
    this.b.node('ReduceMean', [node.inputs[0]!], { axes, keepdims: 1 }, { outputs: [node.outputs[0]!] });
  }

  /** LRN: x / (bias + alpha/size · Σ x² over channels c − ⌊(size−1)/2⌋ .. c + ⌈(size−1)/2⌉)^beta. */
  lrn(node: Node): void {
    onlyAttrs(node, ['alpha', 'beta', 'bias', 'size']);
    const x = node.inputs[0]!;
    const xDims = this.dims(x);
    const c = xDims[1]!;
    const size = scalar(node, 'size', 0);
    const before = Math.floor((size - 1) / 2);
    const after = Math.ceil((size - 1) / 2);
    const rank = xDims.length;
    const padsC = (p: number) => Array.from({ length: rank }, (_, a) => (a === 1 ? p : 0));
    const squares = this.b.op('Mul', [x, x]);
    // Zero channels on both sides make every window the same `size` slices wide, clipped windows included.
    const padded = this.b.op('Pad', [squares, this.b.constInt64('pads', [...padsC(before), ...padsC(after)])]);
    const terms = Array.from({ length: size }, (_, j) => {
      const c64 = (v: number[]) => this.b.constInt64('slice', v);
      return this.b.op('Slice', [padded, c64([j]), c64([j + c]), c64([1])]);
    });
    const alpha = scalar(node, 'alpha', 1e-4);
    const base = this.b.op('Add', [
      this.b.op('Mul', [this.sum(terms), this.constDouble('alpha_over_size', [], [alpha / size])]),
      this.constDouble('bias', [], [scalar(node, 'bias', 1)]),
    ]);
    const denominator = this.b.op('Pow', [base, this.constDouble('beta', [], [scalar(node, 'beta', 0.75)])]);
    this.b.node('Div', [x, denominator], {}, { outputs: [node.outputs[0]!] });
  }
}

/** Attributes holding float32 constants (Constant, ConstantOfShape) made float64. */
function doubleAttrs(node: Node): Record<string, AttrValue> {
  if (node.opType === 'Cast' && scalar(node, 'to', 0) === DataType.FLOAT) throw new Error(`${node.name}: a Cast to float32 would round the reference`);
  if (node.opType === 'Constant' && (node.attrs['value_float'] || node.attrs['value_floats'])) {
    throw new Error(`${node.name}: Constant value_float(s) is not supported`);
  }
  return Object.fromEntries(Object.entries(node.attrs).map(([k, a]): [string, AttrValue] => [k, a.type === 'tensor' ? { type: 'tensor', value: toDouble(a.value) } : a]));
}

/**
 * The float64 model computing what the float32 `model` computes (see above). `model` is left unchanged; its
 * single input must declare a static shape, which fixes the shapes the rewrites need.
 */
export async function float64Model(model: Model): Promise<Model> {
  const lifted: Model = {
    ...model,
    irVersion: Math.max(model.irVersion, 8),
    graph: {
      ...model.graph,
      nodes: [...model.graph.nodes],
      initializers: [...model.graph.initializers],
      inputs: [...model.graph.inputs],
      outputs: [...model.graph.outputs],
      valueInfo: [],
    },
  };
  upgradeOpset(lifted);
  const inputs = runtimeInputs(lifted.graph);
  const shapes = await probeShapes(lifted, Object.fromEntries(inputs.map((i) => [i.name, i.shape as number[]])), 'float64 reference');
  const dims = (tensor: string) => {
    const s = shapes.get(tensor);
    if (!s) throw new Error(`no shape for ${tensor}`);
    return s.dims;
  };

  const g = lifted.graph;
  const weights = new Map(g.initializers.map((t) => [t.name, t]));
  const nodes = g.nodes;
  g.initializers = g.initializers.map(toDouble);
  g.inputs = g.inputs.map(valueToDouble);
  g.outputs = g.outputs.map(valueToDouble);
  const b = new GraphBuilder(g);
  g.nodes = [];
  const lower = new Lowering(b, dims, weights);
  for (const node of nodes) {
    switch (node.opType) {
      case 'Conv': lower.conv(node); break;
      case 'AveragePool': lower.averagePool(node); break;
      case 'GlobalAveragePool': lower.globalAveragePool(node); break;
      case 'LRN': lower.lrn(node); break;
      default: g.nodes.push({ ...node, inputs: [...node.inputs], outputs: [...node.outputs], attrs: doubleAttrs(node) });
    }
  }
  return lifted;
}

/** Values of named tensors of a model (made extra graph outputs) at given feeds. */
export async function tensorValues(model: Model, feeds: Record<string, ort.Tensor>, names: string[]): Promise<Map<string, ort.Tensor>> {
  const extra = names.filter((n) => !model.graph.outputs.some((o) => o.name === n)).map((name) => ({ name, elemType: DataType.UNDEFINED }));
  const probe: Model = { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra] } };
  const session = await ort.InferenceSession.create(encodeModel(probe), SESSION);
  try {
    const out = await session.run(feeds, names);
    return new Map(names.map((n) => [n, out[n]!]));
  } finally {
    await session.release();
  }
}

/**
 * The tensors adoptFloat32Branches reads: the inputs of a model's kinks (Relu, MaxPool), where float32 and
 * float64 may branch differently, and the MaxPool outputs (for their shapes).
 */
export function kinkTensors(m: Model): string[] {
  const kinks = m.graph.nodes.filter((n) => n.opType === 'Relu' || n.opType === 'MaxPool');
  return [...new Set([...kinks.map((n) => n.inputs[0]!), ...kinks.filter((n) => n.opType === 'MaxPool').map((n) => n.outputs[0]!)])];
}

/** The index of the first maximum of every MaxPool window (2-D, NCHW, pads, no dilation or ceil_mode). */
function windowArgmax(node: Node, values: ArrayLike<number>, inDims: number[], outDims: number[]): Int32Array {
  onlyAttrs(node, ['kernel_shape', 'pads', 'strides']);
  const [n, c, h, w] = inDims as [number, number, number, number];
  const [, , oh, ow] = outDims as [number, number, number, number];
  const [kh, kw] = ints(node, 'kernel_shape', []) as [number, number];
  const [sh, sw] = ints(node, 'strides', [1, 1]) as [number, number];
  const [pt, pl] = ints(node, 'pads', [0, 0, 0, 0]) as [number, number];
  const out = new Int32Array(n * c * oh * ow);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++, o++) {
        let best = -1;
        for (let u = 0; u < kh; u++) {
          for (let v = 0; v < kw; v++) {
            const iy = y * sh - pt + u;
            const ix = x * sw - pl + v;
            if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
            const i = (plane * h + iy) * w + ix;
            if (best < 0 || values[i]! > values[best]!) best = i;
          }
        }
        out[o] = best;
      }
    }
  }
  return out;
}

/**
 * Makes the float64 copy take, at the point its values `at64` were read, the branches float32 took there
 * (`at32`, the same tensors from the float32 graph whose gradient is checked). A few units per model sit
 * within float32 rounding of a kink (a ReLU input ~1e-7 from 0, two MaxPool inputs 2e-7 apart), where the
 * two precisions branch differently and the float32 gradient is not the float64 function's derivative.
 * - a flipped ReLU unit is fixed on float32's side: y = Relu(x)·keep + x·on, with constant masks;
 * - a MaxPool window whose float64 maximum sits elsewhere has float32's maximum raised by a constant just
 *   above it (constants change no derivative).
 * Edits `m64` in place; returns how many units and windows were pinned.
 */
export function adoptFloat32Branches(m64: Model, at32: Map<string, ort.Tensor>, at64: Map<string, ort.Tensor>): { relu: number; maxPool: number } {
  const g = m64.graph;
  const b = new GraphBuilder(g);
  const pinned = { relu: 0, maxPool: 0 };
  const before = new Map<Node, Node[]>();
  const after = new Map<Node, Node[]>();
  const constant = (dims: number[], data: Float64Array) => b.initializer({ name: 'pin', dataType: DataType.DOUBLE, dims, data });
  for (const node of g.nodes) {
    const input = node.inputs[0]!;
    const a = at32.get(input);
    const c = at64.get(input);
    if (!a || !c) continue;
    const f32 = a.data as Float32Array;
    const f64 = c.data as Float64Array;
    const dims = c.dims as number[];
    if (node.opType === 'Relu') {
      const keep = new Float64Array(f64.length).fill(1);
      const on = new Float64Array(f64.length);
      let flips = 0;
      for (let i = 0; i < f64.length; i++) {
        if (f32[i]! > 0 === f64[i]! > 0) continue;
        flips++;
        keep[i] = 0;
        on[i] = f32[i]! > 0 ? 1 : 0;
      }
      if (flips === 0) continue;
      pinned.relu += flips;
      const output = node.outputs[0]!;
      const raw = b.fresh(`${output}_unpinned`);
      node.outputs[0] = raw;
      const mask = (data: Float64Array) => constant(dims, data);
      const kept = { name: b.fresh('pin_keep'), opType: 'Mul', domain: '', inputs: [raw, mask(keep)], outputs: [b.fresh('pin_kept')], attrs: {} };
      const forced = { name: b.fresh('pin_on'), opType: 'Mul', domain: '', inputs: [input, mask(on)], outputs: [b.fresh('pin_forced')], attrs: {} };
      const sum = { name: b.fresh('pin_sum'), opType: 'Add', domain: '', inputs: [kept.outputs[0]!, forced.outputs[0]!], outputs: [output], attrs: {} };
      after.set(node, [kept, forced, sum]);
    } else if (node.opType === 'MaxPool') {
      const outDims = at64.get(node.outputs[0]!)?.dims as number[] | undefined;
      if (!outDims) throw new Error(`${node.name}: the MaxPool output values are needed`);
      const w32 = windowArgmax(node, f32, dims, outDims);
      const w64 = windowArgmax(node, f64, dims, outDims);
      const bump = new Float64Array(f64.length);
      let flips = 0;
      for (let o = 0; o < w32.length; o++) {
        if (w32[o] === w64[o]) continue;
        flips++;
        bump[w32[o]!] = Math.max(bump[w32[o]!]!, f64[w64[o]!]! - f64[w32[o]!]! + 1e-6);
      }
      if (flips === 0) continue;
      pinned.maxPool += flips;
      const raised = { name: b.fresh('pin_raise'), opType: 'Add', domain: '', inputs: [input, constant(dims, bump)], outputs: [b.fresh(`${input}_pinned`)], attrs: {} };
      node.inputs[0] = raised.outputs[0]!;
      before.set(node, [raised]);
    }
  }
  g.nodes = g.nodes.flatMap((n) => [...(before.get(n) ?? []), n, ...(after.get(n) ?? [])]);
  return pinned;
}

/** A forward session of the float64 copy of a float32 model. */
export class Float64Forward {
  private constructor(private readonly session: ort.InferenceSession, private readonly input: ValueInfo, private readonly output: string) {}

  /** `prepare` may edit the float64 model before its session is made (see adoptFloat32Branches). */
  static async create(model: Model, prepare?: (m64: Model) => Promise<void>): Promise<Float64Forward> {
    const m = await float64Model(model);
    await prepare?.(m);
    const session = await ort.InferenceSession.create(encodeModel(m), SESSION);
    return new Float64Forward(session, runtimeInputs(m.graph)[0]!, m.graph.outputs[0]!.name);
  }

  /** The model's first output at `x` (laid out like the model input). */
  async run(x: Float64Array): Promise<Float64Array> {
    const result = await this.session.run({ [this.input.name]: new ort.Tensor('float64', x, this.input.shape as number[]) });
    return result[this.output]!.data as Float64Array;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
