/**
 * The TF-slim DenseNets of pudae/tensorflow-densenet (nets/densenet.py, the study's DenseNet-121/169/161),
 * rebuilt as the TensorFlow graph that code makes in inference mode, with the weights of a checkpoint.
 * Their releases are checkpoints, and a checkpoint holds only variables; the graph here follows the Python
 * definition: every variable is looked up by the name TF-slim gives it, with the shape the architecture
 * implies, so a checkpoint of another network fails with the variable it lacks.
 *
 * The graph is then converted like any frozen graph (tf-graphdef.ts), so TensorFlow's SAME padding and
 * pooling conventions are applied in one place.
 */
import type { Model } from '../../onnx/ir.js';
import { UserError } from '../../errors.js';
import type { Checkpoint } from './tf-checkpoint.js';
import { convertTfNodes } from './tf-graphdef.js';
import { TfType, type TfAttr, type TfNode } from './tf-graphdef-schema.js';

/** One DenseNet of nets/densenet.py: its variable scope and the arguments its constructor passes. */
export interface SlimDenseNet {
  scope: string;
  growthRate: number;
  /** Filters of the first convolution. */
  filters: number;
  /** Convolution blocks in each dense block. */
  layers: number[];
  /** default_image_size: the input size unless the manifest sets one (the network takes any size). */
  inputSize: number;
}

/** The three networks pudae released checkpoints of (densenet121/161/169 in nets/densenet.py). */
export const SLIM_DENSENETS = {
  densenet121: { scope: 'densenet121', growthRate: 32, filters: 64, layers: [6, 12, 24, 16], inputSize: 224 },
  densenet161: { scope: 'densenet161', growthRate: 48, filters: 96, layers: [6, 12, 36, 24], inputSize: 224 },
  densenet169: { scope: 'densenet169', growthRate: 32, filters: 64, layers: [6, 12, 32, 32], inputSize: 224 },
} as const satisfies Record<string, SlimDenseNet>;

export type SlimArchitecture = keyof typeof SLIM_DENSENETS;

/** densenet_arg_scope: batch_norm_epsilon. */
const BN_EPSILON = 1.1e-5;
/** densenet(): reduction 0.5, so each transition keeps half the channels. */
const COMPRESSION = 0.5;

const ints = (i: number[]): TfAttr => ({ list: { i } });
const text = (s: string): TfAttr => ({ s: new TextEncoder().encode(s) });
const shape = (dims: number[]) => ({ dim: dims.map((size) => ({ size })) });

/** Builds GraphDef nodes in TensorFlow's NHWC conventions. */
class GraphWriter {
  readonly nodes: TfNode[] = [];

  constructor(private readonly ckpt: Checkpoint) {}

