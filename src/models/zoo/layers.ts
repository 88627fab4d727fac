import { GraphBuilder, float, modelOf } from '../../onnx/builder.js';
import { emptyGraph, type Model } from '../../onnx/ir.js';
import { floatTensor } from '../../onnx/tensor.js';
import { createRng, glorotUniform, heUniform } from './init.js';
import type { Rng } from '../../core/rng.js';
import type { InputTransform } from './input-transforms.js';

/** Every zoo model classifies 32x32 RGB images into 10 classes. */
export const ZOO_IMAGE_SIZE = 32;
export const ZOO_CLASSES = 10;

/** A feature map [N, channels, size, size]. */
export interface Feature {
  name: string;
  channels: number;
  size: number;
}

/** A batch of vectors [N, features]. */
export interface Vector {
  name: string;
  features: number;
}

export type Activation = 'relu' | 'relu6';

export interface ConvOptions {
  stride?: number;
  /** Zero padding per side, one value or [height, width]; defaults to (kernel-1)/2 ("same" at stride 1). */
  pad?: number | [number, number];
  /** Channel groups; groups = channels makes a depthwise convolution. */
  groups?: number;
}

export interface ConvBnOptions extends ConvOptions {
  act?: Activation;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * The building blocks every zoo family is written with, over a GraphBuilder.
 *
 * Contract with training: every float initializer is a trainable parameter (weights, biases, folded-BN
 * scales and shifts); fixed values (input transform, ReLU6 bounds) are Constant nodes, which are not
 * initializers, so a trainer can differentiate with respect to all initializers and `summarize` counts
 * exactly the learned parameters.
 */
export class NetBuilder {
  private readonly b = new GraphBuilder(emptyGraph());
  private readonly rng: Rng;
  private relu6Bounds?: [string, string];
  private inputLabel = '';

  constructor(private readonly architecture: string, private readonly seed: number) {
    this.rng = createRng(seed, architecture);
    this.b.graph.name = architecture;
  }

  /** The graph input `input` [N, 3, 32, 32] in canonical space, mapped by the family's input transform. */
  input(transform: InputTransform): Feature {
    this.inputLabel = transform.label;
    const x = this.b.input('input', ['N', 3, ZOO_IMAGE_SIZE, ZOO_IMAGE_SIZE]);
    const scaled = this.b.op('Mul', [x, this.constant('input_scale', [1, 3, 1, 1], transform.scale)]);
    const shifted = this.b.op('Add', [scaled, this.constant('input_shift', [1, 3, 1, 1], transform.shift)]);
    return { name: shifted, channels: 3, size: ZOO_IMAGE_SIZE };
  }

  /** Convolution with He-initialised weights; `bias` only where no folded BN follows to supply the shift. */
  conv(x: Feature, channels: number, kernel: number | [number, number], opts: ConvOptions & { bias?: boolean } = {}): Feature {
    const [kh, kw] = pair(kernel);
    const [ph, pw] = pair(opts.pad ?? [(kh - 1) / 2, (kw - 1) / 2]);
    const stride = opts.stride ?? 1;
    const groups = opts.groups ?? 1;
    if (x.channels % groups !== 0 || channels % groups !== 0) throw new Error(`${this.architecture}: ${groups} groups do not divide ${x.channels} -> ${channels} channels`);
    const fanIn = (x.channels / groups) * kh * kw;
    const w = this.weight('conv_w', [channels, x.channels / groups, kh, kw], heUniform(this.rng, channels * fanIn, fanIn));
    const inputs = [x.name, w];
    if (opts.bias) inputs.push(this.weight('conv_b', [channels], new Float32Array(channels)));
    const attrs = { kernel_shape: [kh, kw], strides: [stride, stride], pads: [ph, pw, ph, pw], group: groups };
    const outH = Math.floor((x.size + 2 * ph - kh) / stride) + 1;
    const outW = Math.floor((x.size + 2 * pw - kw) / stride) + 1;
    if (outH !== outW) throw new Error(`${this.architecture}: convolution would make a non-square map (${outH}x${outW})`);
    return { name: this.b.op('Conv', inputs, attrs), channels, size: outH };
  }

  /**
   * Batch normalisation in its folded form, a learned per-channel scale and shift (Mul + Add).
   *
   * Why not BatchNormalization with batch statistics: the training graph would then differ from the
   * inference graph that attacks see, and batch statistics need ops outside our autodiff. Why not an
   * inference-form BatchNormalization node trained by gradient: its mean and variance are redundant with
   * scale and B (only scale/sqrt(var+eps) and B - mean*scale/sqrt(var+eps) matter) and a gradient step can
   * drive the variance negative. The scale-and-shift pair is exactly what inference-form BN computes, so the
   * models look to attacks like the study's BN networks. What batch statistics would add, stable signal
   * scale through depth, comes instead from He initialisation and from `zeroScale` on the last layer of
   * every residual branch, which starts each block as the identity (SkipInit, De & Smith 2020; zero-gamma,
   * Goyal et al. 2017).
   */
  affine(x: Feature, opts: { zeroScale?: boolean } = {}): Feature {
    const dims = [1, x.channels, 1, 1];
    const scale = this.weight('bn_scale', dims, new Float32Array(x.channels).fill(opts.zeroScale ? 0 : 1));
    const shift = this.weight('bn_shift', dims, new Float32Array(x.channels));
    return { ...x, name: this.b.op('Add', [this.b.op('Mul', [x.name, scale]), shift]) };
  }

