import { GraphBuilder } from '../onnx/builder.js';
import { DataType, onnxOpset, runtimeInputs, type Dim, type Model } from '../onnx/ir.js';
import { UserError } from '../core/errors.js';

/**
 * What the runtime reads of a model's manifest: how canonical input becomes the graph's input and what its
 * outputs mean. models/manifest.ts validates the whole file; its Manifest type is one of these.
 */
export interface ModelIo {
  inputSize?: [number, number];
  channels?: 1 | 3;
  preprocess: { scale: number; mean: number[]; std: number[]; channelOrder: 'RGB' | 'BGR'; layout: 'NCHW' | 'NHWC' };
  resize: 'shorter-side-crop' | 'stretch';
  labelOffset: number;
  outputs: 'auto' | 'logits' | 'probabilities';
}

/** A model rewritten to take canonical input and return logits, plus what the rewrite found. */
export interface CanonicalModel {
  model: Model;
  inputName: string;
  outputName: string;
  /** [channels, height, width] of one canonical example. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Largest batch the graph accepts (a fixed batch dimension), or undefined when symbolic. */
  fixedBatch?: number;
  /** What was done to the outputs, for `models inspect`. */
  outputTransform: string[];
}

const SHAPE_ONLY = new Set(['Flatten', 'Reshape', 'Squeeze', 'Identity', 'Dropout']);

