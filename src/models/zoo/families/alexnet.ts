import type { ZooArchitecture } from '../architecture.js';
import { MEAN_SUBTRACTED } from '../input-transforms.js';
import { NetBuilder } from '../layers.js';

/**
 * AlexNet scaled to 32x32: the same layout (large strided first kernel, 5x5 second conv, LRN after the
 * first two, three 3x3 convs, overlapping 3x3/2 max pools, two wide fully connected layers), with the
 * same downsampling per stage (227 -> 55 -> 27 -> 13 -> 6 there, 32 -> 16 -> 8 -> 4 -> 2 here). Convs carry
 * biases and no batch normalisation, as in the original. Dropout is an identity at inference and is left
 * out of the graph.
 */
export const ALEXNET_ARCHITECTURES: ZooArchitecture[] = [{
  name: 'alexnet-mini',
  family: 'alexnet',
  depth: 8,
  width: 48,
  build(seed) {
    const net = new NetBuilder('alexnet-mini', seed);
    let x = net.input(MEAN_SUBTRACTED);
    x = net.maxPool(net.lrn(net.convRelu(x, 48, 7, { stride: 2 })), 3, 2, 1);
    x = net.maxPool(net.lrn(net.convRelu(x, 96, 5)), 3, 2, 1);
    x = net.convRelu(x, 144, 3);
    x = net.convRelu(x, 144, 3);
    x = net.maxPool(net.convRelu(x, 96, 3), 3, 2, 1);
    return net.classify(net.dense(net.dense(net.flatten(x), 384), 384));
  },
}];
