/**
 * timm's NASNet-A Large (timm/models/nasnet.py, `nasnetalarge`, built with pad_type='same') restated with
 * @tensorflow/tfjs ops in NHWC, independently of the graph robustscope imports: the reference its import of
 * timm's weights is checked against. Variables are made on first use, random but well scaled, under the
 * PyTorch state_dict names and shapes timm's modules give them, so the same run yields the file to write.
 * The network is written once over a few primitives (Ops), run either on tensors or on shapes alone, so the
 * parameter list of the full model comes without running it.
 */
import * as tf from '@tensorflow/tfjs';
import { exampleRng } from '../../src/core/rng.js';

export interface NasnetConfig {
  /** Output channels of conv0: 96 for nasnetalarge. */
  stemSize: number;
  /** Channels before the classifier, 24x the cells' base width: 4032 for nasnetalarge. */
  numFeatures: number;
}

export const NASNET_A_LARGE: NasnetConfig = { stemSize: 96, numFeatures: 4032 };

/** A variable as the PyTorch state_dict holds it (conv weights [out, in/groups, k, k]). */
export interface NasnetTensor { name: string; dims: number[]; data: Float32Array }

export interface NasnetReference {
  /** Logits [N, classes] of the NHWC input. */
  logits: Float32Array;
  /** Every variable the forward pass used, in the order it first used them. */
  variables: NasnetTensor[];
}

/** What the network is written in; T is a tensor, or only a shape. */
interface Ops<T> {
  channels(x: T): number;
  /** Bias-free conv, timm's 'same' padding (or none: conv0); depthwise keeps the channels. */
  conv(x: T, name: string, out: number, k: number, stride: number, opt?: { depthwise?: boolean; valid?: boolean }): T;
  /** BatchNorm2d(eps=0.001) in eval mode. */
  bn(x: T, name: string): T;
  relu(x: T): T;
  /** MaxPool2dSame(3, 2): pads -inf. */
  maxPool(x: T): T;
  /** 3x3 average pool, timm's 'same' padding (see avgPool in timmNasnetReference). */
  avgPool(x: T, stride: 1 | 2): T;
  add(a: T, b: T): T;
  concat(xs: T[]): T;
  /** nn.ZeroPad2d((-1, 1, -1, 1)) then nn.AvgPool2d(1, stride=2): odd rows and columns, a zero one last when the size is odd. */
  shiftedSubsample(x: T): T;
  /** nn.AvgPool2d(1, stride=2): even rows and columns. */
  subsample(x: T): T;
  /** ReLU, global average pool, last_linear. */
  head(x: T, classes: number): T;
}

