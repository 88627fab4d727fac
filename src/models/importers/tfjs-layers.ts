/**
 * Converts a TF.js layers model (model.json in Keras 2 format plus binary weight shards) into an ONNX graph.
 *
 * Keras works channels-last; our graphs work channels-first like every other model we run, so weights are
 * transposed once here and image tensors stay NCHW throughout. Element order only matters where a layer
 * looks across positions and channels at once (Flatten, Reshape, the output); those places say how.
 */
import { readFile } from 'node:fs/promises';
import { messageOf, UserError } from '../../core/errors.js';
import { float, GraphBuilder, modelOf, type AttrInput } from '../../onnx/builder.js';
import { encodeModel } from '../../onnx/codec.js';
import { emptyGraph, type Model } from '../../onnx/ir.js';
import { sha256, type ImportedModel, type ModelFile } from './model-file.js';
import { isObject, parseTopology, type Config, type Fail, type Layer, type Ref, type Topology } from './tfjs-topology.js';
import { readWeights, type Weight } from './tfjs-weights.js';
import { depthwiseToOihw, kernelToOihw, tfWindow, transpose4 } from './tf-conventions.js';

/** A tensor of the graph being built. */
interface Value {
  name: string;
  /** Keras shape without the batch axis. Rank-3 (image) values are stored NCHW; others as Keras has them. */
  shape: number[];
  /**
   * Set on a Flatten of an NCHW image: the features are in (C, H, W) order rather than Keras's (H, W, C).
   * A following Dense absorbs this by permuting its weight rows; other consumers reorder (`inKerasOrder`).
   */
  chw?: [number, number, number];
}

