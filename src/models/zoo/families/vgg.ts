import type { ZooArchitecture } from '../architecture.js';
import { MEAN_SUBTRACTED } from '../input-transforms.js';
import { NetBuilder } from '../layers.js';

/** Convolutions per stage; each stage ends in a 2x2 max pool, so five stages take 32x32 to 1x1. */
const STAGES: Record<number, number[]> = {
  11: [1, 1, 2, 2, 2],
  16: [2, 2, 3, 3, 3],
};

/** Stage widths relative to the first stage, as in VGG (64, 128, 256, 512, 512). */
const STAGE_WIDTHS = [1, 2, 4, 8, 8];

/**
 * VGG with batch normalisation (folded: see NetBuilder.affine) at a quarter of the width: stacks of 3x3
 * conv-BN-ReLU and 2x2 max pools, then VGG's classifier of two fully connected ReLU layers before the
 * logits, here as wide as the last stage.
 */
function vgg(depth: number, width: number): ZooArchitecture {
  const name = `vgg-${depth}-mini`;
  return {
    name,
    family: 'vgg',
    depth,
    width,
    build(seed) {
      const net = new NetBuilder(name, seed);
      let x = net.input(MEAN_SUBTRACTED);
      STAGES[depth]!.forEach((convs, stage) => {
        for (let i = 0; i < convs; i++) x = net.convBn(x, width * STAGE_WIDTHS[stage]!, 3);
        x = net.maxPool(x, 2, 2);
      });
      const fc = x.channels;
      return net.classify(net.dense(net.dense(net.flatten(x), fc), fc));
    },
  };
}

export const VGG_ARCHITECTURES: ZooArchitecture[] = [vgg(11, 16), vgg(16, 16)];
