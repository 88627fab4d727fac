/**
 * timm's NASNet-A Large (`nasnetalarge` in timm/models/nasnet.py, pad_type 'same'): the network of timm's
 * `nasnetalarge.tf_in1k` weights, which are the NASNet authors' TF-slim weights ported to PyTorch (by Cadene's
 * pretrained-models, then timm). The release is a safetensors file, weights without a graph; the network is
 * built here as TensorFlow nodes, each weight looked up under its PyTorch state_dict name with the shape the
 * architecture implies (PyTorch layouts, transposed to TensorFlow's).
 *
 * timm's 'same' padding maps onto TensorFlow's: convolutions and max pools are TensorFlow SAME (symmetric at
 * stride 1, the extra pixel at the end at stride 2), 3x3 average pools at stride 1 leave the padding out of
 * the mean as TensorFlow does, but at stride 2 timm pads zeros first and then pools, so the zeros count: those
 * are an explicit Pad and a VALID pool here.
 */
import type { Model } from '../../onnx/ir.js';
import { UserError } from '../../core/errors.js';
import { permute } from './constant-folding.js';
import { architectureOf, type ImportedModel, type ModelFile } from './model-file.js';
import { SafeTensors } from './safetensors.js';
import { convertTfNodes } from './tf-graphdef/convert.js';
import type { TfNode } from './tf-graphdef-schema.js';
import { TfGraphWriter, type NamedWeights } from './tf-graph-writer.js';

/** The constructor arguments of NASNetALarge that set its size. */
export interface TimmNasnet {
  stemSize: number;
  /** Channels of the last cell; a cell's base width is numFeatures / 24. */
  numFeatures: number;
  /** default_cfg input_size: the input size unless the manifest sets one. */
  inputSize: number;
}

export const TIMM_NASNETS = {
  nasnetalarge: { stemSize: 96, numFeatures: 4032, inputSize: 331 },
} as const satisfies Record<string, TimmNasnet>;

export type TimmArchitecture = keyof typeof TIMM_NASNETS;

/** nn.BatchNorm2d(eps=0.001) throughout. */
const BN_EPSILON = 1e-3;

/** A feature map: its node, channels and spatial size (the stride-2 average pools' padding depends on it). */
interface FeatureMap { node: string; c: number; h: number; w: number }