  add(name: string, op: string, input: string[], attr: Record<string, TfAttr> = {}): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  /** The checkpoint variable `name` as a Const node. */
  variable(name: string, dims: number[]): string {
    const data = this.ckpt.float(name, dims);
    const tensor = { dtype: TfType.FLOAT, tensor_shape: shape(dims), tensor_content: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    return this.add(name, 'Const', [], { dtype: { type: TfType.FLOAT }, value: { tensor } });
  }

  /** An int32 vector Const (axes). */
  int32(name: string, values: number[]): string {
    return this.add(name, 'Const', [], { dtype: { type: TfType.INT32 }, value: { tensor: { dtype: TfType.INT32, tensor_shape: shape([values.length]), int_val: values } } });
  }

  /** slim.conv2d without bias or activation (densenet_arg_scope), SAME padding. */
  conv(x: string, scope: string, kernel: number, stride: number, cin: number, cout: number): string {
    const w = this.variable(`${scope}/weights`, [kernel, kernel, cin, cout]);
    return this.add(`${scope}/convolution`, 'Conv2D', [x, w], { strides: ints([1, stride, stride, 1]), padding: text('SAME'), data_format: text('NHWC') });
  }

  /** slim.batch_norm(scale=True) in inference mode: the moving statistics. */
  batchNorm(x: string, scope: string, channels: number): string {
    const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((v) => this.variable(`${scope}/${v}`, [channels]));
    return this.add(`${scope}/FusedBatchNorm`, 'FusedBatchNorm', [x, gamma!, beta!, mean!, variance!], {
      epsilon: { f: BN_EPSILON }, is_training: { b: false }, data_format: text('NHWC'),
    });
  }

  /** _conv: batch norm, ReLU, convolution (no dropout in inference). */
  bnReluConv(x: string, scope: string, kernel: number, cin: number, cout: number): string {
    const y = this.add(`${scope}/Relu`, 'Relu', [this.batchNorm(x, `${scope}/BatchNorm`, cin)]);
    return this.conv(y, `${scope}/Conv`, kernel, 1, cin, cout);
  }

  pool(x: string, name: string, op: 'MaxPool' | 'AvgPool', size: number, stride: number, padding: 'SAME' | 'VALID'): string {
    return this.add(name, op, [x], { ksize: ints([1, size, size, 1]), strides: ints([1, stride, stride, 1]), padding: text(padding), data_format: text('NHWC') });
  }
}

/**
 * The GraphDef of `net` with `ckpt`'s weights: input 'Placeholder' [N, height, width, 3] (pixels already
 * preprocessed), output `<scope>/logits/BiasAdd`, the [N, 1, 1, classes] logits.
 */
export function slimDenseNetNodes(ckpt: Checkpoint, net: SlimDenseNet, [height, width]: readonly [number, number]): TfNode[] {
  const g = new GraphWriter(ckpt);
  const s = net.scope;
  const logitsShape = ckpt.dims(`${s}/logits/weights`);
  if (!logitsShape) throw new UserError(`${ckpt.source}: the checkpoint has no variable '${s}/logits/weights' (not a ${s} checkpoint?)`);
  const classes = logitsShape[3] ?? 0;

  let x = g.add('Placeholder', 'Placeholder', [], { dtype: { type: TfType.FLOAT }, shape: { shape: shape([-1, height, width, 3]) } });
  x = g.conv(x, `${s}/conv1`, 7, 2, 3, net.filters);
  x = g.add(`${s}/Relu`, 'Relu', [g.batchNorm(x, `${s}/BatchNorm`, net.filters)]);
  x = g.pool(x, `${s}/MaxPool2D/MaxPool`, 'MaxPool', 3, 2, 'SAME');
  const concatAxis = g.int32(`${s}/concat/axis`, [3]);
  let channels = net.filters;
  net.layers.forEach((count, b) => {
    for (let k = 1; k <= count; k++) {
      const scope = `${s}/dense_block${b + 1}/conv_block${k}`;
      const y = g.bnReluConv(g.bnReluConv(x, `${scope}/x1`, 1, channels, net.growthRate * 4), `${scope}/x2`, 3, net.growthRate * 4, net.growthRate);
      x = g.add(`${scope}/concat`, 'ConcatV2', [x, y, concatAxis], { N: { i: 2 } });
      channels += net.growthRate;
    }
    if (b === net.layers.length - 1) return;
    const scope = `${s}/transition_block${b + 1}`;
    const kept = Math.floor(channels * COMPRESSION);
    x = g.pool(g.bnReluConv(x, `${scope}/blk`, 1, channels, kept), `${scope}/AvgPool2D/AvgPool`, 'AvgPool', 2, 2, 'VALID');
    channels = kept;
  });
  x = g.add(`${s}/final_block/Relu`, 'Relu', [g.batchNorm(x, `${s}/final_block/BatchNorm`, channels)]);
  x = g.add(`${s}/final_block/global_avg_pool/Mean`, 'Mean', [x, g.int32(`${s}/final_block/global_avg_pool/axes`, [1, 2])], { keep_dims: { b: true } });
  x = g.conv(x, `${s}/logits`, 1, 1, channels, classes);
  g.add(`${s}/logits/BiasAdd`, 'BiasAdd', [x, g.variable(`${s}/logits/biases`, [classes])], { data_format: text('NHWC') });
  return g.nodes;
}

/** The ONNX model of `net` with `ckpt`'s weights for `inputSize` images (default: its own); its output is the [N, classes] logits. */
export function importSlimDenseNet(ckpt: Checkpoint, net: SlimDenseNet, inputSize: readonly [number, number] = [net.inputSize, net.inputSize]): Model {
  return convertTfNodes(slimDenseNetNodes(ckpt, net, inputSize), ckpt.source, { output: `${net.scope}/logits/BiasAdd` });
}
