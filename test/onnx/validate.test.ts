import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { validateModel } from '../../src/onnx/validate.js';
import { decodeModel, encodeModel } from '../../src/onnx/codec.js';
import { UserError } from '../../src/core/errors.js';

function tinyModel() {
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 4]);
  const w = b.constFloat('w', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  const y = b.op('MatMul', [x, w], {}, 'matmul');
  b.node('Relu', [y], {}, { outputs: ['out'], name: 'relu' });
  b.output('out', ['N', 2]);
  return modelOf(b.graph);
}

test('a well-formed graph validates and survives an encode/decode round trip', () => {
  const m = tinyModel();
  validateModel(m, 'tiny');
  const back = decodeModel(encodeModel(m), 'tiny');
  assert.deepEqual(back.graph.nodes.map((n) => [n.opType, n.inputs, n.outputs]), m.graph.nodes.map((n) => [n.opType, n.inputs, n.outputs]));
  assert.deepEqual(back.graph.initializers[0]!.data, m.graph.initializers[0]!.data);
  assert.deepEqual(back.graph.inputs[0]!.shape, ['N', 4]);
});

test('a node reading an undefined value is named in the error', () => {
  const m = tinyModel();
  m.graph.nodes[1]!.inputs = ['nowhere'];
  assert.throws(() => validateModel(m, 'tiny.onnx'), (e: unknown) => e instanceof UserError && /tiny\.onnx: node 1 'relu' \(Relu\) reads 'nowhere'/.test(e.message));
});

test('nodes out of topological order, double writes and dangling outputs are errors', () => {
  const m = tinyModel();
  m.graph.nodes.reverse();
  assert.throws(() => validateModel(m, 'm'), /node 0 'relu' \(Relu\) reads/);
  const d = tinyModel();
  d.graph.nodes[1]!.outputs = [d.graph.nodes[0]!.outputs[0]!];
  assert.throws(() => validateModel(d, 'm'), /already written by node 0 'matmul'/);
  const o = tinyModel();
  o.graph.outputs[0]!.name = 'ghost';
  assert.throws(() => validateModel(o, 'm'), /graph output 'ghost' is not produced/);
  const n = tinyModel();
  n.opsetImports = [];
  assert.throws(() => validateModel(n, 'm'), /imports no version/);
});
