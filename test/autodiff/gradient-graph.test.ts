import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, float, floats, modelOf } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { DataType, onnxOpset, type Model } from '../../src/onnx/ir.js';
import { UserError } from '../../src/core/errors.js';
import { gradientGraph } from '../../src/autodiff/gradient-graph.js';
import { probeShapes } from '../../src/runtime/ort-shape-probe.js';
import { GradientSession } from '../../src/runtime/gradient-session.js';
import { SESSION, checkCase, normals, rng, type CaseBuilder, type RuleCase } from './fd-check.js';

/** The compiler as a whole: opset lifting, what it refuses, and which parts of a graph it differentiates. */

/** Every op form that changed between opset 9 and 17, in its opset-9 spelling. */
function opset9Graph(c: CaseBuilder): string {
  const { b, x, p } = c;
  const scaled = b.op('Mul', [x, b.op('Unsqueeze', [p['w']!], { axes: [1, 2] })]);
  const bn = b.op('BatchNormalization', [scaled, p['scale']!, p['bias']!, p['mean']!, p['var']!], { epsilon: float(1e-3), momentum: float(0.9) });
  const [dropped] = b.node('Dropout', [bn], { ratio: float(0.3) }, { outputs: 2 }) as [string, string];
  const clipped = b.op('Clip', [dropped], { min: float(-1), max: float(1.5) });
  const padded = b.op('Pad', [clipped], { pads: [0, 0, 1, 0, 0, 0, 0, 2], value: float(0.25) });
  const sliced = b.op('Slice', [padded], { starts: [1, 0], ends: [5, 5], axes: [2, 3] });
  const [top, bottom] = b.node('Split', [sliced], { axis: 2, split: [1, 3] }, { outputs: 2 }) as [string, string];
  const summed = b.op('Add', [b.op('ReduceSum', [top], { axes: [2], keepdims: 1 }), bottom]);
  const squeezed = b.op('Squeeze', [b.op('Unsqueeze', [summed], { axes: [0] })], { axes: [0] });
  // Opset 9 Softmax flattens to 2-D at axis 1: one distribution over C·H·W, not per channel.
  return b.op('Softmax', [squeezed]);
}

const OPSET9: RuleCase = {
  name: 'opset-9 forms', input: [2, 3, 4, 5], opset: 9,
  params: { w: { dims: [3] }, scale: { dims: [3] }, bias: { dims: [3] }, mean: { dims: [3], scale: 0.2 }, var: { dims: [3], scale: 0.1, offset: 1 } },
  build: opset9Graph,
};

test('opset-9 forms are lifted to opset 17 exactly', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 3, 4, 5]);
  const rand = rng(2);
  const p = Object.fromEntries(Object.entries(OPSET9.params!).map(([name, spec]) => [name, b.constFloat(name, spec.dims, normals(rand, 3, spec.scale).map((v) => v + (spec.offset ?? 1)))]));
  b.output(opset9Graph({ b, x, p, dtype: 1, floats: () => { throw new Error('unused'); } }));
  const model = modelOf(b.graph, 9);
  const compiled = await gradientGraph(model, { probe: probeShapes, lossHead: { kind: 'weighted-logits' } });
  assert.equal(onnxOpset(compiled.model), 17);
  assert.equal(onnxOpset(model), 9, 'the caller\'s model is left untouched');
  const input = normals(rand, 2 * 60);
  const run = async (m: Model, feeds: Record<string, ort.Tensor>, output: string) => {
    const session = await ort.InferenceSession.create(encodeModel(m), SESSION);
    const out = (await session.run(feeds))[output]!.data as Float32Array;
    await session.release();
    return out;
  };
  const original = await run(model, { x: new ort.Tensor('float32', input, [2, 3, 4, 5]) }, model.graph.outputs[0]!.name);
  const lifted = await run(compiled.model, {
    x: new ort.Tensor('float32', input, [2, 3, 4, 5]),
    [compiled.lossInputs.cotangent!]: new ort.Tensor('float32', new Float32Array(2 * compiled.numClasses), [2, compiled.numClasses]),
  }, compiled.outputs.logits);
  original.forEach((v, i) => assert.ok(Math.abs(v - lifted[i]!) < 1e-6, `output ${i}: ${v} vs ${lifted[i]}`));
});

test('gradients through lifted opset-9 forms match finite differences', async () => {
  for (const r of await checkCase(OPSET9, 99)) assert.ok(r.relError < 1e-2, `d/d${r.wrt}: ${r.analytic} vs ${r.numeric}`);
});

function chain(build: (b: GraphBuilder, x: string) => string, opset?: number): Model {
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 4]);
  b.output(build(b, x));
  return modelOf(b.graph, opset);
}