function sizeOf(d: Dim | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

/** The largest image side and channel count a model may declare (ImageNet models take 224 to 600 pixels). */
const MAX_SIDE = 8192;
const MAX_CHANNELS = 4;

/**
 * Prepends the manifest's preprocessing to the graph as ONNX nodes (so gradients flow through it and
 * attacks live in canonical space), and rewrites the outputs to logits [N, classes]: a trailing Softmax
 * is removed, spatial 1x1 outputs are flattened and a background class is sliced off.
 */
export function canonicalModel(raw: Model, manifest: ModelIo, label: string): CanonicalModel {
  const inputs = runtimeInputs(raw.graph);
  if (inputs.length !== 1) {
    throw new UserError(`${label}: expected one image input, found ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`);
  }
  const rawInput = inputs[0]!;
  if (rawInput.elemType !== DataType.FLOAT) throw new UserError(`${label}: input '${rawInput.name}' must be float32`);
  const shape = rawInput.shape ?? [];
  if (shape.length !== 4) {
    throw new UserError(`${label}: input '${rawInput.name}' has shape [${shape.join(',')}]; expected a 4-D image batch`);
  }
  const pre = manifest.preprocess;
  const [cDim, hDim, wDim] = pre.layout === 'NHWC' ? [shape[3], shape[1], shape[2]] : [shape[1], shape[2], shape[3]];
  const channels = sizeOf(cDim) ?? manifest.channels ?? 3;
  const height = manifest.inputSize?.[0] ?? sizeOf(hDim);
  const width = manifest.inputSize?.[1] ?? sizeOf(wDim);
  if (!height || !width) throw new UserError(`${label}: input size is not fixed in the graph; state "inputSize": [H, W] in its manifest`);
  // A crafted file can declare any size; one image must fit in memory many times over (batches, attacks).
  if (height > MAX_SIDE || width > MAX_SIDE || channels > MAX_CHANNELS) {
    throw new UserError(`${label}: input '${rawInput.name}' declares ${channels} x ${height} x ${width} images; at most ${MAX_CHANNELS} channels of ${MAX_SIDE} x ${MAX_SIDE} pixels are supported`);
  }
  const fixedBatch = sizeOf(shape[0]);

  const model: Model = structuredClone(raw);
  const g = model.graph;
  const b = new GraphBuilder(g);
  const firstNew = g.nodes.length;

  const x = b.fresh('canonical_input');
  let cur = x;
  if (pre.channelOrder === 'BGR') {
    if (channels !== 3) throw new UserError(`${label}: channelOrder BGR needs 3 channels`);
    cur = b.op('Gather', [cur, b.constInt64('bgr_order', [2, 1, 0])], { axis: 1 });
  }
  const perChannel = (v: number[], field: string) => {
    if (v.length !== 1 && v.length !== channels) throw new UserError(`${label}: manifest preprocess.${field} has ${v.length} values for ${channels} channels`);
    return Array.from({ length: channels }, (_, c) => v[v.length === 1 ? 0 : c]!);
  };
  const mean = perChannel(pre.mean, 'mean');
  const std = perChannel(pre.std, 'std');
  const mul = std.map((s) => pre.scale / s);
  const add = mean.map((m, c) => -m / std[c]!);
  if (mul.some((v) => v !== 1)) cur = b.op('Mul', [cur, b.constFloat('pre_scale', [1, channels, 1, 1], mul)]);
  if (add.some((v) => v !== 0)) cur = b.op('Add', [cur, b.constFloat('pre_shift', [1, channels, 1, 1], add)]);
  if (pre.layout === 'NHWC') cur = b.op('Transpose', [cur], { perm: [0, 2, 3, 1] });
  // The raw input name is now produced by the preprocessing chain.
  if (g.nodes.length === firstNew) b.node('Identity', [cur], {}, { outputs: [rawInput.name] });
  else g.nodes[g.nodes.length - 1]!.outputs[0] = rawInput.name;
  g.nodes.unshift(...g.nodes.splice(firstNew));
  g.inputs = g.inputs.filter((i) => i.name !== rawInput.name);
  g.inputs.unshift({ name: x, elemType: DataType.FLOAT, shape: [fixedBatch ?? 'N', channels, height, width] });

  const { outputName, numClasses, transform } = logitsOutput(model, manifest, b, label);
  return { model, inputName: x, outputName, inputShape: [channels, height, width], numClasses, fixedBatch, outputTransform: transform };
}

function logitsOutput(model: Model, manifest: ModelIo, b: GraphBuilder, label: string) {
  const g = model.graph;
  const out = g.outputs[0];
  if (!out) throw new UserError(`${label}: the graph has no outputs`);
  const transform: string[] = [];
  const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));

  if (manifest.outputs === 'auto') {
    // Walk back through shape-only ops: a Softmax there means the model outputs probabilities.
    for (let n = producer.get(out.name); n; n = producer.get(n.inputs[0] ?? '')) {
      if (n.opType === 'Softmax') {
        n.opType = 'Identity'; n.attrs = {};
        transform.push(`removed Softmax '${n.name}' to expose logits`);
        break;
      }
      if (!SHAPE_ONLY.has(n.opType)) break;
    }
  }
  let cur = out.name;
  if (manifest.outputs === 'probabilities') {
    // log(p) differs from the logits by a per-example constant, which no attack or margin can see.
    cur = b.op('Log', [b.op('Max', [cur, b.constFloat('prob_floor', [], [1e-30])])]);
    transform.push('log of probabilities');
  }
  const dims = out.shape ?? [];
  const classDim = dims[1];
  if (dims.length !== 2) {
    if (dims.length < 2 || dims.slice(2).some((d) => d !== 1)) {
      throw new UserError(`${label}: output '${out.name}' has shape [${dims.join(',')}]; expected [N, classes] or [N, classes, 1, 1]`);
    }
    cur = b.op('Flatten', [cur], { axis: 1 });
    transform.push(`flattened [${dims.join(',')}] to [N, ${classDim}]`);
  }
  let numClasses = sizeOf(classDim);
  if (!numClasses) throw new UserError(`${label}: the number of classes of output '${out.name}' is not fixed`);
  if (manifest.labelOffset > 0) {
    const off = manifest.labelOffset;
    cur = onnxOpset(model) >= 10
      ? b.op('Slice', [cur, b.constInt64('label_start', [off]), b.constInt64('label_end', [numClasses]), b.constInt64('label_axis', [1])])
      : b.op('Slice', [cur], { starts: [off], ends: [numClasses], axes: [1] });
    numClasses -= off;
    transform.push(`dropped ${off} leading background class(es)`);
  }
  const outputName = b.fresh('logits');
  b.node('Identity', [cur], {}, { outputs: [outputName] });
  g.outputs = [{ name: outputName, elemType: DataType.FLOAT, shape: [dims[0] ?? 'N', numClasses] }];
  return { outputName, numClasses, transform };
}
