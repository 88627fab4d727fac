/**
 * pudae/tensorflow-densenet's nets/densenet.py restated with @tensorflow/tfjs ops (TensorFlow's semantics),
 * independently of the graph robustscope builds: the reference its DenseNet import is checked against.
 * Variables are made on first use, random but well scaled, under the names TF-slim gives them, so the same
 * run yields the checkpoint to write.
 */
import * as tf from '@tensorflow/tfjs';
import { exampleRng } from '../../src/core/rng.js';
import type { SlimDenseNet } from '../../src/models/importers/slim-densenet.js';
import type { CkptTensor } from './tf-checkpoint.js';

export interface DenseNetReference {
  /** Logits [N, classes] of preprocessed NHWC input. */
  logits: Float32Array;
  /** Every variable the forward pass used, as a checkpoint would store it. */
  variables: CkptTensor[];
}

export function denseNetReference(net: SlimDenseNet, classes: number, input: Float32Array, dims: [number, number, number, number], seed: string): DenseNetReference {
  const rng = exampleRng(5, seed, 'densenet');
  const variables = new Map<string, { name: string; dims: number[]; data: Float32Array }>();
  const variable = (name: string, shape: number[], make: (fanIn: number) => number): tf.Tensor => {
    let v = variables.get(name);
    if (!v) {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      v = { name, dims: shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => make(fanIn)) };
      variables.set(name, v);
    }
    return tf.tensor(v.data, shape);
  };
  const s = net.scope;
  const logits = tf.tidy(() => {
    const batchNorm = (x: tf.Tensor4D, scope: string): tf.Tensor4D => {
      const c = [x.shape[3]];
      return tf.batchNorm4d(x,
        variable(`${scope}/moving_mean`, c, () => rng.normal() * 0.1) as tf.Tensor1D,
        variable(`${scope}/moving_variance`, c, () => 0.5 + rng.uniform()) as tf.Tensor1D,
        variable(`${scope}/beta`, c, () => rng.normal() * 0.1) as tf.Tensor1D,
        variable(`${scope}/gamma`, c, () => 1 + rng.normal() * 0.1) as tf.Tensor1D,
        1.1e-5);
    };
    const conv = (x: tf.Tensor4D, scope: string, filters: number, kernel: number, stride = 1): tf.Tensor4D =>
      tf.conv2d(x, variable(`${scope}/weights`, [kernel, kernel, x.shape[3], filters], (fanIn) => rng.normal() * Math.sqrt(2 / fanIn)) as tf.Tensor4D, stride, 'same');
    // _conv: batch_norm, relu, conv2d (scope 'Conv' inside the block's scope).
    const bnReluConv = (x: tf.Tensor4D, scope: string, filters: number, kernel: number) =>
      conv(tf.relu(batchNorm(x, `${scope}/BatchNorm`)), `${scope}/Conv`, filters, kernel);

    let x = tf.tensor4d(input, dims);
    x = tf.maxPool(tf.relu(batchNorm(conv(x, `${s}/conv1`, net.filters, 7, 2), `${s}/BatchNorm`)), 3, 2, 'same');
    let filters = net.filters;
    net.layers.forEach((count, b) => {
      for (let k = 1; k <= count; k++) {
        const scope = `${s}/dense_block${b + 1}/conv_block${k}`;
        const y = bnReluConv(bnReluConv(x, `${scope}/x1`, net.growthRate * 4, 1), `${scope}/x2`, net.growthRate, 3);
        x = tf.concat([x, y], 3);
        filters += net.growthRate;
      }
      if (b < net.layers.length - 1) {
        filters = Math.floor(filters * 0.5);
        x = tf.avgPool(bnReluConv(x, `${s}/transition_block${b + 1}/blk`, filters, 1), 2, 2, 'valid');
      }
    });
    x = tf.mean(tf.relu(batchNorm(x, `${s}/final_block/BatchNorm`)), [1, 2], true) as tf.Tensor4D;
    const z = tf.add(conv(x, `${s}/logits`, classes, 1), variable(`${s}/logits/biases`, [classes], () => rng.normal() * 0.1));
    return z.reshape([dims[0], classes]);
  });
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  return { logits: values, variables: [...variables.values()] };
}
