import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIFTABLE_OPS } from '../../src/autodiff/opset.js';
import { RULES } from '../../src/autodiff/rules/index.js';
import { NON_DIFFERENTIABLE } from '../../src/autodiff/rules/non-differentiable.js';

test('every op robustscope lifts for gradients has a VJP rule or is declared non-differentiable', () => {
  const missing = LIFTABLE_OPS.filter((op) => !(op in RULES) && !NON_DIFFERENTIABLE.has(op));
  assert.deepEqual(missing, []);
});

test('no op is both differentiable and declared non-differentiable', () => {
  assert.deepEqual([...NON_DIFFERENTIABLE].filter((op) => op in RULES), []);
});

test('the rules cover what modern exporters emit', () => {
  const modern = [
    'LayerNormalization', 'GroupNormalization', 'InstanceNormalization', 'Sqrt', 'Pow', 'Reciprocal', 'Exp', 'Log', 'Neg',
    'Abs', 'Erf', 'Gelu', 'Elu', 'Selu', 'Celu', 'Softplus', 'Mish', 'Min', 'Max', 'ReduceMax', 'ReduceMin', 'ReduceL2',
    'ReduceSumSquare', 'ReduceLogSumExp', 'MatMul', 'Softmax', 'LogSoftmax', 'Einsum', 'Expand', 'Tile', 'Where', 'Resize',
    'Split', 'Slice', 'Gather', 'DepthToSpace', 'SpaceToDepth', 'Sum', 'Mean', 'Cast',
  ];
  assert.deepEqual(modern.filter((op) => !(op in RULES)), []);
});