function nasnet<T>(o: Ops<T>, net: NasnetConfig, classes: number, image: T): T {
  const ch = Math.floor(net.numFeatures / 24);
  // timm declares channel counts (e.g. cell_0's in_chs_left = ch, fed 4 * (ch // 4)) that match the tensors only then.
  if (ch % 4 !== 0) throw new Error(`numFeatures ${net.numFeatures}: timm's NASNet needs a multiple of 96`);
  const actConvBn = (x: T, p: string, out: number) => o.bn(o.conv(o.relu(x), `${p}.conv`, out, 1, 1), `${p}.bn`);
  const separable = (x: T, p: string, out: number, k: number, stride: number) =>
    o.conv(o.conv(x, `${p}.depthwise_conv2d`, o.channels(x), k, stride, { depthwise: true }), `${p}.pointwise_conv2d`, out, 1, 1);
  // BranchSeparables: the stem cells' branches on conv0's output widen in the first separable, the others in the second.
  const branch = (x: T, p: string, out: number, k: number, stride: number, stemCell = false) => {
    const y = o.bn(separable(o.relu(x), `${p}.separable_1`, stemCell ? out : o.channels(x), k, stride), `${p}.bn_sep_1`);
    return o.bn(separable(o.relu(y), `${p}.separable_2`, out, k, 1), `${p}.bn_sep_2`);
  };
  // CellStem1's and FirstCell's x_right/x_left from a twice larger x_prev: two 1x1 convs on interleaved subsamples.
  const factorizedReduction = (xPrev: T, p: string, out: number) => {
    const r = o.relu(xPrev);
    const paths = [o.conv(o.subsample(r), `${p}.path_1.conv`, out, 1, 1), o.conv(o.shiftedSubsample(r), `${p}.path_2.conv`, out, 1, 1)];
    return o.bn(o.concat(paths), `${p}.final_path_bn`);
  };
  // CellStem0, CellStem1, ReductionCell0/1 (in timm's order of evaluation): `a` feeds the *_left branches and
  // pools, `b` the *_right branches; the output is half the size, 4 * out channels.
  const reductionCombine = (p: string, a: T, b: T, out: number, stemCell = false) => {
    const c0 = o.add(branch(a, `${p}.comb_iter_0_left`, out, 5, 2), branch(b, `${p}.comb_iter_0_right`, out, 7, 2, stemCell));
    const c1 = o.add(o.maxPool(a), branch(b, `${p}.comb_iter_1_right`, out, 7, 2, stemCell));
    const c2 = o.add(o.avgPool(a, 2), branch(b, `${p}.comb_iter_2_right`, out, 5, 2, stemCell));
    const c3 = o.add(o.avgPool(c0, 1), c1);
    const c4 = o.add(branch(c0, `${p}.comb_iter_4_left`, out, 3, 1), o.maxPool(a));
    return o.concat([c1, c2, c3, c4]);
  };
  // FirstCell and NormalCell: same size, x_left + 5 sums of out channels each.
  const normalCombine = (p: string, xLeft: T, xRight: T) => {
    const [l, r] = [o.channels(xLeft), o.channels(xRight)];
    const c0 = o.add(branch(xRight, `${p}.comb_iter_0_left`, r, 5, 1), branch(xLeft, `${p}.comb_iter_0_right`, l, 3, 1));
    const c1 = o.add(branch(xLeft, `${p}.comb_iter_1_left`, l, 5, 1), branch(xLeft, `${p}.comb_iter_1_right`, l, 3, 1));
    const c2 = o.add(o.avgPool(xRight, 1), xLeft);
    const c3 = o.add(o.avgPool(xLeft, 1), o.avgPool(xLeft, 1));
    const c4 = o.add(branch(xRight, `${p}.comb_iter_4_left`, r, 3, 1), xRight);
    return o.concat([xLeft, c0, c1, c2, c3, c4]);
  };
  const firstCell = (p: string, x: T, xPrev: T, outLeft: number, outRight: number) => {
    const xLeft = factorizedReduction(xPrev, p, outLeft);
    return normalCombine(p, xLeft, actConvBn(x, `${p}.conv_1x1`, outRight));
  };
  const normalCell = (p: string, x: T, xPrev: T, out: number) => {
    const xLeft = actConvBn(xPrev, `${p}.conv_prev_1x1`, out);
    return normalCombine(p, xLeft, actConvBn(x, `${p}.conv_1x1`, out));
  };
  const reductionCell = (p: string, x: T, xPrev: T, out: number) => {
    const xLeft = actConvBn(xPrev, `${p}.conv_prev_1x1`, out);
    return reductionCombine(p, actConvBn(x, `${p}.conv_1x1`, out), xLeft, out);
  };

  // conv0: 3x3 stride 2 without padding, BatchNorm, no activation.
  const conv0 = o.bn(o.conv(image, 'conv0.conv', net.stemSize, 3, 2, { valid: true }), 'conv0.bn');
  const stem0 = reductionCombine('cell_stem_0', actConvBn(conv0, 'cell_stem_0.conv_1x1', Math.floor(ch / 4)), conv0, Math.floor(ch / 4), true);
  const stem1Left = actConvBn(stem0, 'cell_stem_1.conv_1x1', Math.floor(ch / 2));
  const stem1Right = factorizedReduction(conv0, 'cell_stem_1', Math.floor(Math.floor(ch / 2) / 2)); // path convs: num_channels // 2
  let [x, xPrev] = [reductionCombine('cell_stem_1', stem1Left, stem1Right, Math.floor(ch / 2)), stem0];
  // Three stages of a FirstCell and 5 NormalCells, at widths ch, 2ch, 4ch, a reduction cell between them. The
  // FirstCell after a reduction takes the reduction's own x_prev (cell_4, cell_10) as its x_prev.
  for (let stage = 0, cell = 0; stage < 3; stage++) {
    const width = ch << stage;
    [x, xPrev] = [firstCell(`cell_${cell++}`, x, xPrev, Math.floor(width / 2), width), x];
    for (let k = 0; k < 5; k++) [x, xPrev] = [normalCell(`cell_${cell++}`, x, xPrev, width), x];
    if (stage < 2) x = reductionCell(`reduction_cell_${stage}`, x, xPrev, 2 * width);
  }
  return o.head(x, classes);
}

