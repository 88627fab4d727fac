import type { ZooArchitecture } from '../architecture.js';
import { SIGNED } from '../input-transforms.js';
import { NetBuilder } from '../layers.js';

/**
 * Depthwise-separable layers (output channels at width 1, stride) after the stem: MobileNet v1's sequence at
 * half its channels, with one of its five 512-channel repeats per stage kept, and its downsampling
 * adapted to 32x32 (stride 1 stem, three stride-2 layers: 32 -> 16 -> 8 -> 4).
 */
const LAYERS: [number, number][] = [[32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [256, 2], [256, 1]];
const STEM = 16;

/**
 * MobileNet v1: a 3x3 conv stem, then depthwise 3x3 and pointwise 1x1 convs, each followed by folded BN
 * and ReLU6, global average pooling and one fully connected layer. The width multiplier scales every
 * layer's channels, as in the study's 0.25, 0.5 and 1.0 models.
 */
function mobilenet(alpha: number): ZooArchitecture {
  // Whole multipliers keep one decimal, as in the study's mobilenet_v1_1.0.
  const name = `mobilenet-${Number.isInteger(alpha) ? alpha.toFixed(1) : alpha}`;
  const scaled = (channels: number) => Math.max(4, Math.round(channels * alpha));
  return {
    name,
    family: 'mobilenet',
    depth: 2 + 2 * LAYERS.length,
    width: alpha,
    build(seed) {
      const net = new NetBuilder(name, seed);
      let x = net.convBn(net.input(SIGNED), scaled(STEM), 3, { act: 'relu6' });
      for (const [channels, stride] of LAYERS) {
        x = net.convBn(x, x.channels, 3, { stride, groups: x.channels, act: 'relu6' });
        x = net.convBn(x, scaled(channels), 1, { act: 'relu6' });
      }
      return net.classify(net.globalPool(x));
    },
  };
}

export const MOBILENET_ARCHITECTURES: ZooArchitecture[] = [mobilenet(0.25), mobilenet(0.5), mobilenet(1)];