/** TensorFlow SAME padding [before, after] of a k-wide window at `stride` over `size` (the extra pixel after). */
function samePadding(size: number, k: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

class NasnetWriter extends TfGraphWriter {
  constructor(private readonly weights: NamedWeights) {
    super();
  }

  /** The weight `key` in PyTorch layout `dims`, permuted to TensorFlow's by `perm`. */
  weight(key: string, dims: number[], perm: number[]): string {
    const t = permute(this.weights.float(key, dims), dims, perm, (n) => new Float32Array(n));
    return this.float(key, t.data, t.dims);
  }

  /** nn.Conv2d without bias: weight [out, in, k, k] → HWIO. */
  convolution(x: FeatureMap, key: string, out: number, k: number, stride: number, padding: 'SAME' | 'VALID' = 'SAME'): FeatureMap {
    const filter = this.weight(`${key}.weight`, [out, x.c, k, k], [2, 3, 1, 0]);
    const size = (s: number) => padding === 'SAME' ? Math.ceil(s / stride) : Math.floor((s - k) / stride) + 1;
    return { node: this.conv(key, x.node, filter, stride, padding), c: out, h: size(x.h), w: size(x.w) };
  }

  /** A depthwise nn.Conv2d (groups = channels): weight [c, 1, k, k] → [k, k, c, 1]. */
  depthwise(x: FeatureMap, key: string, k: number, stride: number): FeatureMap {
    const filter = this.weight(`${key}.weight`, [x.c, 1, k, k], [2, 3, 0, 1]);
    return { node: this.conv(key, x.node, filter, stride, 'SAME', true), c: x.c, h: Math.ceil(x.h / stride), w: Math.ceil(x.w / stride) };
  }

  bn(x: FeatureMap, key: string): FeatureMap {
    const params = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => this.float(`${key}.${p}`, this.weights.float(`${key}.${p}`, [x.c]), [x.c]));
    return { ...x, node: this.batchNorm(`${key}/bn`, x.node, params, BN_EPSILON) };
  }

  relu(x: FeatureMap, name: string): FeatureMap {
    return { ...x, node: this.add(`${name}/relu`, 'Relu', [x.node]) };
  }

  sum(a: FeatureMap, b: FeatureMap, name: string): FeatureMap {
    return { ...a, node: this.add(name, 'AddV2', [a.node, b.node]) };
  }

  concat(parts: FeatureMap[], name: string): FeatureMap {
    const axis = this.int32(`${name}/axis`, [3]);
    return { ...parts[0]!, node: this.add(name, 'ConcatV2', [...parts.map((p) => p.node), axis], { N: { i: parts.length } }), c: parts.reduce((n, p) => n + p.c, 0) };
  }

  /** Zero padding [[top, bottom], [left, right]] of the spatial axes. */
  private pad(x: FeatureMap, name: string, [top, bottom]: number[], [left, right]: number[]): FeatureMap {
    const paddings = this.int32(`${name}/paddings`, [0, 0, top!, bottom!, left!, right!, 0, 0], [4, 2]);
    return { node: this.add(name, 'Pad', [x.node, paddings]), c: x.c, h: x.h + top! + bottom!, w: x.w + left! + right! };
  }

  /** create_pool2d(kind, 3, stride, padding='same'). */
  pool3(x: FeatureMap, name: string, kind: 'max' | 'avg', stride: number): FeatureMap {
    const out = (node: string): FeatureMap => ({ ...x, node, h: Math.ceil(x.h / stride), w: Math.ceil(x.w / stride) });
    if (kind === 'max' || stride === 1) return out(this.pool(name, x.node, kind === 'max' ? 'MaxPool' : 'AvgPool', 3, stride, 'SAME'));
    // AvgPool2dSame: zeros padded before pooling are part of every mean.
    const padded = this.pad(x, `${name}/pad`, samePadding(x.h, 3, stride), samePadding(x.w, 3, stride));
    return out(this.pool(name, padded.node, 'AvgPool', 3, stride, 'VALID'));
  }

  /** ActConvBn: ReLU, 1x1 convolution, batch norm. */
  actConvBn(x: FeatureMap, key: string, out: number): FeatureMap {
    return this.bn(this.convolution(this.relu(x, key), `${key}.conv`, out, 1, 1), `${key}.bn`);
  }

  /** SeparableConv2d: depthwise k x k at `stride`, then pointwise 1x1. */
  separable(x: FeatureMap, key: string, out: number, k: number, stride: number): FeatureMap {
    return this.convolution(this.depthwise(x, `${key}.depthwise_conv2d`, k, stride), `${key}.pointwise_conv2d`, out, 1, 1);
  }

  /** BranchSeparables: twice ReLU, separable convolution, batch norm; a stem cell's first one already narrows to `out`. */
  branch(x: FeatureMap, key: string, out: number, k: number, stride: number, stemCell = false): FeatureMap {
    const middle = stemCell ? out : x.c;
    const y = this.bn(this.separable(this.relu(x, `${key}/1`), `${key}.separable_1`, middle, k, stride), `${key}.bn_sep_1`);
    return this.bn(this.separable(this.relu(y, `${key}/2`), `${key}.separable_2`, out, k, 1), `${key}.bn_sep_2`);
  }

  /**
   * The factorized reduction of the previous cell's input (CellStem1, FirstCell): after a ReLU, two
   * stride-2 1x1 paths, the second shifted by one pixel (ZeroPad2d((-1, 1, -1, 1))), `half` channels each.
   */
  reducePrevious(x: FeatureMap, key: string, half: number): FeatureMap {
    const relu = this.relu(x, `${key}/prev`);
    const path1 = this.convolution(this.subsample(relu, `${key}.path_1/avgpool`), `${key}.path_1.conv`, half, 1, 1);
    const padded = this.pad(relu, `${key}.path_2/pad`, [0, 1], [0, 1]);
    const shifted = this.add(`${key}.path_2/shift`, 'StridedSlice', [
      padded.node, this.int32(`${key}.path_2/begin`, [0, 1, 1, 0]), this.int32(`${key}.path_2/end`, [0, 0, 0, 0]), this.int32(`${key}.path_2/strides`, [1, 1, 1, 1]),
    ], { begin_mask: { i: 0b1001 }, end_mask: { i: 0b1111 } });
    const path2 = this.convolution(this.subsample({ ...relu, node: shifted }, `${key}.path_2/avgpool`), `${key}.path_2.conv`, half, 1, 1);
    return this.bn(this.concat([path1, path2], `${key}/paths`), `${key}.final_path_bn`);
  }

  /** nn.AvgPool2d(1, stride=2): every other row and column. */
  private subsample(x: FeatureMap, name: string): FeatureMap {
    return { ...x, node: this.pool(name, x.node, 'AvgPool', 1, 2, 'VALID'), h: Math.ceil(x.h / 2), w: Math.ceil(x.w / 2) };
  }

  /**
   * The four combinations every reduction cell (CellStem0/1, ReductionCell0/1) ends with, of `left` (the
   * 1x1-projected input) and `right` (`stem` for CellStem0: the raw input, whose branches narrow to `out`).
   */
  reductionCombinations(key: string, left: FeatureMap, right: FeatureMap, out: number, stem = false): FeatureMap {
    const c = (k: number) => `${key}.comb_iter_${k}`;
    const c0 = this.sum(this.branch(left, `${c(0)}_left`, out, 5, 2), this.branch(right, `${c(0)}_right`, out, 7, 2, stem), c(0));
    const c1 = this.sum(this.pool3(left, `${c(1)}_left`, 'max', 2), this.branch(right, `${c(1)}_right`, out, 7, 2, stem), c(1));
    const c2 = this.sum(this.pool3(left, `${c(2)}_left`, 'avg', 2), this.branch(right, `${c(2)}_right`, out, 5, 2, stem), c(2));
    const c3 = this.sum(this.pool3(c0, `${c(3)}_right`, 'avg', 1), c1, c(3));
    const c4 = this.sum(this.branch(c0, `${c(4)}_left`, out, 3, 1), this.pool3(left, `${c(4)}_right`, 'max', 2), c(4));
    return this.concat([c1, c2, c3, c4], key);
  }

  /** The five combinations of FirstCell and NormalCell, concatenated after `left`. */
  normalCombinations(key: string, left: FeatureMap, right: FeatureMap): FeatureMap {
    const c = (k: number) => `${key}.comb_iter_${k}`;
    const c0 = this.sum(this.branch(right, `${c(0)}_left`, right.c, 5, 1), this.branch(left, `${c(0)}_right`, left.c, 3, 1), c(0));
    const c1 = this.sum(this.branch(left, `${c(1)}_left`, left.c, 5, 1), this.branch(left, `${c(1)}_right`, left.c, 3, 1), c(1));
    const c2 = this.sum(this.pool3(right, `${c(2)}_left`, 'avg', 1), left, c(2));
    const c3 = this.sum(this.pool3(left, `${c(3)}_left`, 'avg', 1), this.pool3(left, `${c(3)}_right`, 'avg', 1), c(3));
    const c4 = this.sum(this.branch(right, `${c(4)}_left`, right.c, 3, 1), right, c(4));
    return this.concat([left, c0, c1, c2, c3, c4], key);
  }
}

