import type { ZooArchitecture } from '../architecture.js';
import { SIGNED } from '../input-transforms.js';
import { NetBuilder } from '../layers.js';

/**
 * Baselines with no convolution: softmax regression (one Gemm on the pixels) and MLPs. They see no
 * translation invariance, so they stay far below the convolutional families and anchor the low end of the
 * accuracy range.
 */
function mlp(name: string, hidden: number[]): ZooArchitecture {
  return {
    name,
    family: 'mlp',
    depth: hidden.length + 1,
    width: hidden[0] ?? 0,
    build(seed) {
      const net = new NetBuilder(name, seed);
      let v = net.flatten(net.input(SIGNED));
      for (const units of hidden) v = net.dense(v, units);
      return net.classify(v);
    },
  };
}

export const MLP_ARCHITECTURES: ZooArchitecture[] = [
  mlp('linear', []),
  mlp('mlp-1', [64]),
  mlp('mlp-2', [64, 64]),
];