/** Name and PyTorch shape of every variable timmNasnetReference makes (running statistics included), in its order, from shapes alone. */
export function timmNasnetParameterShapes(net: NasnetConfig, classes: number): { name: string; dims: number[] }[] {
  type Shape = { h: number; w: number; c: number };
  const list: { name: string; dims: number[] }[] = [];
  const half = (s: Shape, c = s.c): Shape => ({ h: Math.ceil(s.h / 2), w: Math.ceil(s.w / 2), c });
  const same = (a: Shape, b: Shape) => { if (a.h !== b.h || a.w !== b.w) throw new Error(`sizes ${a.h}x${a.w} and ${b.h}x${b.w}`); };
  const bnNames = ['weight', 'bias', 'running_mean', 'running_var'];
  const ops: Ops<Shape> = {
    channels: (x) => x.c,
    conv: (x, name, out, k, stride, opt = {}) => {
      list.push({ name: `${name}.weight`, dims: opt.depthwise ? [x.c, 1, k, k] : [out, x.c, k, k] });
      if (opt.valid) return { h: Math.floor((x.h - k) / stride) + 1, w: Math.floor((x.w - k) / stride) + 1, c: out };
      return stride === 2 ? half(x, out) : { ...x, c: out };
    },
    bn: (x, name) => { for (const n of bnNames) list.push({ name: `${name}.${n}`, dims: [x.c] }); return x; },
    relu: (x) => x,
    maxPool: (x) => half(x),
    avgPool: (x, stride) => (stride === 2 ? half(x) : x),
    add: (a, b) => { same(a, b); if (a.c !== b.c) throw new Error(`adding ${a.c} to ${b.c} channels`); return a; },
    concat: (xs) => { xs.forEach((x) => same(x, xs[0]!)); return { ...xs[0]!, c: xs.reduce((n, x) => n + x.c, 0) }; },
    shiftedSubsample: (x) => half(x),
    subsample: (x) => half(x),
    head: (x, classes) => {
      list.push({ name: 'last_linear.weight', dims: [classes, x.c] }, { name: 'last_linear.bias', dims: [classes] });
      return { h: 1, w: 1, c: classes };
    },
  };
  // 331: nasnetalarge's input size; any size the network accepts lists the same variables.
  nasnet(ops, net, classes, { h: 331, w: 331, c: 3 });
  return list;
}

/**
 * TF SAME padding (before, after) for size n: timm's pad_same for stride 2; for stride 1 and odd k it is the
 * symmetric (k - 1) / 2 timm uses as static padding.
 */