/** Layers that only act in training. */
const IDENTITY = new Set(['Dropout', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** Elementwise merge layers: the ONNX op that folds two inputs together. */
const MERGES: Record<string, string> = { Add: 'Add', Average: 'Add', Multiply: 'Mul', Maximum: 'Max', Minimum: 'Min' };

/** A TF.js layers model.json with its shards; its sha256 is of the converted model, the shards having no one file. */
export async function readTfjsLayers({ path }: ModelFile): Promise<ImportedModel> {
  const model = await importTfjsLayers(path);
  return { model, sha256: sha256(encodeModel(model)) };
}

/**
 * Reads `modelJsonPath` and its weight shards and returns an opset-17 model with input `input`
 * (float32 [N, C, H, W]) and output `output` ([N, classes], whatever the last layer produces).
 */
export async function importTfjsLayers(modelJsonPath: string): Promise<Model> {
  const fail: Fail = (message) => { throw new UserError(`${modelJsonPath}: ${message}`); };
  let text: string;
  try {
    text = await readFile(modelJsonPath, 'utf8');
  } catch (err) {
    throw new UserError(`${modelJsonPath}: cannot read the TF.js model.json (${messageOf(err)})`);
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON (${messageOf(err)})`);
  }
  if (!isObject(root)) fail('not a TF.js model.json (expected a JSON object)');
  const topology = parseTopology(root as Config, fail);
  const weights = await readWeights((root as Config).weightsManifest, modelJsonPath);
  return new Converter(topology, weights, fail).convert();
}

/** Typed access to one layer's config; every error names the layer. */
class LayerConfig {
  constructor(readonly layer: Layer, private readonly failWith: Fail) {}

  fail(message: string): never {
    return this.failWith(`layer '${this.layer.name}' (${this.layer.className}): ${message}`);
  }

  private get(key: string): unknown {
    return this.layer.config[key];
  }

  num(key: string, dflt?: number): number {
    const v = this.get(key) ?? dflt;
    return typeof v === 'number' ? v : this.fail(`'${key}' must be a number, got ${JSON.stringify(v)}`);
  }

  optNum(key: string): number | undefined {
    return this.get(key) == null ? undefined : this.num(key);
  }

  str(key: string, dflt?: string): string {
    const v = this.get(key) ?? dflt;
    return typeof v === 'string' ? v : this.fail(`'${key}' must be a string, got ${JSON.stringify(v)}`);
  }

  bool(key: string, dflt: boolean): boolean {
    const v = this.get(key) ?? dflt;
    return typeof v === 'boolean' ? v : this.fail(`'${key}' must be true or false, got ${JSON.stringify(v)}`);
  }

  /** An (height, width) pair, which Keras also accepts as a single number. */
  pair(key: string, dflt?: [number, number]): [number, number] {
    const v = this.get(key) ?? dflt;
    if (Number.isInteger(v)) return [v as number, v as number];
    if (Array.isArray(v) && v.length === 2 && v.every(Number.isInteger)) return [v[0], v[1]];
    return this.fail(`'${key}' must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  }

  ints(key: string): number[] {
    const v = this.get(key);
    return Array.isArray(v) && v.every(Number.isInteger) ? v : this.fail(`'${key}' must be a list of integers`);
  }

  /** A Keras axis (which counts the batch axis; -1 is the last) as an index into the shape without batch. */
  axis(key: string, rank: number): number {
    const v = this.get(key) ?? -1;
    const raw = Array.isArray(v) && v.length === 1 ? v[0] : v; // newer Keras writes [axis]
    const a = Number.isInteger(raw) ? (raw < 0 ? raw + rank + 1 : raw) - 1 : -1;
    return a >= 0 && a < rank ? a : this.fail(`axis ${JSON.stringify(v)} is not supported for a rank-${rank + 1} tensor`);
  }
}

/** The ONNX axis of Keras shape index `a` (batch excluded), given how values of that rank are stored. */
const onnxAxis = (rank: number, a: number): number => (rank === 3 ? [2, 3, 1][a]! : a + 1);

class Converter {
  private readonly b: GraphBuilder;
  private readonly layers = new Map<string, Layer>();
  /** Outputs of layer calls converted so far, by `layer:node`. */
  private readonly values = new Map<string, Value>();
  private readonly pending = new Set<string>();

  constructor(private readonly topology: Topology, private readonly weights: Map<string, Weight>, private readonly fail: Fail) {
    this.b = new GraphBuilder(emptyGraph(topology.name));
    for (const l of topology.layers) {
      if (this.layers.has(l.name)) fail(`two layers are named '${l.name}'`);
      this.layers.set(l.name, l);
    }
  }

  convert(): Model {
    const { inputs, outputs } = this.topology;
    if (inputs.length !== 1 || outputs.length !== 1) {
      this.fail(`the model has ${inputs.length} inputs and ${outputs.length} outputs; only one of each is supported`);
    }
    const [inputName, inputNode] = inputs[0]!;
    const inputLayer = this.layers.get(inputName);
    if (inputLayer?.className !== 'InputLayer') this.fail(`input '${inputName}' is not an InputLayer`);
    this.values.set(`${inputName}:${inputNode}`, this.input(new LayerConfig(inputLayer!, this.fail)));
    // Reserved so that no intermediate value takes the name the final output gets.
    this.b.fresh('output');

    const last = this.inKerasOrder(this.resolve(outputs[0]!));
    if (last.shape.length !== 1) this.fail(`the output has shape [${last.shape}]; expected [batch, classes]`);
    if (last.name === 'input') this.fail('the model has no layers between its input and its output');
    for (const n of this.b.graph.nodes) {
      n.outputs = n.outputs.map((o) => (o === last.name ? 'output' : o));
      n.inputs = n.inputs.map((i) => (i === last.name ? 'output' : i));
    }
    this.b.output('output', ['N', last.shape[0]!]);
    return modelOf(this.b.graph);
  }

  private input(cfg: LayerConfig): Value {
    const shape = cfg.layer.config.batch_input_shape ?? cfg.layer.config.batch_shape;
    if (!Array.isArray(shape) || shape.length !== 4 || !shape.slice(1).every((d) => Number.isInteger(d) && d > 0)) {
      cfg.fail(`the input must be an image [batch, height, width, channels] of fixed size, got ${JSON.stringify(shape)}`);
    }
    const [h, w, c] = (shape as number[]).slice(1) as [number, number, number];
    return { name: this.b.input('input', ['N', c, h, w]), shape: [h, w, c] };
  }

  /** Converts the layer call that `ref` points to, after the calls it reads from (depth first, memoised). */
  private resolve([layerName, node, tensor]: Ref): Value {
    const key = `${layerName}:${node}`;
    const done = this.values.get(key);
    if (done) return done;
    const layer = this.layers.get(layerName) ?? this.fail(`layer '${layerName}' is used but not defined`);
    const cfg = new LayerConfig(layer, this.fail);
    if (layer.className === 'InputLayer') cfg.fail('only one input is supported');
    if (tensor !== 0) cfg.fail(`has no output ${tensor}; layers with several outputs are not supported`);
    if (this.pending.has(key)) cfg.fail('depends on its own output');
    const inbound = layer.inbound[node] ?? cfg.fail(`has no call ${node}`);
    this.pending.add(key);
    const value = this.layer(cfg, inbound.map((ref) => this.resolve(ref)));
    this.pending.delete(key);
    this.values.set(key, value);
    return value;
  }

  private layer(cfg: LayerConfig, xs: Value[]): Value {
    const { className } = cfg.layer;
    if ((cfg.layer.config.data_format ?? 'channels_last') !== 'channels_last') cfg.fail('only channels_last is supported');
    if (className in MERGES) return this.merge(cfg, xs);
    if (className === 'Concatenate') return this.concatenate(cfg, xs);
    if (xs.length !== 1) cfg.fail(`expects one input, got ${xs.length}`);
    const x = xs[0]!;
    if (IDENTITY.has(className)) return x;
    switch (className) {
      case 'Conv2D': return this.conv2d(cfg, x);
      case 'DepthwiseConv2D': return this.depthwise(cfg, x, this.depthwiseBias(cfg, x));
      case 'SeparableConv2D': return this.separable(cfg, x);
      case 'Dense': return this.dense(cfg, x);
      case 'BatchNormalization': return this.batchNorm(cfg, x);
      case 'ReLU': return this.relu(cfg, x);
      case 'LeakyReLU': return this.unary(x, 'LeakyRelu', { alpha: float(cfg.optNum('alpha') ?? cfg.num('negative_slope', 0.3)) });
      case 'Activation': return this.activation(cfg, x, cfg.str('activation'));
      case 'Softmax': return this.unary(x, 'Softmax', { axis: onnxAxis(x.shape.length, cfg.axis('axis', x.shape.length)) });
      case 'MaxPooling2D': return this.pool(cfg, x, 'MaxPool');
      case 'AveragePooling2D': return this.pool(cfg, x, 'AveragePool');
      case 'GlobalAveragePooling2D': return this.globalPool(cfg, x, 'ReduceMean');
      case 'GlobalMaxPooling2D': return this.globalPool(cfg, x, 'ReduceMax');
      case 'ZeroPadding2D': return this.zeroPad(cfg, x);
      case 'Flatten': return this.flatten(x);
      case 'Reshape': return this.reshape(cfg, x);
      case 'Rescaling': return this.rescale(cfg, x);
      default: return cfg.fail('this layer type is not supported');
    }
  }

  // ------------------------------------------------------------------------------------------- helpers

  /** A weight of the layer, stored as `layer/key` (or under an enclosing scope, `.../layer/key`). */
  private weight(cfg: LayerConfig, key: string, shape: number[]): Float32Array {
    const name = `${cfg.layer.name}/${key}`;
    let w = this.weights.get(name);
    if (!w) for (const [n, v] of this.weights) if (n.endsWith(`/${name}`)) w = v;
    if (!w) return cfg.fail(`weight '${name}' is not in the weightsManifest`);
    if (w.shape.join() !== shape.join()) cfg.fail(`weight '${name}' has shape [${w.shape}], expected [${shape}]`);
    return w.values;
  }

  private bias(cfg: LayerConfig, size?: number): Float32Array | undefined {
    return cfg.bool('use_bias', true) ? this.weight(cfg, 'bias', [size ?? cfg.num('filters')]) : undefined;
  }

  private image(cfg: LayerConfig, x: Value): [number, number, number] {
    if (x.shape.length !== 3) cfg.fail(`expects an image [height, width, channels], got [${x.shape}]`);
    return x.shape as [number, number, number];
  }

  private unary(x: Value, op: string, attrs: Record<string, AttrInput> = {}): Value {
    return { ...x, name: this.b.op(op, [x.name], attrs) };
  }

  private scalar(value: number): string {
    return this.b.constFloat('const', [], [value]);
  }

  /** Undoes a Flatten's (C, H, W) feature order for consumers that need Keras's order. */
  private inKerasOrder(x: Value): Value {
    if (!x.chw) return x;
    const [c, h, w] = x.chw;
    const nchw = this.b.op('Reshape', [x.name, this.b.constInt64('shape', [-1, c, h, w])]);
    const nhwc = this.b.op('Transpose', [nchw], { perm: [0, 2, 3, 1] });
    return { name: this.b.op('Flatten', [nhwc], { axis: 1 }), shape: x.shape };
  }

  // -------------------------------------------------------------------------------------------- layers

  /** A 2-D convolution of an NCHW image with an OIHW kernel; strides, dilation and padding from the config. */
  private convolve(cfg: LayerConfig, x: Value, kernel: Float32Array, oihw: number[], bias: Float32Array | undefined, group = 1, key = 'kernel'): Value {
    const [h, w] = this.image(cfg, x);
    const [kh, kw] = [oihw[2]!, oihw[3]!];
    const strides = cfg.pair('strides', [1, 1]);
    const dilations = cfg.pair('dilation_rate', [1, 1]);
    const padding = cfg.str('padding', 'valid');
    const [oh, top, bottom] = tfWindow(h, kh, strides[0], dilations[0], padding, (msg) => cfg.fail(msg));
    const [ow, left, right] = tfWindow(w, kw, strides[1], dilations[1], padding, (msg) => cfg.fail(msg));
    const inputs = [x.name, this.b.constFloat(`${cfg.layer.name}/${key}`, oihw, kernel)];
    if (bias) inputs.push(this.b.constFloat(`${cfg.layer.name}/bias`, [oihw[0]!], bias));
    const name = this.b.op('Conv', inputs, {
      kernel_shape: [kh, kw], strides, dilations, pads: [top, left, bottom, right], group,
    }, cfg.layer.name);
    return { name, shape: [oh, ow, oihw[0]!] };
  }

  private conv2d(cfg: LayerConfig, x: Value): Value {
    const [kh, kw] = cfg.pair('kernel_size');
    const shape = [kh, kw, this.image(cfg, x)[2], cfg.num('filters')];
    const kernel = kernelToOihw(this.weight(cfg, 'kernel', shape), shape);
    const y = this.convolve(cfg, x, kernel, [shape[3]!, shape[2]!, kh, kw], this.bias(cfg));
    return this.activation(cfg, y, cfg.str('activation', 'linear'));
  }

  /** Depthwise kernel as a grouped conv (see depthwiseToOihw). */
  private depthwise(cfg: LayerConfig, x: Value, bias: Float32Array | undefined): Value {
    const [kh, kw] = cfg.pair('kernel_size');
    const channels = this.image(cfg, x)[2];
    const shape = [kh, kw, channels, cfg.num('depth_multiplier', 1)];
    const kernel = depthwiseToOihw(this.weight(cfg, 'depthwise_kernel', shape), shape);
    const y = this.convolve(cfg, x, kernel, [channels * shape[3]!, 1, kh, kw], bias, channels, 'depthwise_kernel');
    return cfg.layer.className === 'DepthwiseConv2D' ? this.activation(cfg, y, cfg.str('activation', 'linear')) : y;
  }

  private depthwiseBias(cfg: LayerConfig, x: Value): Float32Array | undefined {
    return this.bias(cfg, this.image(cfg, x)[2] * cfg.num('depth_multiplier', 1));
  }

  /** Depthwise conv (strides, dilation, padding) then a 1x1 pointwise conv, bias and activation. */
  private separable(cfg: LayerConfig, x: Value): Value {
    const mid = this.depthwise(cfg, x, undefined);
    const shape = [1, 1, mid.shape[2]!, cfg.num('filters')];
    const kernel = kernelToOihw(this.weight(cfg, 'pointwise_kernel', shape), shape);
    const inputs = [mid.name, this.b.constFloat(`${cfg.layer.name}/pointwise_kernel`, [shape[3]!, shape[2]!, 1, 1], kernel)];
    const bias = this.bias(cfg);
    if (bias) inputs.push(this.b.constFloat(`${cfg.layer.name}/bias`, [shape[3]!], bias));
    const y = { name: this.b.op('Conv', inputs, { kernel_shape: [1, 1] }, cfg.layer.name), shape: [mid.shape[0]!, mid.shape[1]!, shape[3]!] };
    return this.activation(cfg, y, cfg.str('activation', 'linear'));
  }

  /** Dense acts on the last Keras axis: channels of an image (a 1x1 conv) or features (MatMul). */
  private dense(cfg: LayerConfig, x: Value): Value {
    const units = cfg.num('units');
    const features = x.shape[x.shape.length - 1]!;
    const kernel = this.weight(cfg, 'kernel', [features, units]);
    const bias = this.bias(cfg, units);
    let y: Value;
    if (x.shape.length === 3) {
      y = this.convolve(cfg, x, kernelToOihw(kernel, [1, 1, features, units]), [units, features, 1, 1], bias);
    } else {
      // After a Flatten of an NCHW image the rows must follow the (C, H, W) order of our features.
      const rows = x.chw ? transpose4(kernel, [x.chw[1], x.chw[2], x.chw[0], units], [2, 0, 1, 3]) : kernel;
      const product = this.b.op('MatMul', [x.name, this.b.constFloat(`${cfg.layer.name}/kernel`, [features, units], rows)], {}, cfg.layer.name);
      const name = bias ? this.b.op('Add', [product, this.b.constFloat(`${cfg.layer.name}/bias`, [units], bias)]) : product;
      y = { name, shape: [...x.shape.slice(0, -1), units] };
    }
    return this.activation(cfg, y, cfg.str('activation', 'linear'));
  }

  /** Inference batch norm folded into one multiply and one add per channel. */
  private batchNorm(cfg: LayerConfig, input: Value): Value {
    const x = this.inKerasOrder(input);
    const rank = x.shape.length;
    if (cfg.axis('axis', rank) !== rank - 1) cfg.fail('only normalisation over the last (channel) axis is supported');
    const n = x.shape[rank - 1]!;
    const gamma = cfg.bool('scale', true) ? this.weight(cfg, 'gamma', [n]) : new Float32Array(n).fill(1);
    const beta = cfg.bool('center', true) ? this.weight(cfg, 'beta', [n]) : new Float32Array(n);
    const mean = this.weight(cfg, 'moving_mean', [n]);
    const variance = this.weight(cfg, 'moving_variance', [n]);
    const eps = cfg.num('epsilon', 1e-3);
    const scale = Float32Array.from(gamma, (g, i) => g / Math.sqrt(variance[i]! + eps));
    const shift = Float32Array.from(beta, (b, i) => b - mean[i]! * scale[i]!);
    const dims = rank === 3 ? [n, 1, 1] : [n];
    const scaled = this.b.op('Mul', [x.name, this.b.constFloat(`${cfg.layer.name}/scale`, dims, scale)], {}, cfg.layer.name);
    return { name: this.b.op('Add', [scaled, this.b.constFloat(`${cfg.layer.name}/shift`, dims, shift)]), shape: x.shape };
  }

  /** Keras ReLU: min(max_value, x) above zero, negative_slope * x below. */
  private relu(cfg: LayerConfig, x: Value): Value {
    if (cfg.num('threshold', 0) !== 0) cfg.fail('a non-zero threshold is not supported');
    const max = cfg.optNum('max_value');
    const slope = cfg.num('negative_slope', 0);
    if (slope === 0) return max === undefined ? this.unary(x, 'Relu') : this.clip(x, 0, max);
    const leaky = this.unary(x, 'LeakyRelu', { alpha: float(slope) });
    return max === undefined ? leaky : { ...leaky, name: this.b.op('Min', [leaky.name, this.scalar(max)]) };
  }

  /** x * scale + offset, elementwise, so a Flatten's order survives. */
  private rescale(cfg: LayerConfig, x: Value): Value {
    const scaled = this.b.op('Mul', [x.name, this.scalar(cfg.num('scale'))], {}, cfg.layer.name);
    return { ...x, name: this.b.op('Add', [scaled, this.scalar(cfg.num('offset', 0))]) };
  }

  private clip(x: Value, min: number, max: number): Value {
    return { ...x, name: this.b.op('Clip', [x.name, this.scalar(min), this.scalar(max)]) };
  }

  /** A Keras activation by name; all act elementwise or over the last axis, so a Flatten's order survives. */
  private activation(cfg: LayerConfig, x: Value, name: string): Value {
    const lastAxis = onnxAxis(x.shape.length, x.shape.length - 1);
    const times = (a: string, b: string): Value => ({ ...x, name: this.b.op('Mul', [a, b]) });
    switch (name) {
      case 'linear': return x;
      case 'relu': return this.unary(x, 'Relu');
      case 'relu6': return this.clip(x, 0, 6);
      case 'elu': return this.unary(x, 'Elu');
      case 'selu': return this.unary(x, 'Selu'); // ONNX's default constants are Keras's
      case 'sigmoid': return this.unary(x, 'Sigmoid');
      case 'hard_sigmoid': return this.unary(x, 'HardSigmoid'); // Keras 2: clip(0.2x + 0.5), ONNX's default
      case 'tanh': return this.unary(x, 'Tanh');
      case 'softplus': return this.unary(x, 'Softplus');
      case 'softsign': return this.unary(x, 'Softsign');
      case 'softmax': return this.unary(x, 'Softmax', { axis: lastAxis });
      case 'swish': case 'silu': return times(x.name, this.unary(x, 'Sigmoid').name);
      case 'mish': return times(x.name, this.unary(this.unary(x, 'Softplus'), 'Tanh').name);
      case 'gelu': { // exact form, x * (1 + erf(x / sqrt 2)) / 2
        const erf = this.b.op('Erf', [this.b.op('Mul', [x.name, this.scalar(Math.SQRT1_2)])]);
        const half = this.b.op('Mul', [this.b.op('Add', [erf, this.scalar(1)]), this.scalar(0.5)]);
        return times(x.name, half);
      }
      default: return cfg.fail(`activation '${name}' is not supported`);
    }
  }

  private pool(cfg: LayerConfig, x: Value, op: 'MaxPool' | 'AveragePool'): Value {
    const [h, w, c] = this.image(cfg, x);
    const size = cfg.pair('pool_size', [2, 2]);
    const strides = cfg.pair('strides', size);
    const padding = cfg.str('padding', 'valid');
    const [oh, top, bottom] = tfWindow(h, size[0], strides[0], 1, padding, (msg) => cfg.fail(msg));
    const [ow, left, right] = tfWindow(w, size[1], strides[1], 1, padding, (msg) => cfg.fail(msg));
    // AveragePool's default count_include_pad=0 matches TF, which averages over the real pixels only.
    const name = this.b.op(op, [x.name], { kernel_shape: size, strides, pads: [top, left, bottom, right] }, cfg.layer.name);
    return { name, shape: [oh, ow, c] };
  }

  private globalPool(cfg: LayerConfig, x: Value, op: 'ReduceMean' | 'ReduceMax'): Value {
    const c = this.image(cfg, x)[2];
    const keep = cfg.bool('keepdims', false);
    const name = this.b.op(op, [x.name], { axes: [2, 3], keepdims: keep ? 1 : 0 }, cfg.layer.name);
    return { name, shape: keep ? [1, 1, c] : [c] };
  }

  private zeroPad(cfg: LayerConfig, x: Value): Value {
    const [h, w, c] = this.image(cfg, x);
    const p = cfg.layer.config.padding;
    // Keras accepts n, [h, w] or [[top, bottom], [left, right]].
    let flat: unknown[];
    if (Array.isArray(p) && p.every(Array.isArray)) {
      flat = p.flat();
    } else {
      const [ph, pw] = cfg.pair('padding', [1, 1]);
      flat = [ph, ph, pw, pw];
    }
    if (flat.length !== 4 || !flat.every(Number.isInteger)) cfg.fail(`padding ${JSON.stringify(p)} is not understood`);
    const [top, bottom, left, right] = flat as [number, number, number, number];
    const name = this.b.op('Pad', [x.name, this.b.constInt64('pads', [0, 0, top, left, 0, 0, bottom, right])], {}, cfg.layer.name);
    return { name, shape: [h + top + bottom, w + left + right, c] };
  }

  /** Keras flattens (H, W, C); we flatten NCHW as it lies and leave the reordering to the consumer. */
  private flatten(x: Value): Value {
    if (x.shape.length === 1) return x;
    const name = this.b.op('Flatten', [x.name], { axis: 1 });
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (x.shape.length !== 3) return { name, shape: [size] };
    const [h, w, c] = x.shape as [number, number, number];
    return { name, shape: [size], chw: c > 1 && h * w > 1 ? [c, h, w] : undefined };
  }

  /** Reshape works on Keras's element order, so images go through NHWC on either side. */
  private reshape(cfg: LayerConfig, input: Value): Value {
    const x = this.inKerasOrder(input);
    const target = cfg.ints('target_shape');
    const size = x.shape.reduce((a, b) => a * b, 1);
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const shape = target.map((d) => (d === -1 ? size / known : d));
    if (shape.reduce((a, b) => a * b, 1) !== size || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      cfg.fail(`cannot reshape [${x.shape}] to [${target}]`);
    }
    const source = x.shape.length === 3 ? this.b.op('Transpose', [x.name], { perm: [0, 2, 3, 1] }) : x.name;
    const reshaped = this.b.op('Reshape', [source, this.b.constInt64('shape', [-1, ...shape])], {}, cfg.layer.name);
    return { name: shape.length === 3 ? this.b.op('Transpose', [reshaped], { perm: [0, 3, 1, 2] }) : reshaped, shape };
  }

  private merge(cfg: LayerConfig, inputs: Value[]): Value {
    const xs = inputs.map((x) => this.inKerasOrder(x));
    const { className } = cfg.layer;
    if (xs.length < 2) cfg.fail(`cannot merge ${xs.length} input`);
    if (xs.some((x) => x.shape.join() !== xs[0]!.shape.join())) cfg.fail(`input shapes differ: ${xs.map((x) => `[${x.shape}]`).join(' ')}`);
    const op = MERGES[className]!;
    let name = xs.slice(1).reduce((acc, x) => this.b.op(op, [acc, x.name]), xs[0]!.name);
    if (className === 'Average') name = this.b.op('Mul', [name, this.scalar(1 / xs.length)]);
    return { name, shape: xs[0]!.shape };
  }

  private concatenate(cfg: LayerConfig, inputs: Value[]): Value {
    const xs = inputs.map((x) => this.inKerasOrder(x));
    const rank = xs[0]?.shape.length ?? cfg.fail('has no inputs');
    const a = cfg.axis('axis', rank);
    const rest = (s: number[]): string => s.filter((_, i) => i !== a).join();
    if (xs.some((x) => x.shape.length !== rank || rest(x.shape) !== rest(xs[0]!.shape))) {
      cfg.fail(`input shapes do not match beside axis ${a + 1}: ${xs.map((x) => `[${x.shape}]`).join(' ')}`);
    }
    const shape = [...xs[0]!.shape];
    shape[a] = xs.reduce((sum, x) => sum + x.shape[a]!, 0);
    return { name: this.b.op('Concat', xs.map((x) => x.name), { axis: onnxAxis(rank, a) }, cfg.layer.name), shape };
  }
}
