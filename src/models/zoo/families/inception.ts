import type { ZooArchitecture } from '../architecture.js';
import { SIGNED } from '../input-transforms.js';
import { NetBuilder, type Feature } from '../layers.js';

/** Branch widths of one Inception module: 1x1; 1x1 -> 3x3; 1x1 -> 5x5 (or its replacement); pool -> 1x1. */
type ModuleSpec = [b1: number, b3Reduce: number, b3: number, b5Reduce: number, b5: number, poolProj: number];

/** GoogLeNet's modules 3a-3b, 4a-4e and 5a-5b (Szegedy et al. 2015, table 1); a max pool follows each stage. */
const GOOGLENET: ModuleSpec[][] = [
  [[64, 96, 128, 16, 32, 32], [128, 128, 192, 32, 96, 64]],
  [[192, 96, 208, 16, 48, 64], [160, 112, 224, 24, 64, 64], [128, 128, 256, 24, 64, 64], [112, 144, 288, 32, 64, 64], [256, 160, 320, 32, 128, 128]],
  [[256, 160, 320, 32, 128, 128], [384, 192, 384, 48, 128, 128]],
];

/** The zoo's Inception models run GoogLeNet's layout at a fifth of its channels. */
const WIDTH = 0.2;
const STEM = 32;

/**
 * What distinguishes the versions the study compares:
 * - v1 (GoogLeNet): conv + bias + ReLU, no batch normalisation, a 5x5 branch;
 * - v2 (BN-Inception): batch normalisation everywhere, the 5x5 replaced by two 3x3;
 * - v3: as v2, with every 3x3 of the middle (8x8) stage factorised into 1x3 then 3x1, the asymmetric
 *   factorisation v3 applies to its 17x17 grid.
 */
type Version = 'v1' | 'v2' | 'v3';

class InceptionNet {
  constructor(readonly net: NetBuilder, readonly version: Version) {}

  unit(x: Feature, channels: number, kernel: number | [number, number]): Feature {
    return this.version === 'v1' ? this.net.convRelu(x, channels, kernel) : this.net.convBn(x, channels, kernel);
  }

  /** A 3x3 conv, or its 1x3 + 3x1 factorisation. */
  spatial(x: Feature, channels: number, factorised: boolean): Feature {
    return factorised ? this.unit(this.unit(x, channels, [1, 3]), channels, [3, 1]) : this.unit(x, channels, 3);
  }

  module(x: Feature, spec: ModuleSpec, factorised: boolean): Feature {
    const [b1, b3r, b3, b5r, b5, pool] = spec.map((c) => Math.round(c * WIDTH)) as ModuleSpec;
    const wide = this.version === 'v1'
      ? this.unit(this.unit(x, b5r, 1), b5, 5)
      : this.spatial(this.spatial(this.unit(x, b5r, 1), b5, factorised), b5, factorised);
    return this.net.concat([
      this.unit(x, b1, 1),
      this.spatial(this.unit(x, b3r, 1), b3, factorised),
      wide,
      this.unit(this.net.maxPool(x, 3, 1, 1), pool, 1),
    ]);
  }
}

/**
 * Inception v1-v3 at 32x32: a 3x3 stem and a stride-2 max pool (GoogLeNet's stem downsamples 8x before
 * its first module; the zoo's images are 7x smaller), then GoogLeNet's nine modules in three stages at
 * 16x16, 8x8 and 4x4, global average pooling and one fully connected layer.
 */
function inception(version: Version, depth: number): ZooArchitecture {
  const name = `inception-${version}-mini`;
  return {
    name,
    family: 'inception',
    depth,
    width: WIDTH,
    build(seed) {
      const inc = new InceptionNet(new NetBuilder(name, seed), version);
      let x = inc.net.maxPool(inc.unit(inc.net.input(SIGNED), STEM, 3), 3, 2, 1);
      GOOGLENET.forEach((stage, s) => {
        for (const spec of stage) x = inc.module(x, spec, version === 'v3' && s === 1);
        if (s < GOOGLENET.length - 1) x = inc.net.maxPool(x, 3, 2, 1);
      });
      return inc.net.classify(inc.net.globalPool(x));
    },
  };
}

/** Residual stream widths of the three Inception-ResNet stages (16x16, 8x8, 4x4) and blocks per stage. */
const RESIDUAL_WIDTHS = [48, 96, 192];
const RESIDUAL_BLOCKS = 2;

/**
 * An Inception-ResNet-A style block: 1x1, 1x1 -> 3x3 and 1x1 -> 3x3 -> 3x3 branches, concatenated, projected
 * back to the stream's width by a linear 1x1 conv and added. Inception-ResNet-v2 scales that residual by
 * 0.1-0.3 to keep training stable; a folded BN whose scale starts at zero does the same job and learns it.
 */
function residualInceptionBlock(net: NetBuilder, x: Feature): Feature {
  const b = x.channels / 8;
  const mixed = net.concat([
    net.convBn(x, b, 1),
    net.convBn(net.convBn(x, b, 1), b, 3),
    net.convBn(net.convBn(net.convBn(x, b, 1), (3 * b) / 2, 3), 2 * b, 3),
  ]);
  const residual = net.affine(net.conv(mixed, x.channels, 1), { zeroScale: true });
  return net.activation(net.add(x, residual), 'relu');
}

/**
 * Inception-ResNet at 32x32: the stem of the other Inception models, a 1x1 conv to the first stage's width,
 * then stages of residual Inception blocks separated by reduction blocks that concatenate a stride-2 max
 * pool with a stride-2 3x3 conv (the two-branch core of Inception-ResNet's Reduction-A).
 */
const INCEPTION_RESNET: ZooArchitecture = {
  name: 'inception-resnet-mini',
  family: 'inception',
  depth: 2 + RESIDUAL_WIDTHS.length * RESIDUAL_BLOCKS * 4 + (RESIDUAL_WIDTHS.length - 1) + 1,
  width: RESIDUAL_WIDTHS[0]!,
  build(seed) {
    const net = new NetBuilder('inception-resnet-mini', seed);
    let x = net.maxPool(net.convBn(net.input(SIGNED), STEM, 3), 3, 2, 1);
    x = net.convBn(x, RESIDUAL_WIDTHS[0]!, 1);
    RESIDUAL_WIDTHS.forEach((width, s) => {
      if (s > 0) x = net.concat([net.maxPool(x, 3, 2, 1), net.convBn(x, width - x.channels, 3, { stride: 2 })]);
      for (let i = 0; i < RESIDUAL_BLOCKS; i++) x = residualInceptionBlock(net, x);
    });
    return net.classify(net.globalPool(x));
  },
};

export const INCEPTION_ARCHITECTURES: ZooArchitecture[] = [
  inception('v1', 20),
  inception('v2', 29),
  inception('v3', 39),
  INCEPTION_RESNET,
];
