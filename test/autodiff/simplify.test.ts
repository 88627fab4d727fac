import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simplifyForGradients } from '../../src/autodiff/simplify.js';
import { UserError } from '../../src/core/errors.js';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { DataType, emptyGraph, type Graph } from '../../src/onnx/ir.js';
import { probeShapes } from '../../src/runtime/ort-shape-probe.js';
import { GradientSession } from '../../src/runtime/gradient-session.js';

/** A branch graph computing `op` of an outer-scope tensor. */
function branch(name: string, op: string, input: string): Graph {
  const g = emptyGraph(name);
  const b = new GraphBuilder(g);
  const [y] = b.node(op, [input], {}, { outputs: [`${name}_y`] });
  g.outputs.push({ name: y!, elemType: DataType.FLOAT });
  return g;
}

/** x [N, 4] -> If(rank(x) == 2) then Neg(x) else Relu(x), as PyTorch exports LocalResponseNorm's rank test. */
function rankBranching(conditionOnData: boolean) {
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 4]);
  const cond = conditionOnData
    ? b.op('Cast', [b.op('ReduceSum', [x, b.constInt64('all', [0, 1])], { keepdims: 0 })], { to: DataType.BOOL })
    : b.op('Equal', [b.op('Size', [b.op('Shape', [x])]), b.constInt64('two', [2], [])]);
  const [y] = b.node('If', [cond], { then_branch: { type: 'graph', value: branch('then', 'Neg', x) }, else_branch: { type: 'graph', value: branch('else', 'Relu', x) } }, { name: 'rank_test' });
  b.output(y!);
  return modelOf(b.graph);
}

test('an If whose condition depends only on shapes is replaced by the branch it takes', async () => {
  const model = rankBranching(false);
  const r = await simplifyForGradients(model, probeShapes);
  assert.equal(r.inlined, 1);
  assert.deepEqual(model.graph.nodes.map((n) => n.opType), ['Neg', 'Identity']);
  const session = await GradientSession.create(rankBranching(false), { kind: 'logit-diff' });
  const g = await session.run(Float32Array.of(1, -2, 3, 4), 1, { i: Int32Array.of(1), j: Int32Array.of(3) });
  await session.dispose();
  assert.deepEqual(Array.from(g.grad, (v) => v + 0), [0, -1, 0, 1]);
});

test('an If on the input data is an error naming the node', async () => {
  await assert.rejects(simplifyForGradients(rankBranching(true), probeShapes),
    (err: unknown) => err instanceof UserError && /node 'rank_test' \(If\)/.test(err.message) && /input's data/.test(err.message));
});

test('slice bounds computed from the input shape fold to constants while the batch axis stays symbolic', async () => {
  // ShuffleNet's chunk: x[:, C/2:] with C read from the shape, then a reshape to [N, -1] built from the batch size.
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 4, 2]);
  const shape = b.op('Shape', [x]);
  const half = b.op('Div', [b.op('Gather', [shape, b.constInt64('one', [1])]), b.constInt64('two', [2])]);
  const upper = b.op('Slice', [x, half, b.constInt64('end', [1000]), b.constInt64('axis', [1])]);
  const target = b.op('Concat', [b.op('Gather', [shape, b.constInt64('zero', [0])]), b.constInt64('rest', [-1])], { axis: 0 });
  b.output(b.op('Reshape', [b.op('Mul', [upper, upper]), target]));
  const model = modelOf(b.graph);
  const r = await simplifyForGradients(model, probeShapes);
  assert.equal(r.folded, 1);
  assert.ok(model.graph.initializers.some((t) => t.name === half));
  assert.ok(model.graph.nodes.some((n) => n.opType === 'Shape'), 'the batch-size path keeps reading the shape');

  const session = await GradientSession.create(modelOf(b.graph), { kind: 'logit-diff' });
  const x3 = Float32Array.from({ length: 3 * 8 }, (_, i) => i);
  const g = await session.run(x3, 3, { i: Int32Array.of(0, 1, 3), j: Int32Array.of(2, 2, 2) });
  await session.dispose();
  // Output k of example n is x[n, 2 + k/2, k%2]²: d/dx = ±2x at the two picked elements.
  const expected = new Float32Array(24);
  [[0, 2], [1, 2], [3, 2]].forEach(([i, j], n) => {
    const at = (k: number) => n * 8 + 4 + k;
    expected[at(i!)]! += 2 * x3[at(i!)]!;
    expected[at(j!)]! -= 2 * x3[at(j!)]!;
  });
  assert.deepEqual(Array.from(g.grad), Array.from(expected));
});