/**
 * The GraphDef of `net` with `weights`: input 'Placeholder' [N, height, width, 3] (pixels already
 * preprocessed, 2x - 1), output 'last_linear/BiasAdd', the [N, classes] logits.
 */
export function timmNasnetNodes(weights: NamedWeights, net: TimmNasnet, [height, width]: readonly [number, number]): TfNode[] {
  const g = new NasnetWriter(weights);
  const [classes, features] = weights.dims('last_linear.weight') ?? [];
  if (classes === undefined || features !== net.numFeatures) {
    throw new UserError(`${weights.source}: expected a tensor 'last_linear.weight' of shape [classes, ${net.numFeatures}] (not NASNet-A Large weights?)`);
  }
  const ch = Math.floor(net.numFeatures / 24);
  const input: FeatureMap = { node: g.placeholder(height, width, 3), c: 3, h: height, w: width };
  const conv0 = g.bn(g.convolution(input, 'conv0.conv', net.stemSize, 3, 2, 'VALID'), 'conv0.bn');

  const stem0In = g.actConvBn(conv0, 'cell_stem_0.conv_1x1', Math.floor(ch / 4));
  const stem0 = g.reductionCombinations('cell_stem_0', stem0In, conv0, stem0In.c, true);
  const stem1Out = Math.floor(ch / 2);
  const stem1 = g.reductionCombinations('cell_stem_1', g.actConvBn(stem0, 'cell_stem_1.conv_1x1', stem1Out),
    g.reducePrevious(conv0, 'cell_stem_1', Math.floor(stem1Out / 2)), stem1Out);

  /** FirstCell: the previous input reduced to match the new cell's size. */
  const firstCell = (key: string, x: FeatureMap, prev: FeatureMap, outLeft: number, outRight: number) =>
    g.normalCombinations(key, g.reducePrevious(prev, key, outLeft), g.actConvBn(x, `${key}.conv_1x1`, outRight));
  const normalCell = (key: string, x: FeatureMap, prev: FeatureMap, out: number) =>
    g.normalCombinations(key, g.actConvBn(prev, `${key}.conv_prev_1x1`, out), g.actConvBn(x, `${key}.conv_1x1`, out));
  const reductionCell = (key: string, x: FeatureMap, prev: FeatureMap, out: number) =>
    g.reductionCombinations(key, g.actConvBn(x, `${key}.conv_1x1`, out), g.actConvBn(prev, `${key}.conv_prev_1x1`, out), out);

  // Three stages of six cells, each opened by a FirstCell, with a reduction cell between them.
  let [prev, x] = [stem0, stem1];
  let cell = 0;
  for (let stage = 0; stage < 3; stage++) {
    const width = ch << stage;
    // The FirstCell after a reduction cell reads the cell before the reduction as its previous input.
    if (stage > 0) x = reductionCell(`reduction_cell_${stage - 1}`, x, prev, width);
    [prev, x] = [x, firstCell(`cell_${cell}`, x, prev, Math.floor(width / 2), width)];
    cell++;
    for (let k = 1; k < 6; k++, cell++) [prev, x] = [x, normalCell(`cell_${cell}`, x, prev, width)];
  }
  const pooled = g.add('global_pool', 'Mean', [g.relu(x, 'act').node, g.int32('global_pool/axes', [1, 2])], { keep_dims: { b: false } });
  const logits = g.add('last_linear/MatMul', 'MatMul', [pooled, g.weight('last_linear.weight', [classes, x.c], [1, 0])]);
  g.biasAdd(NASNET_OUTPUT, logits, g.float('last_linear.bias', weights.float('last_linear.bias', [classes]), [classes]));
  return g.nodes;
}

const NASNET_OUTPUT = 'last_linear/BiasAdd';

/** The ONNX model of `net` with `weights` for `inputSize` images (default: its own); its output is the [N, classes] logits. */
export function importTimmNasnet(weights: NamedWeights, net: TimmNasnet, inputSize: readonly [number, number] = [net.inputSize, net.inputSize]): Model {
  return convertTfNodes(timmNasnetNodes(weights, net, inputSize), weights.source, { output: NASNET_OUTPUT });
}

/** A .safetensors file built into the NASNet its manifest names; its sha256 is the file's. */
export async function readTimmNasnet(file: ModelFile): Promise<ImportedModel> {
  const architecture = architectureOf(file, 'a safetensors file', Object.keys(TIMM_NASNETS) as TimmArchitecture[]);
  const weights = SafeTensors.read(file.path);
  return { model: importTimmNasnet(weights, TIMM_NASNETS[architecture], file.manifest.inputSize), sha256: weights.sha256 };
}
