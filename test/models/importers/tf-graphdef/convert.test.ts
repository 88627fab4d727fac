import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { UserError } from '../../../../src/core/errors.js';
import { convertTfGraphDef } from '../../../../src/models/importers/tf-graphdef/convert.js';
import { TfType } from '../../../../src/models/importers/tf-graphdef-schema.js';
import { encodeModel } from '../../../../src/onnx/codec.js';
import { exampleRng } from '../../../../src/core/rng.js';
import { maxAbsDiff, nhwcToNchw } from '../../../helpers/nhwc.js';
import { runTfjs, TfGraph, type Attr } from '../../../helpers/tf-graph.js';

const scratch = mkdtempSync(join(tmpdir(), 'robustscope-tfpb-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SAME: Record<string, Attr> = { padding: { s: 'SAME' } };
const VALID: Record<string, Attr> = { padding: { s: 'VALID' } };
const strides = (s: number): Record<string, Attr> => ({ strides: { ints: [1, s, s, 1] } });
const window = (k: number, s: number): Record<string, Attr> => ({ ksize: { ints: [1, k, k, 1] }, ...strides(s) });

function random(n: number, seed: string, scale = 1): Float32Array {
  const rng = exampleRng(7, seed, 'tf-graphdef');
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/** A Const of random values with the given dims. */
const weights = (g: TfGraph, name: string, dims: number[], scale = 0.5) => g.constant(name, dims, random(dims.reduce((a, b) => a * b, 1), name, scale));

/** Our conversion run on ORT, in TensorFlow's NHWC order when the output is an image. */
async function runOurs(g: TfGraph, nhwc: Float32Array, dims: number[], output?: string): Promise<{ values: Float32Array; dims: readonly number[] }> {
  const model = convertTfGraphDef(g.graphDef(), 'test.pb', { output });
  const session = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  const [n, h, w, c] = dims as [number, number, number, number];
  const out = await session.run({ input: new ort.Tensor('float32', nhwcToNchw(nhwc, dims), [n, c, h, w]) });
  await session.release();
  const y = out[model.graph.outputs[0]!.name]!;
  return { values: y.data as Float32Array, dims: y.dims };
}

/** Builds a graph on `input` and checks our conversion against TF.js's execution of the same graph. */
async function agrees(t: { diagnostic(m: string): void }, dims: number[], build: (g: TfGraph, x: string) => string, tol = 2e-5): Promise<readonly number[]> {
  const g = new TfGraph();
  const x = g.placeholder('input', [-1, ...dims.slice(1)]);
  const out = build(g, x);
  const input = random(dims.reduce((a, b) => a * b, 1), `input-${out}`);
  const ours = await runOurs(g, input, dims);
  const theirs = await runTfjs(await g.tfjs(), 'input', out, input, dims);
  const diff = maxAbsDiff(ours.values, theirs);
  const scale = Math.max(...Array.from(theirs, Math.abs));
  t.diagnostic(`${ours.values.length} values, max |diff| ${diff.toExponential(2)} (largest value ${scale.toFixed(3)})`);
  assert.ok(diff <= tol * Math.max(1, scale), `max |diff| ${diff}`);
  return ours.dims;
}

describe('frozen GraphDef ops agree with TF.js', () => {
  test('Conv2D SAME stride 2 on an even size (the odd pad pixel goes after), BiasAdd, Relu6', async (t) => {
    const dims = await agrees(t, [2, 8, 8, 3], (g, x) => {
      const c = g.op('Conv2D', 'conv', [x, weights(g, 'w', [3, 3, 3, 4])], { ...SAME, ...strides(2) });
      return g.op('Relu6', 'relu6', [g.op('BiasAdd', 'bias', [c, weights(g, 'b', [4])])]);
    });
    assert.deepEqual(dims, [2, 4, 4, 4]);
  });

  test('Conv2D VALID with dilation 2, grouped input check, and EXPLICIT padding', async (t) => {
    await agrees(t, [2, 9, 8, 2], (g, x) => g.op('Conv2D', 'conv', [x, weights(g, 'w', [3, 2, 2, 3])], { ...VALID, ...strides(1), dilations: { ints: [1, 2, 2, 1] } }));
    await agrees(t, [1, 6, 6, 2], (g, x) => g.op('Conv2D', 'conv', [x, weights(g, 'w', [3, 3, 2, 2])], {
      padding: { s: 'EXPLICIT' }, explicit_paddings: { ints: [0, 0, 2, 1, 0, 1, 0, 0] }, ...strides(2),
    }));
  });

  test('DepthwiseConv2dNative with channel multiplier 2, SAME stride 2', async (t) => {
    const dims = await agrees(t, [2, 8, 8, 3], (g, x) => g.op('DepthwiseConv2dNative', 'dw', [x, weights(g, 'w', [3, 3, 3, 2])], { ...SAME, ...strides(2) }));
    assert.deepEqual(dims, [2, 4, 4, 6]);
  });

  test('MaxPool SAME 3x3/2 and AvgPool SAME 3x3/1 (padding excluded from the average)', async (t) => {
    await agrees(t, [2, 8, 8, 3], (g, x) => g.op('MaxPool', 'pool', [x], { ...SAME, ...window(3, 2) }));
    await agrees(t, [2, 5, 5, 3], (g, x) => g.op('AvgPool', 'pool', [x], { ...SAME, ...window(3, 1) }));
  });

  test('FusedBatchNormV3 in inference mode, then LeakyRelu', async (t) => {
    await agrees(t, [2, 4, 4, 3], (g, x) => {
      const p = (name: string, values: number[]) => g.constant(name, [3], values);
      const bn = g.op('FusedBatchNormV3', 'bn', [x, p('gamma', [1.5, -0.5, 2]), p('beta', [0.1, 0.2, -0.3]), p('mean', [0.3, -1, 0.5]), p('var', [0.5, 2, 0.25])], {
        epsilon: { f: 0.001 }, is_training: { b: false }, U: { type: TfType.FLOAT },
      });
      return g.op('LeakyRelu', 'leaky', [bn], { alpha: { f: 0.1 } });
    });
  });

  test('unfused batch norm (TF-slim 2016: Add, Rsqrt, Mul, Sub on constants) folds to one Mul and Add', async (t) => {
    const unfused = (g: TfGraph, x: string) => {
      const variance = g.op('Identity', 'moving_variance/read', [g.constant('moving_variance', [2], [0.5, 2])]);
      const rsqrt = g.op('Rsqrt', 'Rsqrt', [g.op('Add', 'add', [variance, g.constant('eps', [], [0.001], TfType.FLOAT, true)])]);
      const mul = g.op('Mul', 'mul', [rsqrt, g.constant('gamma', [2], [1.5], TfType.FLOAT, true)]); // one value, filled to the shape
      const shift = g.op('Sub', 'sub', [g.constant('beta', [2], [0.1, -0.2]), g.op('Mul', 'mul_2', [g.constant('mean', [2], [0.3, -1]), mul])]);
      return g.op('Add', 'add_1', [g.op('Mul', 'mul_1', [x, mul]), shift]);
    };
    const g = new TfGraph();
    unfused(g, g.placeholder('input', [-1, 3, 3, 2]));
    assert.deepEqual(convertTfGraphDef(g.graphDef(), 'bn.pb').graph.nodes.map((n) => n.opType), ['Mul', 'Add', 'Transpose']);
    await agrees(t, [2, 3, 3, 2], unfused);
  });

  test('ConcatV2 over channels, Mean over H and W, MatMul, BiasAdd, Softmax', async (t) => {
    const dims = await agrees(t, [2, 5, 5, 3], (g, x) => {
      const a = g.op('Conv2D', 'a', [x, weights(g, 'wa', [1, 1, 3, 2])], { ...SAME, ...strides(1) });
      const b = g.op('MaxPool', 'b', [x], { ...SAME, ...window(3, 1) });
      const cat = g.op('ConcatV2', 'cat', [a, b, g.ints('axis', [-1], [])], { N: { i: 2 } });
      const mean = g.op('Mean', 'mean', [cat, g.ints('axes', [1, 2])], { keep_dims: { b: false } });
      const logits = g.op('BiasAdd', 'logits', [g.op('MatMul', 'mm', [mean, weights(g, 'fc', [5, 4])]), weights(g, 'fb', [4])]);
      return g.op('Softmax', 'prob', [logits]);
    });
    assert.deepEqual(dims, [2, 4]);
  });

  test('Flatten of a 3x3x4 map (Shape, StridedSlice, Pack, Reshape) keeps TensorFlow element order', async (t) => {
    await agrees(t, [2, 7, 7, 2], (g, x) => {
      const c = g.op('Conv2D', 'conv', [x, weights(g, 'w', [3, 3, 2, 4])], { ...VALID, ...strides(2) });
      const shape = g.op('Shape', 'shape', [c], { out_type: { type: TfType.INT32 } });
      const batch = g.op('StridedSlice', 'batch', [shape, g.ints('begin', [0]), g.ints('end', [1]), g.ints('step', [1])], {
        Index: { type: TfType.INT32 }, shrink_axis_mask: { i: 1 }, begin_mask: { i: 0 }, end_mask: { i: 0 }, ellipsis_mask: { i: 0 }, new_axis_mask: { i: 0 },
      });
      const target = g.op('Pack', 'target', [batch, g.ints('minus1', [-1], [])], { N: { i: 2 }, axis: { i: 0 }, T: { type: TfType.INT32 } });
      const flat = g.op('Reshape', 'flat', [c, target], { Tshape: { type: TfType.INT32 } });
      return g.op('MatMul', 'mm', [flat, weights(g, 'fc', [36, 3])], { transpose_a: { b: false }, transpose_b: { b: false } });
    });
  });

  test('StridedSlice of computed tensors: NASNet\'s factorized reduction (pad, shift by one, stride-2 pool), negative steps and bounds', async (t) => {
    const mask = (begin: number, end: number): Record<string, Attr> => ({
      Index: { type: TfType.INT32 }, begin_mask: { i: begin }, end_mask: { i: end }, ellipsis_mask: { i: 0 }, new_axis_mask: { i: 0 }, shrink_axis_mask: { i: 0 },
    });
    const dims = await agrees(t, [2, 7, 7, 3], (g, x) => {
      const relu = g.op('Relu', 'relu', [x]);
      const path1 = g.op('Conv2D', 'path1/conv', [g.op('AvgPool', 'path1/pool', [relu], { ...VALID, ...window(1, 2) }), weights(g, 'w1', [1, 1, 3, 2])], { ...VALID, ...strides(1) });
      const padded = g.op('Pad', 'path2/pad', [relu, g.ints('paddings', [0, 0, 0, 1, 0, 1, 0, 0], [4, 2])], { Tpaddings: { type: TfType.INT32 } });
      const shifted = g.op('StridedSlice', 'path2/shift', [padded, g.ints('b', [0, 1, 1, 0]), g.ints('e', [0, 0, 0, 0]), g.ints('s', [1, 1, 1, 1])], mask(9, 15));
      const path2 = g.op('Conv2D', 'path2/conv', [g.op('AvgPool', 'path2/pool', [shifted], { ...VALID, ...window(1, 2) }), weights(g, 'w2', [1, 1, 3, 2])], { ...VALID, ...strides(1) });
      return g.op('ConcatV2', 'cat', [path1, path2, g.ints('axis', [3], [])], { N: { i: 2 } });
    });
    assert.deepEqual(dims, [2, 4, 4, 4]);
    // Channels reversed, rows from the second-to-last back to the first in steps of 2, columns 1..-1.
    const odd = await agrees(t, [2, 6, 5, 4], (g, x) =>
      g.op('StridedSlice', 'odd', [g.op('Relu', 'r', [x]), g.ints('b', [0, -2, 1, 0]), g.ints('e', [0, -100, -1, 0]), g.ints('s', [1, -2, 1, -1])], mask(9, 9)));
    assert.deepEqual(odd, [2, 3, 3, 4]);
  });

  test('Squeeze after a whole-map AvgPool, Pad then VALID conv, LRN, scaled residual', async (t) => {
    await agrees(t, [2, 4, 4, 3], (g, x) => g.op('Squeeze', 'sq', [g.op('AvgPool', 'gap', [x], { ...VALID, ...window(4, 1) })], { squeeze_dims: { ints: [1, 2] } }));
    // A graph ending in a 1x1 map of scores (TF-slim VGG's fc8 BiasAdd) gives [N, classes].
    const scores = await agrees(t, [2, 3, 3, 2], (g, x) => g.op('BiasAdd', 'fc8', [g.op('Conv2D', 'fc', [x, weights(g, 'w', [3, 3, 2, 5])], { ...VALID, ...strides(1) }), weights(g, 'b', [5])]));
    assert.deepEqual(scores, [2, 5]);
    await agrees(t, [2, 4, 5, 2], (g, x) => {
      const padded = g.op('Pad', 'pad', [x, g.ints('paddings', [0, 0, 1, 2, 2, 0, 0, 0], [4, 2])], { Tpaddings: { type: TfType.INT32 } });
      return g.op('Conv2D', 'conv', [padded, weights(g, 'w', [3, 3, 2, 2])], { ...VALID, ...strides(1) });
    });
    await agrees(t, [2, 3, 3, 7], (g, x) => g.op('LRN', 'lrn', [x], { depth_radius: { i: 2 }, bias: { f: 1 }, alpha: { f: 0.2 }, beta: { f: 0.75 } }), 5e-5);
    await agrees(t, [2, 3, 3, 4], (g, x) => {
      const up = g.op('Conv2D', 'up', [x, weights(g, 'w', [1, 1, 4, 4])], { ...SAME, ...strides(1) });
      const scaled = g.op('Mul', 'scale', [g.constant('s', [], [0.17]), up]);
      return g.op('Relu', 'relu', [g.op('AddV2', 'res', [x, scaled])]);
    });
  });

  test('old-style Concat (axis first), MirrorPad REFLECT, and a computed per-channel vector broadcast over an image', async (t) => {
    await agrees(t, [2, 3, 3, 2], (g, x) => g.op('Concat', 'cat', [g.ints('axis', [3], []), x, g.op('Relu', 'r', [x])], { N: { i: 2 } }));
    await agrees(t, [2, 4, 4, 2], (g, x) => g.op('MirrorPad', 'mpad', [x, g.ints('paddings', [0, 0, 2, 1, 1, 2, 0, 0], [4, 2])], { mode: { s: 'REFLECT' }, Tpaddings: { type: TfType.INT32 } }));
    await agrees(t, [2, 3, 3, 4], (g, x) => {
      const perChannel = g.op('Mean', 'mean', [x, g.ints('axes', [0, 1, 2])], { keep_dims: { b: false } }); // [C], computed
      return g.op('Mul', 'scaled', [x, perChannel]);
    });
  });

  test('a batch-1 graph (TFLite zoo style) runs at any batch size, example by example as TF.js does', async () => {
    const g = new TfGraph();
    const x = g.placeholder('input', [1, 4, 4, 2]);
    const pooled = g.op('AvgPool', 'gap', [g.op('Conv2D', 'conv', [x, weights(g, 'w', [1, 1, 2, 3])], { ...SAME, ...strides(1) })], { ...VALID, ...window(4, 1) });
    const logits = g.op('Reshape', 'logits', [pooled, g.ints('shape', [1, 3])]);
    g.op('Reshape', 'out', [g.op('Softmax', 'prob', [logits]), g.ints('shape1', [1, 3])]);
    const input = random(3 * 4 * 4 * 2, 'batch');
    const ours = await runOurs(g, input, [3, 4, 4, 2]);
    assert.deepEqual(ours.dims, [3, 3]);
    const model = await g.tfjs();
    for (let i = 0; i < 3; i++) {
      const theirs = await runTfjs(model, 'input', 'out', input.slice(i * 32, (i + 1) * 32), [1, 4, 4, 2]);
      assert.ok(maxAbsDiff(ours.values.slice(i * 3, i * 3 + 3), theirs) < 1e-6);
    }
  });
});

describe('frozen GraphDef errors', () => {
  const simple = () => {
    const g = new TfGraph();
    const x = g.placeholder('input', [-1, 4, 4, 1]);
    return { g, x };
  };

  test('the output is the only unread node unless named; several unread nodes are an error naming them', () => {
    const { g, x } = simple();
    g.op('Relu', 'main', [x]);
    g.op('Sigmoid', 'aux', [x]);
    assert.throws(() => convertTfGraphDef(g.graphDef(), 'two.pb'), (e: Error) => e instanceof UserError && /two\.pb.*2 nodes are unread \(main, aux\).*tfOutput/.test(e.message));
    const model = convertTfGraphDef(g.graphDef(), 'two.pb', { output: 'aux' });
    assert.deepEqual(model.graph.nodes.map((n) => n.opType), ['Sigmoid', 'Transpose']); // images leave in NHWC
    assert.throws(() => convertTfGraphDef(g.graphDef(), 'two.pb', { output: 'nope' }), /two\.pb: the graph has no node 'nope'/);
  });

  test('an unsupported op, a training-mode batch norm, NCHW data and a missing input are named', () => {
    let { g, x } = simple();
    g.op('Atan2', 'weird', [x, x]);
    assert.throws(() => convertTfGraphDef(g.graphDef(), 'm.pb'), /m\.pb: node 'weird' \(Atan2\): this TensorFlow op is not supported/);
    ({ g, x } = simple());
    const p = g.constant('p', [1], [1]);
    g.op('FusedBatchNorm', 'bn', [x, p, p, p, p]);
    assert.throws(() => convertTfGraphDef(g.graphDef(), 'm.pb'), /node 'bn' \(FusedBatchNorm\): is_training is true/);
    ({ g, x } = simple());
    g.op('MaxPool', 'pool', [x], { ...VALID, ...window(2, 2), data_format: { s: 'NCHW' } });
    assert.throws(() => convertTfGraphDef(g.graphDef(), 'm.pb'), /node 'pool' \(MaxPool\): data_format 'NCHW' is not supported/);
    ({ g, x } = simple());
    g.op('Relu', 'r', ['missing']);
    assert.throws(() => convertTfGraphDef(g.graphDef(), 'm.pb'), /node 'r' \(Relu\): reads 'missing', which the graph does not define/);
  });

  test('corrupt bytes and truncated constants are named', () => {
    assert.throws(() => convertTfGraphDef(Uint8Array.from([0x0a, 0xff, 0xff, 0x01]), 'bad.pb'), /bad\.pb: not a TensorFlow GraphDef/);
    const { g, x } = simple();
    g.op('Conv2D', 'conv', [x, g.constant('w', [3, 3, 1, 2], [1, 2, 3])], { ...SAME, ...strides(1) });
    assert.throws(() => convertTfGraphDef(g.graphDef(), 'short.pb'), /short\.pb: node 'w'.*holds 12 bytes, expected 72/);
  });
});
