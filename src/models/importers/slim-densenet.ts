/**
 * The TF-slim DenseNets of pudae/tensorflow-densenet (nets/densenet.py, the study's DenseNet-121/169/161),
 * rebuilt as the TensorFlow graph that code makes in inference mode, with the weights of a checkpoint.
 * Their releases are checkpoints, and a checkpoint holds only variables; the graph here follows the Python
 * definition: every variable is looked up by the name TF-slim gives it, with the shape the architecture
 * implies, so a checkpoint of another network fails with the variable it lacks.
 *
 * The graph, written with tf-graph-writer.ts, is then converted like any frozen graph (tf-graphdef/convert.ts).
 */
import type { Model } from '../../onnx/ir.js';
import { UserError } from '../../core/errors.js';
import { Checkpoint } from './tf-checkpoint.js';
import { architectureOf, type ImportedModel, type ModelFile } from './model-file.js';
import { convertTfNodes } from './tf-graphdef/convert.js';
import type { TfNode } from './tf-graphdef-schema.js';
import { TfGraphWriter } from './tf-graph-writer.js';

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

/** TF-slim's layers over a checkpoint's variables. */
class SlimWriter extends TfGraphWriter {
  constructor(private readonly ckpt: Checkpoint) {
    super();
  }

  /** The checkpoint variable `name` as a Const node. */
  variable(name: string, dims: number[]): string {
    return this.float(name, this.ckpt.float(name, dims), dims);
  }

  /** slim.conv2d without bias or activation (densenet_arg_scope), SAME padding. */
  slimConv(x: string, scope: string, kernel: number, stride: number, cin: number, cout: number): string {
    return this.conv(`${scope}/convolution`, x, this.variable(`${scope}/weights`, [kernel, kernel, cin, cout]), stride, 'SAME');
  }

  /** slim.batch_norm(scale=True) in inference mode: the moving statistics. */
  slimBatchNorm(x: string, scope: string, channels: number): string {
    const params = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((v) => this.variable(`${scope}/${v}`, [channels]));
    return this.batchNorm(`${scope}/FusedBatchNorm`, x, params, BN_EPSILON);
  }

  /** _conv: batch norm, ReLU, convolution (no dropout in inference). */
  bnReluConv(x: string, scope: string, kernel: number, cin: number, cout: number): string {
    const y = this.add(`${scope}/Relu`, 'Relu', [this.slimBatchNorm(x, `${scope}/BatchNorm`, cin)]);
    return this.slimConv(y, `${scope}/Conv`, kernel, 1, cin, cout);
  }
}

/**
 * The GraphDef of `net` with `ckpt`'s weights: input 'Placeholder' [N, height, width, 3] (pixels already
 * preprocessed), output `<scope>/logits/BiasAdd`, the [N, 1, 1, classes] logits.
 */
export function slimDenseNetNodes(ckpt: Checkpoint, net: SlimDenseNet, [height, width]: readonly [number, number]): TfNode[] {
  const g = new SlimWriter(ckpt);
  const s = net.scope;
  const logitsShape = ckpt.dims(`${s}/logits/weights`);
  if (!logitsShape) throw new UserError(`${ckpt.source}: the checkpoint has no variable '${s}/logits/weights' (not a ${s} checkpoint?)`);
  const classes = logitsShape[3] ?? 0;

  let x = g.placeholder(height, width, 3);
  x = g.slimConv(x, `${s}/conv1`, 7, 2, 3, net.filters);
  x = g.add(`${s}/Relu`, 'Relu', [g.slimBatchNorm(x, `${s}/BatchNorm`, net.filters)]);
  x = g.pool(`${s}/MaxPool2D/MaxPool`, x, 'MaxPool', 3, 2, 'SAME');
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
    x = g.pool(`${scope}/AvgPool2D/AvgPool`, g.bnReluConv(x, `${scope}/blk`, 1, channels, kept), 'AvgPool', 2, 2, 'VALID');
    channels = kept;
  });
  x = g.add(`${s}/final_block/Relu`, 'Relu', [g.slimBatchNorm(x, `${s}/final_block/BatchNorm`, channels)]);
  x = g.add(`${s}/final_block/global_avg_pool/Mean`, 'Mean', [x, g.int32(`${s}/final_block/global_avg_pool/axes`, [1, 2])], { keep_dims: { b: true } });
  x = g.slimConv(x, `${s}/logits`, 1, 1, channels, classes);
  g.biasAdd(`${s}/logits/BiasAdd`, x, g.variable(`${s}/logits/biases`, [classes]));
  return g.nodes;
}

/** The ONNX model of `net` with `ckpt`'s weights for `inputSize` images (default: its own); its output is the [N, classes] logits. */
export function importSlimDenseNet(ckpt: Checkpoint, net: SlimDenseNet, inputSize: readonly [number, number] = [net.inputSize, net.inputSize]): Model {
  return convertTfNodes(slimDenseNetNodes(ckpt, net, inputSize), ckpt.source, { output: `${net.scope}/logits/BiasAdd` });
}

/** A checkpoint's index (its shards beside it) built into the DenseNet its manifest names; the sha256 covers the index and the shards, in order. */
export async function readSlimDenseNet(file: ModelFile): Promise<ImportedModel> {
  const architecture = architectureOf(file, 'a TensorFlow checkpoint', Object.keys(SLIM_DENSENETS) as SlimArchitecture[]);
  const ckpt = Checkpoint.read(file.path);
  return { model: importSlimDenseNet(ckpt, SLIM_DENSENETS[architecture], file.manifest.inputSize), sha256: ckpt.sha256 };
}
