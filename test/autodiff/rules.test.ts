import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/ir.js';
import { checkCase, type RuleCase } from './fd-check.js';

/**
 * Finite-difference checks of every VJP rule: each case is a small graph around one op (random shapes,
 * strides, pads, broadcasting); the input and parameter gradients must match central differences along
 * random directions within 1% (float64 reference graph where ORT runs the op in double).
 */

const conv = (attrs: Record<string, unknown>) => (c: Parameters<RuleCase['build']>[0]) =>
  c.b.op('Conv', [c.x, c.p['w']!, ...(c.p['b'] ? [c.p['b']] : [])], attrs as never);

const CASES: RuleCase[] = [
  // Conv / ConvTranspose
  { name: 'Conv pads', input: [2, 3, 7, 7], params: { w: { dims: [4, 3, 3, 3] }, b: { dims: [4] } }, build: conv({ pads: [1, 1, 1, 1] }) },
  { name: 'Conv strides, asymmetric pads, dilations', input: [2, 2, 9, 8], params: { w: { dims: [3, 2, 3, 2] } }, build: conv({ strides: [2, 3], pads: [0, 1, 2, 0], dilations: [1, 2] }) },
  { name: 'Conv SAME_UPPER stride 2', input: [1, 2, 8, 7], params: { w: { dims: [2, 2, 3, 3] } }, build: conv({ auto_pad: 'SAME_UPPER', strides: [2, 2] }) },
  { name: 'Conv SAME_LOWER even kernel', input: [1, 2, 7, 7], params: { w: { dims: [3, 2, 4, 4] } }, build: conv({ auto_pad: 'SAME_LOWER', strides: [2, 2] }) },
  { name: 'Conv VALID, rows left over', input: [2, 2, 8, 8], params: { w: { dims: [2, 2, 3, 3] } }, build: conv({ auto_pad: 'VALID', strides: [3, 2] }) },
  { name: 'Conv groups', input: [2, 4, 6, 6], params: { w: { dims: [6, 2, 3, 3] }, b: { dims: [6] } }, build: conv({ group: 2, strides: [2, 2], pads: [1, 1, 1, 1] }) },
  { name: 'Conv depthwise', input: [2, 3, 6, 6], params: { w: { dims: [3, 1, 3, 3] } }, build: conv({ group: 3, strides: [2, 2], pads: [1, 0, 1, 0] }) },
  { name: 'Conv 1-D', input: [2, 3, 10], params: { w: { dims: [2, 3, 3] } }, build: conv({ strides: [3], dilations: [2] }) },
  // Unit strides: the input gradient is a Conv with the flipped kernel, the weight gradient a product per kernel
  // offset (strided 1x1 kernels too).
  { name: 'Conv 1x1', input: [2, 4, 5, 5], params: { w: { dims: [3, 4, 1, 1] }, b: { dims: [3] } }, build: conv({}) },
  { name: 'Conv 1x1 stride 2', input: [2, 3, 7, 6], params: { w: { dims: [5, 3, 1, 1] } }, build: conv({ strides: [2, 2] }) },
  // Pads wider than the kernel's extent would be negative in the flipped Conv; the ConvTranspose takes over.
  { name: 'Conv 1x1 pads beyond the kernel', input: [2, 3, 4, 4], params: { w: { dims: [2, 3, 1, 1] } }, build: conv({ pads: [1, 0, 0, 2] }) },
  { name: 'Conv dilations, asymmetric pads', input: [2, 3, 8, 7], params: { w: { dims: [4, 3, 3, 2] } }, build: conv({ dilations: [2, 3], pads: [2, 1, 1, 2] }) },
  { name: 'Conv SAME_UPPER even kernel', input: [1, 2, 6, 6], params: { w: { dims: [3, 2, 2, 4] } }, build: conv({ auto_pad: 'SAME_UPPER' }) },
  { name: 'Conv groups, unit strides', input: [2, 8, 5, 5], params: { w: { dims: [4, 4, 3, 3] } }, build: conv({ group: 2, pads: [1, 1, 1, 1] }) },
  { name: 'Conv groups widening, unit strides', input: [2, 4, 5, 5], params: { w: { dims: [6, 2, 3, 3] } }, build: conv({ group: 2, pads: [1, 1, 1, 1] }) },
  { name: 'Conv one input channel', input: [2, 1, 5, 6], params: { w: { dims: [4, 1, 3, 3] } }, build: conv({ pads: [1, 1, 1, 1] }) },
  { name: 'Conv depthwise, multiplier 2', input: [2, 3, 6, 5], params: { w: { dims: [6, 1, 3, 3] }, b: { dims: [6] } }, build: conv({ group: 3, pads: [1, 1, 1, 1] }) },
  { name: 'Conv 3-D', input: [1, 2, 4, 5, 4], params: { w: { dims: [3, 2, 2, 3, 2] } }, build: conv({ pads: [1, 0, 1, 0, 1, 1] }) },
  {
    name: 'ConvTranspose strides, pads, output_padding', input: [2, 3, 4, 4], params: { w: { dims: [3, 2, 3, 3] }, b: { dims: [2] } },
    build: (c) => c.b.op('ConvTranspose', [c.x, c.p['w']!, c.p['b']!], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
  },
  {
    name: 'ConvTranspose unit strides, pads', input: [2, 3, 4, 4], params: { w: { dims: [3, 4, 3, 3] } },
    build: (c) => c.b.op('ConvTranspose', [c.x, c.p['w']!], { pads: [1, 0, 0, 1] }),
  },
  {
    name: 'ConvTranspose groups, dilations', input: [1, 4, 3, 3], params: { w: { dims: [4, 1, 2, 2] } },
    build: (c) => c.b.op('ConvTranspose', [c.x, c.p['w']!], { group: 2, dilations: [2, 2], strides: [1, 2] }),
  },
  {
    name: 'ConvTranspose output_shape', input: [1, 2, 3, 3], params: { w: { dims: [2, 2, 3, 3] } },
    build: (c) => c.b.op('ConvTranspose', [c.x, c.p['w']!], { strides: [2, 2], output_shape: [6, 5] }),
  },
  {
    name: 'ConvTranspose SAME_UPPER', input: [1, 2, 3, 4], params: { w: { dims: [2, 3, 3, 3] } },
    build: (c) => c.b.op('ConvTranspose', [c.x, c.p['w']!], { strides: [2, 2], auto_pad: 'SAME_UPPER' }),
  },

  // Gemm / MatMul
  {
    name: 'Gemm transB, alpha, beta, broadcast C', input: [3, 4], params: { w: { dims: [5, 4] }, c: { dims: [5] } },
    build: (c) => c.b.op('Gemm', [c.x, c.p['w']!, c.p['c']!], { transB: 1, alpha: float(0.7), beta: float(1.3) }),
  },
  {
    name: 'Gemm transA, column C', input: [3, 4], fixedBatch: true, params: { w: { dims: [4, 5] }, c: { dims: [3, 1] } },
    build: (c) => c.b.op('Gemm', [c.b.op('Transpose', [c.x], { perm: [1, 0] }), c.p['w']!, c.p['c']!], { transA: 1, beta: float(0.5) }),
  },
  {
    name: 'Gemm transA and transB', input: [3, 4], params: { w: { dims: [2, 4] } },
    build: (c) => c.b.op('Gemm', [c.b.op('Transpose', [c.x], { perm: [1, 0] }), c.p['w']!], { transA: 1, transB: 1 }),
  },
  { name: 'MatMul batched', input: [2, 3, 4], params: { w: { dims: [4, 5] } }, build: (c) => c.b.op('MatMul', [c.x, c.p['w']!]) },
  { name: 'MatMul broadcast batch axes', input: [2, 1, 3, 4], params: { w: { dims: [3, 4, 2] } }, build: (c) => c.b.op('MatMul', [c.x, c.p['w']!]) },
  {
    name: 'MatMul 1-D right', input: [3, 4], params: { w: { dims: [4] } },
    build: (c) => c.b.op('Unsqueeze', [c.b.op('MatMul', [c.x, c.p['w']!]), c.b.constInt64('axes', [1])]),
  },
  { name: 'MatMul 1-D left', input: [2, 4, 3], params: { w: { dims: [4] } }, build: (c) => c.b.op('MatMul', [c.p['w']!, c.x]) },

  // Arithmetic with broadcasting
  { name: 'Add broadcast', input: [2, 3, 4], params: { w: { dims: [3, 1] } }, build: (c) => c.b.op('Add', [c.x, c.p['w']!]) },
  { name: 'Sub broadcast', input: [2, 3, 4], params: { w: { dims: [4] } }, build: (c) => c.b.op('Sub', [c.p['w']!, c.x]) },
  { name: 'Mul broadcast', input: [2, 3, 4], params: { w: { dims: [1, 3, 1] } }, build: (c) => c.b.op('Mul', [c.x, c.p['w']!]) },
  { name: 'Div by parameter', input: [2, 3, 4], params: { w: { dims: [3, 4], offset: 3 } }, build: (c) => c.b.op('Div', [c.x, c.p['w']!]) },
  { name: 'Div by input', input: [2, 3], inputOffset: 3, params: { w: { dims: [1, 3] } }, build: (c) => c.b.op('Div', [c.p['w']!, c.x]) },
  {
    name: 'Sum, input used three times', input: [2, 3], params: { w: { dims: [3] } },
    build: (c) => c.b.op('Sum', [c.x, c.p['w']!, c.b.op('Mul', [c.x, c.x])]),
  },
  { name: 'Neg', input: [2, 3], build: (c) => c.b.op('Neg', [c.x]) },

  // Activations
  { name: 'Relu', input: [2, 3, 4], build: (c) => c.b.op('Relu', [c.x]) },
  { name: 'LeakyRelu', input: [2, 3, 4], build: (c) => c.b.op('LeakyRelu', [c.x], { alpha: float(0.2) }) },
  { name: 'PRelu', input: [2, 3, 2, 2], params: { w: { dims: [3, 1, 1] } }, build: (c) => c.b.op('PRelu', [c.x, c.p['w']!]) },
  { name: 'Clip min and max', input: [2, 3, 4], build: (c) => c.b.op('Clip', [c.x, c.floats([], [-0.5]), c.floats([], [0.7])]) },
  { name: 'Clip max only', input: [2, 3, 4], build: (c) => c.b.op('Clip', [c.x, '', c.floats([], [0.3])]) },
  { name: 'Sigmoid', input: [2, 5], build: (c) => c.b.op('Sigmoid', [c.x]) },
  { name: 'Tanh', input: [2, 5], build: (c) => c.b.op('Tanh', [c.x]) },
  { name: 'HardSigmoid', input: [2, 3, 4], build: (c) => c.b.op('HardSigmoid', [c.x], { alpha: float(0.3), beta: float(0.4) }) },
  // Its slope jumps at ±3, so a small float32 step keeps central differences from straddling those points.
  { name: 'HardSwish', input: [2, 3, 4], step: 1e-3, build: (c) => c.b.op('HardSwish', [c.b.op('Mul', [c.x, c.floats([], [3])])]) },
  { name: 'Softmax axis 1', input: [2, 3, 4], build: (c) => c.b.op('Softmax', [c.x], { axis: 1 }) },
  { name: 'LogSoftmax last axis', input: [2, 3, 4], build: (c) => c.b.op('LogSoftmax', [c.x]) },

  // Normalisation
  {
    name: 'BatchNormalization', input: [2, 3, 4, 4],
    params: { scale: { dims: [3] }, bias: { dims: [3] }, mean: { dims: [3], scale: 0.3 }, var: { dims: [3], scale: 0.2, offset: 1.5 } },
    build: (c) => c.b.op('BatchNormalization', [c.x, c.p['scale']!, c.p['bias']!, c.p['mean']!, c.p['var']!], { epsilon: float(1e-3) }),
  },
  { name: 'LRN odd size', input: [2, 5, 3, 3], build: (c) => c.b.op('LRN', [c.x], { size: 3, alpha: float(0.3), beta: float(0.75), bias: float(1) }) },
  { name: 'LRN size 5', input: [1, 6, 2, 3], build: (c) => c.b.op('LRN', [c.x], { size: 5, alpha: float(0.5), beta: float(0.6), bias: float(2) }) },

  // Pooling
  { name: 'MaxPool overlapping, pads', input: [2, 2, 7, 7], build: (c) => c.b.op('MaxPool', [c.x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
  { name: 'MaxPool ceil_mode', input: [1, 2, 8, 8], build: (c) => c.b.op('MaxPool', [c.x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }) },
  { name: 'MaxPool dilations, SAME_UPPER', input: [1, 2, 7, 6], build: (c) => c.b.op('MaxPool', [c.x], { kernel_shape: [2, 3], dilations: [2, 1], auto_pad: 'SAME_UPPER' }) },
  { name: 'AveragePool pads, count_include_pad=0', input: [2, 2, 7, 7], build: (c) => c.b.op('AveragePool', [c.x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
  { name: 'AveragePool count_include_pad=1', input: [1, 2, 6, 5], build: (c) => c.b.op('AveragePool', [c.x], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 2, 1], count_include_pad: 1 }) },
  { name: 'AveragePool ceil_mode', input: [1, 2, 8, 7], build: (c) => c.b.op('AveragePool', [c.x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }) },
  { name: 'AveragePool SAME_LOWER', input: [1, 2, 5, 6], build: (c) => c.b.op('AveragePool', [c.x], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' }) },
  { name: 'GlobalAveragePool', input: [2, 3, 4, 5], build: (c) => c.b.op('GlobalAveragePool', [c.x]) },
  { name: 'GlobalMaxPool', input: [2, 3, 4, 5], build: (c) => c.b.op('GlobalMaxPool', [c.x]) },

  // Layout
  {
    name: 'Concat with a parameter', input: [2, 3, 4], fixedBatch: true, params: { w: { dims: [2, 2, 4] } },
    build: (c) => c.b.op('Concat', [c.x, c.p['w']!, c.b.op('Mul', [c.x, c.x])], { axis: 1 }),
  },
  {
    name: 'Concat along the batch axis', input: [2, 3],
    build: (c) => c.b.op('Reshape', [c.b.op('Concat', [c.x, c.b.op('Mul', [c.x, c.x])], { axis: 0 }), c.b.constInt64('shape', [-1, 6])]),
  },
  {
    name: 'Split, both parts used', input: [2, 3, 4],
    build: (c) => {
      const [a, b] = c.b.node('Split', [c.x, c.b.constInt64('split', [1, 2])], { axis: 1 }, { outputs: 2 }) as [string, string];
      return c.b.op('Concat', [b, c.b.op('Mul', [a, a])], { axis: 1 });
    },
  },
  {
    name: 'Split, one part used', input: [2, 5],
    build: (c) => c.b.node('Split', [c.x, c.b.constInt64('split', [2, 3])], { axis: 1 }, { outputs: 2 })[1]!,
  },
  { name: 'Flatten', input: [2, 3, 2, 2], params: { w: { dims: [12] } }, build: (c) => c.b.op('Mul', [c.b.op('Flatten', [c.x], { axis: 1 }), c.p['w']!]) },
  {
    name: 'Reshape', input: [2, 3, 4], params: { w: { dims: [4, 3] } },
    build: (c) => c.b.op('Mul', [c.b.op('Reshape', [c.x, c.b.constInt64('shape', [0, 4, 3])]), c.p['w']!]),
  },
  { name: 'Transpose', input: [2, 3, 4, 5], params: { w: { dims: [5, 3, 1] } }, build: (c) => c.b.op('Mul', [c.b.op('Transpose', [c.x], { perm: [0, 3, 1, 2] }), c.p['w']!]) },
  { name: 'Transpose default perm', input: [2, 3, 2], fixedBatch: true, params: { w: { dims: [2, 3, 2] } }, build: (c) => c.b.op('Mul', [c.b.op('Transpose', [c.x]), c.p['w']!]) },
  {
    name: 'Squeeze and Unsqueeze', input: [2, 1, 3], params: { w: { dims: [1, 3, 2] } },
    build: (c) => c.b.op('Mul', [c.b.op('Unsqueeze', [c.b.op('Squeeze', [c.x, c.b.constInt64('axes', [1])]), c.b.constInt64('axes', [1, 3])]), c.p['w']!]),
  },
  {
    name: 'Pad constant', input: [2, 3, 3], params: { w: { dims: [6, 6] } },
    build: (c) => c.b.op('Mul', [c.b.op('Pad', [c.x, c.b.constInt64('pads', [0, 1, 2, 0, 2, 1]), c.floats([], [0.5])]), c.p['w']!]),
  },
  {
    name: 'Pad negative (crop)', input: [2, 4, 5],
    build: (c) => c.b.op('Pad', [c.x, c.b.constInt64('pads', [0, -1, 2, 0, 1, -2]), c.floats([], [0])]),
  },
  {
    name: 'Slice unit steps', input: [2, 4, 5],
    build: (c) => c.b.op('Slice', [c.x, c.b.constInt64('starts', [1, -4]), c.b.constInt64('ends', [3, 100]), c.b.constInt64('axes', [1, 2])]),
  },
  {
    name: 'Slice steps 2 and -2', input: [2, 4, 5],
    build: (c) => c.b.op('Slice', [c.x, c.b.constInt64('starts', [0, -1]), c.b.constInt64('ends', [100, -100]), c.b.constInt64('axes', [1, 2]), c.b.constInt64('steps', [2, -2])]),
  },
  {
    name: 'Gather with repeated and negative indices', input: [2, 5, 3],
    build: (c) => c.b.op('Gather', [c.x, c.b.constInt64('idx', [0, 4, 4, -1], [2, 2])], { axis: 1 }),
  },
  {
    name: 'Gather rows of a parameter table', input: [2, 2, 3], fixedBatch: true, params: { w: { dims: [6, 3] } },
    build: (c) => c.b.op('Mul', [c.x, c.b.op('Gather', [c.p['w']!, c.b.constInt64('idx', [1, 1, 5, 0], [2, 2])])]),
  },
  {
    name: 'GatherElements with repeated and negative indices', input: [2, 3, 4], fixedBatch: true,
    build: (c) => c.b.op('GatherElements', [c.x, c.b.constInt64('idx', [0, 2, 2, -1, 1, 1, 3, 3, 0, -4, 1, 2], [2, 2, 3])], { axis: 2 }),
  },
  {
    name: 'ReduceMean keepdims=0', input: [2, 3, 4],
    build: (c) => c.b.op('ReduceMean', [c.x], { axes: [1], keepdims: 0 }),
  },
  {
    name: 'ReduceMean two axes', input: [2, 3, 4, 2],
    build: (c) => c.b.op('ReduceMean', [c.x], { axes: [1, -1] }),
  },
  {
    name: 'ReduceSum axes input', input: [2, 3, 4],
    build: (c) => c.b.op('ReduceSum', [c.x, c.b.constInt64('axes', [-1])], { keepdims: 0 }),
  },
  { name: 'Cast to the same float type', input: [2, 3], build: (c) => c.b.op('Cast', [c.b.op('Tanh', [c.x])], { to: c.dtype }) },
  {
    name: 'Dropout in training mode with ratio 0 (torchvision Swin)', input: [2, 3],
    build: (c) => c.b.op('Dropout', [c.b.op('Tanh', [c.x]), c.floats([], [0]), c.b.initializer({ name: 'training', dataType: DataType.BOOL, dims: [], data: Uint8Array.of(1) })]),
  },
  {
    name: 'Dropout and Identity (inference)', input: [2, 3], params: { w: { dims: [3] } },
    build: (c) => c.b.op('Mul', [c.b.op('Identity', [c.b.op('Dropout', [c.x])]), c.p['w']!]),
  },

  // Normalisation of transformers and modern convnets
  {
    name: 'LayerNormalization last axis', input: [2, 3, 5], params: { scale: { dims: [5] }, bias: { dims: [5] } },
    build: (c) => c.b.op('LayerNormalization', [c.x, c.p['scale']!, c.p['bias']!], { epsilon: float(1e-3) }),
  },
  {
    name: 'LayerNormalization over two axes, no bias', input: [2, 3, 4], params: { scale: { dims: [3, 4] } },
    build: (c) => c.b.op('LayerNormalization', [c.x, c.p['scale']!], { axis: 1 }),
  },
  {
    name: 'InstanceNormalization', input: [2, 3, 4, 3], params: { scale: { dims: [3] }, bias: { dims: [3] } },
    build: (c) => c.b.op('InstanceNormalization', [c.x, c.p['scale']!, c.p['bias']!], { epsilon: float(1e-3) }),
  },
  {
    name: 'GroupNormalization per-group affine (opset 18)', input: [2, 4, 3, 3], opset: 18, params: { scale: { dims: [2] }, bias: { dims: [2] } },
    build: (c) => c.b.op('GroupNormalization', [c.x, c.p['scale']!, c.p['bias']!], { num_groups: 2, epsilon: float(1e-3) }),
  },
  // Opset 21 takes the statistics in float32 (stash_type) even in the float64 reference, hence a larger step.
  {
    name: 'GroupNormalization per-channel affine (opset 21)', input: [2, 6, 2, 3], opset: 21, step: 1e-3, params: { scale: { dims: [6] }, bias: { dims: [6] } },
    build: (c) => c.b.op('GroupNormalization', [c.x, c.p['scale']!, c.p['bias']!], { num_groups: 3 }),
  },

  // Elementwise math
  { name: 'Sqrt', input: [2, 3], build: (c) => c.b.op('Sqrt', [c.b.op('Add', [c.b.op('Mul', [c.x, c.x]), c.floats([], [1])])]) },
  { name: 'Pow constant exponent', input: [2, 3], build: (c) => c.b.op('Pow', [c.x, c.floats([], [3])]) },
  { name: 'Pow integer exponent', input: [2, 3], build: (c) => c.b.op('Pow', [c.x, c.b.constInt64('two', [2], [])]) },
  {
    name: 'Pow tensor exponent', input: [2, 3], params: { w: { dims: [3] } },
    build: (c) => c.b.op('Pow', [c.b.op('Add', [c.b.op('Mul', [c.x, c.x]), c.floats([], [0.5])]), c.p['w']!]),
  },
  { name: 'Reciprocal', input: [2, 3], inputOffset: 3, build: (c) => c.b.op('Reciprocal', [c.x]) },
  { name: 'Exp', input: [2, 3], build: (c) => c.b.op('Exp', [c.x]) },
  { name: 'Log', input: [2, 3], build: (c) => c.b.op('Log', [c.b.op('Add', [c.b.op('Mul', [c.x, c.x]), c.floats([], [0.5])])]) },
  { name: 'Abs', input: [2, 3], build: (c) => c.b.op('Abs', [c.x]) },
  { name: 'Erf', input: [2, 3], build: (c) => c.b.op('Erf', [c.x]) },
  { name: 'Sin and Cos', input: [2, 3], build: (c) => c.b.op('Sin', [c.b.op('Cos', [c.x])]) },
  { name: 'Softsign', input: [2, 3], build: (c) => c.b.op('Softsign', [c.x]) },
  {
    name: 'Min and Max, variadic with broadcasting', input: [2, 3], params: { w: { dims: [3] } },
    build: (c) => c.b.op('Add', [c.b.op('Max', [c.x, c.p['w']!, c.b.op('Mul', [c.x, c.floats([], [-0.5])])]), c.b.op('Min', [c.x, c.p['w']!])]),
  },
  { name: 'Mean, variadic', input: [2, 3], params: { w: { dims: [3] } }, build: (c) => c.b.op('Mean', [c.x, c.p['w']!, c.b.op('Mul', [c.x, c.x])]) },
  {
    name: 'Where on float data', input: [2, 3], params: { w: { dims: [3] } },
    build: (c) => c.b.op('Where', [c.b.op('Greater', [c.x, c.floats([], [0])]), c.b.op('Mul', [c.x, c.x]), c.p['w']!]),
  },

  // Activations of modern architectures
  { name: 'Gelu exact (opset 20)', input: [2, 3, 4], opset: 20, build: (c) => c.b.op('Gelu', [c.x]) },
  { name: 'Gelu tanh (opset 20)', input: [2, 3, 4], opset: 20, build: (c) => c.b.op('Gelu', [c.x], { approximate: 'tanh' }) },
  { name: 'Elu', input: [2, 3, 4], build: (c) => c.b.op('Elu', [c.x], { alpha: float(0.7) }) },
  { name: 'Selu', input: [2, 3, 4], build: (c) => c.b.op('Selu', [c.x]) },
  { name: 'Celu', input: [2, 3, 4], build: (c) => c.b.op('Celu', [c.x], { alpha: float(1.5) }) },
  { name: 'Softplus', input: [2, 3, 4], build: (c) => c.b.op('Softplus', [c.x]) },
  { name: 'Mish', input: [2, 3, 4], opset: 18, build: (c) => c.b.op('Mish', [c.x]) },

  // Reductions
  { name: 'ReduceMax keepdims=0', input: [2, 3, 4], build: (c) => c.b.op('ReduceMax', [c.x], { axes: [1], keepdims: 0 }) },
  { name: 'ReduceMin axes input (opset 18)', input: [2, 3, 4], opset: 18, build: (c) => c.b.op('ReduceMin', [c.x, c.b.constInt64('axes', [-1])]) },
  { name: 'ReduceL2', input: [2, 3, 4], build: (c) => c.b.op('ReduceL2', [c.x], { axes: [1, 2] }) },
  { name: 'ReduceL1', input: [2, 3, 4], build: (c) => c.b.op('ReduceL1', [c.x], { axes: [2], keepdims: 0 }) },
  { name: 'ReduceSumSquare', input: [2, 3, 4], build: (c) => c.b.op('ReduceSumSquare', [c.x], { axes: [1] }) },
  { name: 'ReduceLogSumExp', input: [2, 3, 4], build: (c) => c.b.op('ReduceLogSumExp', [c.x], { axes: [-1], keepdims: 0 }) },
  { name: 'ReduceProd', input: [2, 3, 4], build: (c) => c.b.op('ReduceProd', [c.x], { axes: [1] }) },

  // Attention and contractions
  {
    name: 'MatMul of two activations, Softmax last axis (attention)', input: [2, 3, 4],
    build: (c) => {
      const scores = c.b.op('Softmax', [c.b.op('MatMul', [c.x, c.b.op('Transpose', [c.x], { perm: [0, 2, 1] })])], { axis: -1 });
      return c.b.op('MatMul', [scores, c.b.op('Tanh', [c.x])]);
    },
  },
  { name: 'Einsum batched product with a parameter', input: [2, 3, 4], params: { w: { dims: [4, 5] } }, build: (c) => c.b.op('Einsum', [c.x, c.p['w']!], { equation: 'bij,jk->bik' }) },
  {
    name: 'Einsum attention scores', input: [2, 2, 3, 4],
    build: (c) => c.b.op('Einsum', [c.x, c.b.op('Tanh', [c.x])], { equation: 'bhqd, bhkd -> bhqk' }),
  },
  { name: 'Einsum implicit output, summed letter', input: [2, 3, 4], params: { w: { dims: [4] } }, build: (c) => c.b.op('Einsum', [c.x, c.p['w']!], { equation: 'bij,j' }) },
  { name: 'Einsum ellipsis', input: [2, 3, 4], params: { w: { dims: [4, 2] } }, build: (c) => c.b.op('Einsum', [c.x, c.p['w']!], { equation: '...j,jk->...k' }) },

  // Broadcasting, tiling and rearranging
  { name: 'Expand', input: [2, 1, 3], build: (c) => c.b.op('Expand', [c.x, c.b.constInt64('shape', [4, 1])]) },
  { name: 'Tile', input: [2, 3, 2], build: (c) => c.b.op('Tile', [c.x, c.b.constInt64('repeats', [1, 2, 3])]) },
  { name: 'DepthToSpace DCR', input: [2, 8, 2, 3], build: (c) => c.b.op('DepthToSpace', [c.x], { blocksize: 2 }) },
  { name: 'DepthToSpace CRD', input: [2, 8, 2, 3], build: (c) => c.b.op('DepthToSpace', [c.x], { blocksize: 2, mode: 'CRD' }) },
  { name: 'SpaceToDepth', input: [2, 2, 4, 6], build: (c) => c.b.op('SpaceToDepth', [c.x], { blocksize: 2 }) },
  {
    name: 'Split into equal parts (opset 18 num_outputs)', input: [2, 6], opset: 18,
    build: (c) => {
      const [a, b] = c.b.node('Split', [c.x], { axis: 1, num_outputs: 2 }, { outputs: 2 }) as [string, string];
      return c.b.op('Mul', [a, b]);
    },
  },
  {
    name: 'Cast through float64 and back', input: [2, 3],
    build: (c) => c.b.op('Tanh', [c.b.op('Cast', [c.b.op('Cast', [c.x], { to: DataType.DOUBLE })], { to: c.dtype })]),
  },

  // Resize
  {
    name: 'Resize nearest, asymmetric floor', input: [1, 2, 3, 4],
    build: (c) => c.b.op('Resize', [c.x, '', c.floats([4], [1, 1, 2, 1.5])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }),
  },
  {
    name: 'Resize nearest, half_pixel round_prefer_floor', input: [1, 2, 3, 4], fixedBatch: true,
    build: (c) => c.b.op('Resize', [c.x, '', '', c.b.constInt64('sizes', [1, 2, 7, 3])], { mode: 'nearest' }),
  },
  {
    name: 'Resize linear, half_pixel', input: [2, 2, 3, 4],
    build: (c) => c.b.op('Resize', [c.x, '', c.floats([4], [1, 1, 2, 2])], { mode: 'linear' }),
  },
  {
    name: 'Resize linear, align_corners', input: [1, 2, 3, 4], fixedBatch: true,
    build: (c) => c.b.op('Resize', [c.x, '', '', c.b.constInt64('sizes', [1, 2, 5, 7])], { mode: 'linear', coordinate_transformation_mode: 'align_corners' }),
  },
  {
    name: 'Resize linear, pytorch_half_pixel downsampling', input: [1, 2, 6, 5], fixedBatch: true,
    build: (c) => c.b.op('Resize', [c.x, '', '', c.b.constInt64('sizes', [1, 2, 3, 2])], { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }),
  },
];

for (const c of CASES) {
  test(`VJP ${c.name}`, async (t) => {
    const results = await checkCase(c, 1234);
    for (const r of results) {
      t.diagnostic(`${r.wrt}: analytic ${r.analytic.toPrecision(6)} numeric ${r.numeric.toPrecision(6)} rel ${r.relError.toExponential(1)}${r.double ? '' : ' (float32 FD)'}`);
    }
    for (const r of results) assert.ok(r.relError < 1e-2, `${c.name}, d/d${r.wrt}: analytic ${r.analytic} vs numeric ${r.numeric}`);
  });
}