const samePad = (n: number, k: number, stride: number): [number, number] => {
  const total = Math.max((Math.ceil(n / stride) - 1) * stride + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
};

export function timmNasnetReference(net: NasnetConfig, classes: number, input: Float32Array, dims: [number, number, number, number], seed: string): NasnetReference {
  const rng = exampleRng(5, seed, 'timm-nasnet');
  const variables = new Map<string, NasnetTensor>();
  // PyTorch layouts: the fan-in of a conv weight [out, in/groups, k, k] or linear weight [out, in] is all but the first dim.
  const variable = (name: string, shape: number[], make: (fanIn: number) => number): tf.Tensor => {
    let v = variables.get(name);
    if (!v) {
      const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
      v = { name, dims: shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => make(fanIn)) };
      variables.set(name, v);
    }
    return tf.tensor(v.data, shape);
  };
  // He scaling for convs that follow a ReLU; the pointwise convs follow the linear depthwise ones, so 1/fanIn.
  const he = (fanIn: number) => rng.normal() * Math.sqrt(2 / fanIn);
  const lecun = (fanIn: number) => rng.normal() * Math.sqrt(1 / fanIn);
  type T4 = tf.Tensor4D;
  const padHW = (x: T4, k: number, stride: number): T4 =>
    tf.pad(x, [[0, 0], samePad(x.shape[1], k, stride), samePad(x.shape[2], k, stride), [0, 0]]);
  const ops: Ops<T4> = {
    channels: (x) => x.shape[3],
    conv: (x, name, out, k, stride, opt = {}) => {
      const c = x.shape[3];
      const padded = opt.valid || k === 1 ? x : padHW(x, k, stride); // zeros, as Conv2dSame and static padding do
      if (opt.depthwise) {
        const w = variable(`${name}.weight`, [c, 1, k, k], he) as T4;
        return tf.depthwiseConv2d(padded, w.transpose([2, 3, 0, 1]) as T4, stride, 'valid');
      }
      const w = variable(`${name}.weight`, [out, c, k, k], name.endsWith('pointwise_conv2d') ? lecun : he) as T4;
      return tf.conv2d(padded, w.transpose([2, 3, 1, 0]) as T4, stride, 'valid');
    },
    bn: (x, name) => {
      const c = [x.shape[3]];
      // Scales below 1: every cell adds pairs of branches, which with scales near 1 grow activations ~1000x over 20 cells.
      const weight = variable(`${name}.weight`, c, () => 0.7 + rng.normal() * 0.07) as tf.Tensor1D;
      const bias = variable(`${name}.bias`, c, () => rng.normal() * 0.1) as tf.Tensor1D;
      const mean = variable(`${name}.running_mean`, c, () => rng.normal() * 0.1) as tf.Tensor1D;
      const variance = variable(`${name}.running_var`, c, () => 0.5 + rng.uniform()) as tf.Tensor1D;
      return tf.batchNorm4d(x, mean, variance, bias, weight, 0.001);
    },
    relu: (x) => tf.relu(x),
    // TF's SAME max pool ignores the padding, as MaxPool2dSame's -inf padding does.
    maxPool: (x) => tf.maxPool(x, 3, 2, 'same'),
    // Stride 1: AvgPool2d(3, 1, padding=1, count_include_pad=False), so TF's SAME (padding not counted). Stride 2:
    // AvgPool2dSame pads zeros itself and then pools with padding 0, so its count_include_pad=False has nothing
    // to exclude and the zeros count: every window divides by 9.
    avgPool: (x, stride) => (stride === 1 ? tf.avgPool(x, 3, 1, 'same') : tf.avgPool(padHW(x, 3, 2), 3, 2, 'valid')),
    add: (a, b) => tf.add(a, b),
    concat: (xs) => tf.concat(xs, 3),
    subsample: (x) => tf.stridedSlice(x, [0, 0, 0, 0], x.shape, [1, 2, 2, 1]) as T4,
    shiftedSubsample: (x) => {
      const shifted = tf.pad(x.slice([0, 1, 1, 0]), [[0, 0], [0, 1], [0, 1], [0, 0]]);
      return tf.stridedSlice(shifted, [0, 0, 0, 0], shifted.shape, [1, 2, 2, 1]) as T4;
    },
    head: (x, classes) => {
      const pooled = tf.mean(tf.relu(x), [1, 2]) as tf.Tensor2D;
      const w = variable('last_linear.weight', [classes, x.shape[3]], (fanIn) => rng.normal() / Math.sqrt(fanIn)) as tf.Tensor2D;
      const b = variable('last_linear.bias', [classes], () => rng.normal() * 0.1);
      return tf.add(tf.matMul(pooled, w, false, true), b).reshape([dims[0], classes, 1, 1]) as T4;
    },
  };
  const logits = tf.tidy(() => nasnet(ops, net, classes, tf.tensor4d(input, dims)));
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  return { logits: values, variables: [...variables.values()] };
}