test('an op without a rule on the differentiated path is an error naming the node and op', async () => {
  const model = chain((b, x) => b.op('Atan', [x], {}, 'my_atan'));
  await assert.rejects(gradientGraph(model, { probe: probeShapes, lossHead: { kind: 'cross-entropy' } }),
    (err: unknown) => err instanceof UserError && /node 'my_atan' \(Atan\)/.test(err.message) && /no gradient rule/.test(err.message));
});

test('ops off the differentiated path need no rule: integer shape paths and constants', async () => {
  const model = chain((b, x) => {
    const bias = b.op('Erf', [b.constFloat('w', [4], [0.1, 0.2, 0.3, 0.4])]);
    const shape = b.op('Concat', [b.op('Gather', [b.op('Shape', [x]), b.constInt64('i', [0])]), b.constInt64('rest', [2, 2])], { axis: 0 });
    return b.op('Flatten', [b.op('Reshape', [b.op('Add', [x, bias]), shape])]);
  });
  const session = await GradientSession.create(model, { kind: 'logit-diff' });
  const r = await session.run(Float32Array.of(1, 2, 3, 4), 1, { i: Int32Array.of(2), j: Int32Array.of(0) });
  await session.dispose();
  assert.deepEqual(Array.from(r.grad), [-1, 0, 1, 0]);
});

test('an input the rule cannot differentiate is an error', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 4]);
  const lo = b.constFloat('lo', [], [0]);
  b.output(b.op('Clip', [x, lo]));
  await assert.rejects(gradientGraph(modelOf(b.graph), { probe: probeShapes, lossHead: { kind: 'cross-entropy' }, wrt: { input: true, initializers: ['lo'] } }),
    (err: unknown) => err instanceof UserError && /no gradient for its input 1 \('lo'\)/.test(err.message));
});

test('an op whose history is unknown blocks lifting an old model', async () => {
  const model = chain((b, x) => b.op('Upsample', [b.op('Unsqueeze', [x], { axes: [1] })], { scales: floats([1, 1, 2]) }), 9);
  await assert.rejects(gradientGraph(model, { probe: probeShapes, lossHead: { kind: 'cross-entropy' } }),
    (err: unknown) => err instanceof UserError && /\(Upsample\)/.test(err.message) && /opset 9/.test(err.message));
});

test('a float16 detour through Cast carries the gradient, cast back to float32', async () => {
  const model = chain((b, x) => b.op('Mul', [b.op('Cast', [b.op('Cast', [x], { to: DataType.FLOAT16 })], { to: DataType.FLOAT }), x]));
  const session = await GradientSession.create(model, { kind: 'logit-diff' });
  // d(x_i·x_i)/dx_i = 2x_i, exact in float16 for these values.
  const r = await session.run(Float32Array.of(1, 2, 3, 4), 1, { i: Int32Array.of(2), j: Int32Array.of(0) });
  await session.dispose();
  assert.deepEqual(Array.from(r.grad), [-2, 0, 6, 0]);
});

test('arithmetic on float16 on the differentiated path is refused rather than mixing types', async () => {
  const model = chain((b, x) => b.op('Cast', [b.op('Tanh', [b.op('Cast', [x], { to: DataType.FLOAT16 })], {}, 'half_tanh')], { to: DataType.FLOAT }));
  await assert.rejects(gradientGraph(model, { probe: probeShapes, lossHead: { kind: 'cross-entropy' } }),
    (err: unknown) => err instanceof UserError && /node 'half_tanh' \(Tanh\)/.test(err.message) && /FLOAT16/.test(err.message));
});

test('wrt must name float initializers', async () => {
  const model = chain((b, x) => b.op('Relu', [x]));
  await assert.rejects(gradientGraph(model, { probe: probeShapes, lossHead: { kind: 'cross-entropy' }, wrt: { input: false, initializers: ['nope'] } }),
    (err: unknown) => err instanceof UserError && /'nope' is not an initializer/.test(err.message));
});

test('an initializer the loss does not depend on gets a zero gradient', async () => {
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 2]);
  const unused = b.constFloat('unused', [3], [1, 2, 3]);
  b.op('Neg', [unused]);
  b.output(b.op('Relu', [x]));
  const session = await GradientSession.create(modelOf(b.graph), { kind: 'weighted-logits' }, { input: false, initializers: ['unused'] });
  const r = await session.run(Float32Array.of(1, 2), 1, { cotangent: Float32Array.of(1, 1) });
  await session.dispose();
  assert.deepEqual(Array.from(r.paramGrads.get('unused')!), [0, 0, 0]);
  assert.equal(r.grad.length, 0);
});
