import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, float, modelOf } from '../../src/onnx/builder.js';
import { GradientSession } from '../../src/runtime/gradient-session.js';
import { count, normals, rng } from './fd-check.js';

/**
 * Weight gradients end to end: a small CNN (Conv, BatchNormalization, Relu, MaxPool, GlobalAveragePool,
 * Gemm) learns to tell horizontal from vertical bars with plain SGD on gradients w.r.t. its initializers.
 */

const SIZE = 8;
const N = 32;

function bars(seed: number): { x: Float32Array; labels: Int32Array } {
  const rand = rng(seed);
  const x = normals(rand, N * SIZE * SIZE, 0.1);
  const labels = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    labels[n] = n % 2;
    const at = Math.floor(rand() * SIZE);
    for (let k = 0; k < SIZE; k++) {
      const [r, c] = labels[n] === 0 ? [at, k] : [k, at];
      x[n * SIZE * SIZE + r * SIZE + c]! += 1;
    }
  }
  return { x, labels };
}

function cnn(seed: number) {
  const rand = rng(seed);
  const b = new GraphBuilder();
  const he = (name: string, dims: number[], fanIn: number) => b.constFloat(name, dims, normals(rand, count(dims), Math.sqrt(2 / fanIn)));
  const zeros = (name: string, n: number) => b.constFloat(name, [n], new Array<number>(n).fill(0));
  const x = b.input('x', ['N', 1, SIZE, SIZE]);
  const conv1 = b.op('Conv', [x, he('w1', [4, 1, 3, 3], 9), zeros('b1', 4)], { pads: [1, 1, 1, 1] });
  const bn = b.op('BatchNormalization', [conv1, b.constFloat('gamma', [4], [1, 1, 1, 1]), zeros('beta', 4), zeros('mean', 4), b.constFloat('var', [4], [1, 1, 1, 1])], { epsilon: float(1e-5) });
  const pool = b.op('MaxPool', [b.op('Relu', [bn])], { kernel_shape: [2, 2], strides: [2, 2] });
  const conv2 = b.op('Conv', [pool, he('w2', [8, 4, 3, 3], 36), zeros('b2', 8)], { pads: [1, 1, 1, 1] });
  const features = b.op('Flatten', [b.op('GlobalAveragePool', [b.op('Relu', [conv2])])]);
  b.output(b.op('Gemm', [features, he('w3', [2, 8], 8), zeros('b3', 2)], { transB: 1 }));
  return modelOf(b.graph);
}

test('a small CNN trains with SGD on initializer gradients: loss falls 10x', async (t) => {
  const trainable = ['w1', 'b1', 'gamma', 'beta', 'w2', 'b2', 'w3', 'b3'];
  const session = await GradientSession.create(cnn(4), { kind: 'cross-entropy' }, { input: false, initializers: trainable });
  const { x, labels } = bars(8);
  const meanLoss = (loss: Float32Array) => loss.reduce((a, b) => a + b, 0) / loss.length;
  const rate = 0.2;
  let first = NaN;
  let last = NaN;
  let step = 0;
  for (; step < 500; step++) {
    const r = await session.run(x, N, { labels });
    last = meanLoss(r.loss);
    if (step === 0) first = last;
    if (last < first / 10) break;
    // Gradients are of the summed loss; SGD steps on the mean.
    for (const [name, grad] of r.paramGrads) {
      const w = session.parameters.get(name)!;
      grad.forEach((g, i) => { w[i] = w[i]! - (rate / N) * g; });
    }
  }
  await session.dispose();
  t.diagnostic(`mean cross-entropy ${first.toFixed(4)} -> ${last.toFixed(4)} after ${step} SGD steps`);
  assert.ok(last < first / 10, `loss only fell from ${first} to ${last}`);
});