  activation(x: Feature, act: Activation): Feature {
    if (act === 'relu') return { ...x, name: this.b.op('Relu', [x.name]) };
    this.relu6Bounds ??= [this.constant('relu6_min', [], [0]), this.constant('relu6_max', [], [6])];
    return { ...x, name: this.b.op('Clip', [x.name, ...this.relu6Bounds]) };
  }

  /** Conv -> folded BN -> activation (ReLU by default): the unit most families are made of. */
  convBn(x: Feature, channels: number, kernel: number | [number, number], opts: ConvBnOptions = {}): Feature {
    return this.activation(this.affine(this.conv(x, channels, kernel, opts)), opts.act ?? 'relu');
  }

  /** Conv with bias -> ReLU: the unit of the networks that predate batch normalisation (AlexNet, Inception v1). */
  convRelu(x: Feature, channels: number, kernel: number | [number, number], opts: ConvOptions = {}): Feature {
    return this.activation(this.conv(x, channels, kernel, { ...opts, bias: true }), 'relu');
  }

  /** Folded BN -> ReLU, the pre-activation of ResNet v2 and DenseNet layers. */
  bnRelu(x: Feature): Feature {
    return this.activation(this.affine(x), 'relu');
  }

  maxPool(x: Feature, kernel: number, stride: number, pad = 0): Feature {
    return this.pool('MaxPool', x, kernel, stride, pad);
  }

  /** Average pooling; padding is left out of the average (count_include_pad = 0). */
  avgPool(x: Feature, kernel: number, stride: number, pad = 0): Feature {
    return this.pool('AveragePool', x, kernel, stride, pad);
  }

  /** Cross-channel local response normalisation with AlexNet's constants. */
  lrn(x: Feature): Feature {
    return { ...x, name: this.b.op('LRN', [x.name], { size: 5, alpha: float(1e-4), beta: float(0.75), bias: float(2) }) };
  }

  add(a: Feature, b: Feature): Feature {
    if (a.channels !== b.channels || a.size !== b.size) throw new Error(`${this.architecture}: cannot add ${a.channels}x${a.size} and ${b.channels}x${b.size} maps`);
    return { ...a, name: this.b.op('Add', [a.name, b.name]) };
  }

  concat(parts: Feature[]): Feature {
    const size = parts[0]!.size;
    if (parts.some((p) => p.size !== size)) throw new Error(`${this.architecture}: cannot concatenate maps of different sizes`);
    return { name: this.b.op('Concat', parts.map((p) => p.name), { axis: 1 }), channels: parts.reduce((s, p) => s + p.channels, 0), size };
  }

  flatten(x: Feature): Vector {
    return { name: this.b.op('Flatten', [x.name], { axis: 1 }), features: x.channels * x.size * x.size };
  }

  /** Global average pooling to one vector per image. */
  globalPool(x: Feature): Vector {
    return this.flatten({ ...x, name: this.b.op('GlobalAveragePool', [x.name]), size: 1 });
  }

  /** Fully connected layer (Gemm, weights [out, in]) followed by a ReLU. */
  dense(v: Vector, features: number): Vector {
    const y = this.gemm(v, features, heUniform(this.rng, features * v.features, v.features));
    return { name: this.b.op('Relu', [y]), features };
  }

  /** The last fully connected layer: writes `logits` [N, 10] and returns the finished model. */
  classify(v: Vector): Model {
    this.gemm(v, ZOO_CLASSES, glorotUniform(this.rng, ZOO_CLASSES * v.features, v.features, ZOO_CLASSES), 'logits');
    this.b.output('logits', ['N', ZOO_CLASSES]);
    return modelOf(this.b.graph, undefined, {
      'robustscope.zoo.architecture': this.architecture,
      'robustscope.zoo.seed': String(this.seed),
      'robustscope.zoo.input_transform': this.inputLabel,
    });
  }

  private gemm(v: Vector, features: number, weights: Float32Array, output?: string): string {
    const w = this.weight('fc_w', [features, v.features], weights);
    const bias = this.weight('fc_b', [features], new Float32Array(features));
    return this.b.node('Gemm', [v.name, w, bias], { transB: 1 }, output ? { outputs: [output] } : {})[0]!;
  }

  private pool(op: 'MaxPool' | 'AveragePool', x: Feature, kernel: number, stride: number, pad: number): Feature {
    const attrs = { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [pad, pad, pad, pad] };
    return { ...x, name: this.b.op(op, [x.name], attrs), size: Math.floor((x.size + 2 * pad - kernel) / stride) + 1 };
  }

  private weight(prefix: string, dims: number[], values: Float32Array): string {
    return this.b.constFloat(prefix, dims, values);
  }

  private constant(prefix: string, dims: number[], values: readonly number[]): string {
    return this.b.node('Constant', [], { value: floatTensor('', dims, values) }, { outputs: [this.b.fresh(prefix)] })[0]!;
  }
}
