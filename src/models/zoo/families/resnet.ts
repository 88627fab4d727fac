import type { ZooArchitecture } from '../architecture.js';
import { SIGNED } from '../input-transforms.js';
import { NetBuilder, type Feature } from '../layers.js';

/**
 * One pre-activation basic block (ResNet v2, the version the study used): BN-ReLU, then two 3x3 convs.
 * A block that changes width or resolution takes a 1x1 strided projection of the pre-activated input as
 * its shortcut; the others add the input itself. The branch ends in a folded BN whose scale starts at
 * zero, so the block starts as the identity and the network trains without batch statistics.
 */
function basicBlock(net: NetBuilder, x: Feature, channels: number, stride: number): Feature {
  const pre = net.bnRelu(x);
  const shortcut = stride === 1 && channels === x.channels ? x : net.conv(pre, channels, 1, { stride });
  const mid = net.convBn(pre, channels, 3, { stride });
  const branch = net.affine(net.conv(mid, channels, 3), { zeroScale: true });
  return net.add(branch, shortcut);
}

/**
 * The CIFAR ResNets of He et al. (2016), depth 6n+2: a 3x3 stem, three stages of n basic blocks at 16, 32
 * and 64 channels (32x32, 16x16, 8x8), global average pooling and one fully connected layer.
 */
function resnet(depth: number): ZooArchitecture {
  const name = `resnet-${depth}`;
  const blocks = (depth - 2) / 6;
  const width = 16;
  return {
    name,
    family: 'resnet',
    depth,
    width,
    build(seed) {
      const net = new NetBuilder(name, seed);
      let x = net.conv(net.input(SIGNED), width, 3);
      for (let stage = 0; stage < 3; stage++) {
        for (let i = 0; i < blocks; i++) x = basicBlock(net, x, width << stage, stage > 0 && i === 0 ? 2 : 1);
      }
      return net.classify(net.globalPool(net.bnRelu(x)));
    },
  };
}

export const RESNET_ARCHITECTURES: ZooArchitecture[] = [resnet(8), resnet(14), resnet(20)];
