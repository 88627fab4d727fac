import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphDepth } from '../../src/models/graph-depth.js';
import { ZOO_ARCHITECTURES } from '../../src/models/zoo/registry.js';
import { GraphBuilder } from '../../src/onnx/builder.js';

test('graph depth counts weight layers on the longest path: the zoo architectures have the depths they are named by', () => {
  for (const a of ZOO_ARCHITECTURES) assert.equal(graphDepth(a.build(0).graph), a.depth, a.name);
});

test('graph depth: a branch adds only its longest side, and a product of two activations is not a layer', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['N', 4]);
  const w = g.constFloat('w', [4, 4], new Array(16).fill(0.1));
  const deep = g.op('MatMul', [g.op('MatMul', [x, w]), w]);
  const shallow = g.op('MatMul', [x, w]);
  const scores = g.op('MatMul', [deep, g.op('Transpose', [shallow], { perm: [1, 0] })]);
  g.node('Identity', [scores], {}, { outputs: ['y'] });
  g.output('y', ['N', 'N']);
  assert.equal(graphDepth(g.graph), 2);
});
