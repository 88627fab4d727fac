import type { ZooArchitecture } from '../architecture.js';
import { DENSENET_STANDARDIZED } from '../input-transforms.js';
import { NetBuilder, type Feature } from '../layers.js';

/** DenseNet-BC's bottleneck is 4 growth-rates wide and its transitions halve the channels. */
const BOTTLENECK = 4;
const COMPRESSION = 0.5;

/** A dense block: each layer (BN-ReLU-1x1, BN-ReLU-3x3) adds `growth` channels to everything before it. */
function denseBlock(net: NetBuilder, x: Feature, layers: number, growth: number): Feature {
  for (let i = 0; i < layers; i++) {
    const bottleneck = net.conv(net.bnRelu(x), BOTTLENECK * growth, 1);
    x = net.concat([x, net.conv(net.bnRelu(bottleneck), growth, 3)]);
  }
  return x;
}

/** Between blocks: BN-ReLU-1x1 conv to compress the channels, then a 2x2 average pool. */
function transition(net: NetBuilder, x: Feature): Feature {
  return net.avgPool(net.conv(net.bnRelu(x), Math.floor(x.channels * COMPRESSION), 1), 2, 2);
}

/**
 * DenseNet-BC (Huang et al. 2017) with three dense blocks, depth 6n+4. Like the study's ImageNet DenseNets,
 * the stem pools before the first block (here 32 -> 16, then 8 and 4 after the transitions), which keeps
 * the dense blocks' cost within the zoo's budget. The wider variant raises the growth rate by half, as
 * DenseNet-161's 48 does over 121's and 169's 32.
 */
function densenet(depth: number, growth: number): ZooArchitecture {
  const name = growth === 12 ? `densenet-${depth}` : `densenet-${depth}-k${growth}`;
  const layers = (depth - 4) / 6;
  return {
    name,
    family: 'densenet',
    depth,
    width: growth,
    build(seed) {
      const net = new NetBuilder(name, seed);
      let x = net.maxPool(net.conv(net.input(DENSENET_STANDARDIZED), 2 * growth, 3), 3, 2, 1);
      x = transition(net, denseBlock(net, x, layers, growth));
      x = transition(net, denseBlock(net, x, layers, growth));
      x = denseBlock(net, x, layers, growth);
      return net.classify(net.globalPool(net.bnRelu(x)));
    },
  };
}

export const DENSENET_ARCHITECTURES: ZooArchitecture[] = [densenet(28, 12), densenet(40, 12), densenet(28, 18)];
