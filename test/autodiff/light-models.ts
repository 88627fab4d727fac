import * as ort from 'onnxruntime-node';
import { encodeModel, readModelFile } from '../../src/onnx/codec.js';
import { DataType, type Model, type Node, type Tensor } from '../../src/onnx/ir.js';
import { tensorValues } from '../../src/onnx/tensor.js';
import { fixture } from '../helpers/fixtures.js';
import { SESSION, count, rng } from './fd-check.js';

/**
 * The onnx-light-models hold every weight as ConstantOfShape(0.02). For gradient checks they get seeded
 * random weights of the same shapes instead: He-uniform for Conv/Gemm weights, near-one scales and variances,
 * small biases and means, so activations neither vanish nor saturate.
 */

export const LIGHT_MODELS = [
  'bvlc_alexnet', 'densenet121', 'inception_v1', 'inception_v2', 'resnet50', 'shufflenet', 'squeezenet', 'vgg19', 'zfnet512',
];

type Role = 'weight' | 'scale' | 'branchScale' | 'shift' | 'variance';

/** What a float tensor is used for, looking through Unsqueeze to its consumer. */
function roleOf(nodes: Node[], name: string): { role: Role; consumer: Node } | undefined {
  for (const n of nodes) {
    const i = n.inputs.indexOf(name);
    if (i < 0) continue;
    if (n.opType === 'Unsqueeze' || n.opType === 'Reshape') return roleOf(nodes, n.outputs[0]!);
    if (n.opType === 'Conv' || n.opType === 'Gemm') return { role: i === 1 ? 'weight' : 'shift', consumer: n };
    if (n.opType === 'BatchNormalization') {
      // A residual branch ending in this BN gets a small scale, else each residual sum grows the activations.
      const endsBranch = nodes.some((s) => (s.opType === 'Sum' || s.opType === 'Add') && s.inputs.includes(n.outputs[0]!));
      return { role: i === 1 ? (endsBranch ? 'branchScale' : 'scale') : i === 4 ? 'variance' : 'shift', consumer: n };
    }
    if (n.opType === 'Mul') return { role: 'scale', consumer: n };
    if (n.opType === 'Add' || n.opType === 'Sum') return { role: 'shift', consumer: n };
  }
  return undefined;
}

function randomTensor(name: string, dims: number[], role: Role, consumer: Node, rand: () => number): Tensor {
  const u = () => 2 * rand() - 1;
  let fanIn = count(dims.slice(1));
  // Gemm weights may arrive through a Reshape from [1, 1, rows, cols]: the matrix axes are the last two.
  if (consumer.opType === 'Gemm') fanIn = consumer.attrs['transB']?.value === 1 ? dims.at(-1)! : dims.at(-2)!;
  const bound = Math.sqrt(6 / fanIn);
  const data = new Float32Array(count(dims));
  for (let i = 0; i < data.length; i++) {
    data[i] = role === 'weight' ? bound * u() : role === 'shift' ? 0.05 * u() : role === 'branchScale' ? 0.4 + 0.1 * u() : 1 + 0.2 * u();
  }
  return { name, dataType: DataType.FLOAT, dims, data };
}

/** A light model with seeded random weights as plain initializers (ConstantOfShape nodes removed). */
export function randomizedLightModel(model: string, seed: number): Model {
  const m = readModelFile(fixture('onnx-light-models', 'light', `light_${model}.onnx`));
  const rand = rng(seed);
  const g = m.graph;
  const init = new Map(g.initializers.map((t) => [t.name, t]));
  const weights: Tensor[] = [];
  const place = (name: string, dims: number[]) => {
    const r = roleOf(g.nodes, name);
    if (r) weights.push(randomTensor(name, dims, r.role, r.consumer, rand));
  };
  for (const n of g.nodes) {
    if (n.opType === 'ConstantOfShape' && init.has(n.inputs[0]!)) place(n.outputs[0]!, tensorValues(init.get(n.inputs[0]!)!));
  }
  for (const t of g.initializers) if (t.dataType === DataType.FLOAT) place(t.name, t.dims);
  const replaced = new Set(weights.map((t) => t.name));
  g.nodes = g.nodes.filter((n) => !(n.opType === 'ConstantOfShape' && replaced.has(n.outputs[0]!)));
  g.initializers = [...g.initializers.filter((t) => !replaced.has(t.name)), ...weights];
  const names = new Set(g.initializers.map((t) => t.name));
  // IR 3 lists initializers as inputs too; without them in that list the model must declare IR 4+.
  g.inputs = g.inputs.filter((i) => !names.has(i.name));
  m.irVersion = Math.max(m.irVersion, 4);
  return m;
}

/** The Conv or Gemm whose output reaches `tensor` through scale-preserving ops only. */
function lastLinear(nodes: Node[], tensor: string): Node {
  const producer = nodes.find((n) => n.outputs.includes(tensor));
  if (!producer) throw new Error(`no producer for ${tensor}`);
  if (producer.opType === 'Conv' || producer.opType === 'Gemm') return producer;
  return lastLinear(nodes, producer.inputs[0]!);
}

/** The initializer a tensor is made from, looking through reshapes. */
function initializerBehind(m: Model, tensor: string): Tensor {
  const t = m.graph.initializers.find((i) => i.name === tensor);
  if (t) return t;
  const producer = m.graph.nodes.find((n) => n.outputs.includes(tensor));
  if (!producer) throw new Error(`no initializer behind ${tensor}`);
  return initializerBehind(m, producer.inputs[0]!);
}

/** Softmax probabilities and the logits before them, from a forward-only session of the model. */
export class LightForward {
  private constructor(readonly model: Model, private readonly session: ort.InferenceSession, private readonly logits: string) {}

  /**
   * A forward session of `m`. Random deep nets drift in scale; when the logits' spread leaves [0.25, 5] at
   * `x` (saturated or flat softmax), the last linear layer is rescaled to a spread of 2 first.
   */
  static async create(m: Model, x: Float32Array): Promise<LightForward> {
    const out = m.graph.outputs[0]!.name;
    const softmax = m.graph.nodes.find((n) => n.outputs.includes(out) && n.opType === 'Softmax');
    const logits = softmax ? softmax.inputs[0]! : out;
    const open = async () => {
      const outputs = logits === out ? m.graph.outputs : [...m.graph.outputs, { name: logits, elemType: DataType.FLOAT }];
      const probe: Model = { ...m, graph: { ...m.graph, outputs } };
      return new LightForward(m, await ort.InferenceSession.create(encodeModel(probe), SESSION), logits);
    };
    let forward = await open();
    const z = (await forward.run(x)).logits;
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const std = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    if (std >= 0.25 && std <= 5) return forward;
    await forward.release();
    for (const name of lastLinear(m.graph.nodes, logits).inputs.slice(1)) {
      const t = initializerBehind(m, name);
      t.data = (t.data as Float32Array).map((v) => (v * 2) / std);
    }
    forward = await open();
    return forward;
  }

  async run(x: Float32Array): Promise<{ output: Float32Array; logits: Float32Array }> {
    const input = this.model.graph.inputs[0]!;
    const result = await this.session.run({ [input.name]: new ort.Tensor('float32', x, input.shape as number[]) });
    return { output: result[this.model.graph.outputs[0]!.name]!.data as Float32Array, logits: result[this.logits]!.data as Float32Array };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
