import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../../src/core/errors.js';
import { importTfjsLayers } from '../../../src/models/importers/tfjs-layers.js';
import { decodeTensorProto, encodeModel } from '../../../src/onnx/codec.js';
import type { Model } from '../../../src/onnx/ir.js';
import { fixture } from '../../helpers/fixtures.js';
import { maxAbsDiff, nhwcToNchw, relativeDiff } from '../../helpers/nhwc.js';

const DARKNET = fixture('models', 'darknet-tiny-tfjs');
const scratch = mkdtempSync(join(tmpdir(), 'robustscope-tfjs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const tempDir = (): string => mkdtempSync(join(scratch, `${++dirs}-`));

/** Runs our imported model on an NHWC batch (transposed to the NCHW the graph takes). */
async function runImported(model: Model, nhwc: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  const [n, h, w, c] = shape as [number, number, number, number];
  const out = await session.run({ input: new ort.Tensor('float32', nhwcToNchw(nhwc, shape), [n, c, h, w]) });
  await session.release();
  assert.deepEqual(out.output!.dims.length, 2);
  return out.output!.data as Float32Array;
}

const argmax = (a: ArrayLike<number>): number => Array.from(a).indexOf(Math.max(...Array.from(a)));

describe('darknet-tiny (real TF.js model)', () => {
  for (const [set, label] of [[0, 438], [1, 54]] as const) {
    test(`test_data_set_${set} matches the Keras reference logits`, async (t) => {
      const model = await importTfjsLayers(join(DARKNET, 'model.json'));
      const dir = fixture('models', 'darknet-tiny-tfjs-reference', `test_data_set_${set}`);
      const input = decodeTensorProto(readFileSync(join(dir, 'input_0.pb')));
      const expected = decodeTensorProto(readFileSync(join(dir, 'output_0.pb'))).data as Float32Array;
      assert.deepEqual(input.dims, [1, 224, 224, 3]);
      const logits = await runImported(model, input.data as Float32Array, input.dims);
      const diff = maxAbsDiff(logits, expected);
      t.diagnostic(`max abs diff ${diff.toExponential(2)}`);
      assert.ok(diff < 1e-3, `max abs diff ${diff}`);
      assert.equal(argmax(logits), label);
    });
  }
});

// ------------------------------------------------------------------------------------ tfjs-built models

await tf.setBackend('cpu');

/** Writes a tfjs model as model.json plus one shard, the way tfjs's own file saver does. */
async function save(model: tf.LayersModel, dir: string): Promise<string> {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = artifacts.weightData!;
    const bytes = Buffer.concat((Array.isArray(data) ? data : [data]).map((b) => Buffer.from(b)));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({
      format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    }));
    writeFileSync(join(dir, 'weights.bin'), bytes);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return join(dir, 'model.json');
}

/** Replaces every weight (batch-norm statistics included) with seeded random values; variances stay positive. */
function randomizeWeights(model: tf.LayersModel): void {
  model.setWeights(model.weights.map((w, i) => (w.name.endsWith('moving_variance')
    ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', 100 + i)
    : tf.randomUniform(w.shape as number[], -0.6, 0.6, 'float32', 100 + i))));
}

function randomInput(model: tf.LayersModel, batch = 2): { data: Float32Array; shape: number[] } {
  const shape = [batch, ...(model.inputs[0]!.shape.slice(1) as number[])];
  return { data: tf.randomUniform(shape, -1, 1, 'float32', 7).dataSync() as Float32Array, shape };
}


/** Saves, imports and runs `model`, and checks it against tfjs's own predict on the same random batch. */
async function checkAgainstTfjs(model: tf.LayersModel, edit?: (json: Record<string, any>) => void): Promise<void> {
  randomizeWeights(model);
  const path = await save(model, tempDir());
  if (edit) {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    edit(json);
    writeFileSync(path, JSON.stringify(json));
  }
  const { data, shape } = randomInput(model);
  const expected = (model.predict(tf.tensor(data, shape)) as tf.Tensor).dataSync() as Float32Array;
  const ours = await runImported(await importTfjsLayers(path), data, shape);
  const diff = relativeDiff(ours, expected);
  assert.ok(diff < 1e-4, `relative diff ${diff}`);
}

const L = tf.layers;

/** The layer configs of a saved tfjs model.json. */
const layersOf = (json: Record<string, any>): Array<Record<string, any>> => json.modelTopology.config.layers;

describe('tfjs-built models match tfjs predict', () => {
  test('sequential: strided same convs, depthwise, separable, batch norm, padding, pooling, dense after flatten', async () => {
    const m = tf.sequential();
    m.add(L.conv2d({ inputShape: [14, 11, 3], filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
    m.add(L.batchNormalization({ epsilon: 0.01 }));
    m.add(L.leakyReLU({ alpha: 0.2 }));
    m.add(L.depthwiseConv2d({ kernelSize: [3, 2], depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }));
    m.add(L.zeroPadding2d({ padding: [[1, 2], [0, 1]] }));
    m.add(L.separableConv2d({ filters: 6, kernelSize: 3, dilationRate: 2, depthMultiplier: 2, padding: 'same', activation: 'elu' }));
    m.add(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
    m.add(L.reLU({ maxValue: 0.8 }));
    m.add(L.conv2d({ filters: 4, kernelSize: [2, 1], strides: [1, 2], padding: 'same', useBias: false }));
    m.add(L.flatten());
    m.add(L.dropout({ rate: 0.5 }));
    m.add(L.dense({ units: 7, activation: 'tanh' }));
    m.add(L.dense({ units: 5, activation: 'softmax' }));
    // tfjs leaves SeparableConv2D's depth_multiplier out of the config; Keras writes it.
    await checkAgainstTfjs(m, (json) => { layersOf(json).find((l) => l.class_name === 'SeparableConv2D')!.config.depth_multiplier = 2; });
  });

  test('sequential: valid padding, dilation, average pooling, batch norm without scale and center, noise layers', async () => {
    const m = tf.sequential();
    m.add(L.inputLayer({ inputShape: [17, 15, 2] }));
    m.add(L.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, activation: 'sigmoid' }));
    m.add(L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
    m.add(L.batchNormalization({ center: false, scale: false }));
    m.add(L.gaussianNoise({ stddev: 1 }));
    m.add(L.averagePooling2d({ poolSize: 2 }));
    m.add(L.gaussianDropout({ rate: 0.3 }));
    m.add(L.depthwiseConv2d({ kernelSize: 2, useBias: false }));
    m.add(L.alphaDropout({ rate: 0.3 }));
    m.add(L.dropout({ rate: 0.3 }));
    m.add(L.globalAveragePooling2d({}));
    m.add(L.dense({ units: 3 }));
    // SpatialDropout2D is Keras-only; it reads the same config as Dropout.
    await checkAgainstTfjs(m, (json) => { layersOf(json).find((l) => l.class_name === 'Dropout')!.class_name = 'SpatialDropout2D'; });
  });

  test('functional: merges, concatenation over channels and rows, softmax layer, global max pooling', async () => {
    const input = L.input({ shape: [9, 10, 3] });
    const a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const b = L.conv2d({ filters: 4, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
    const merged = [L.add(), L.multiply(), L.average(), L.maximum(), L.minimum()].map((layer) => layer.apply([a, b]) as tf.SymbolicTensor);
    const channels = L.concatenate({ axis: -1 }).apply(merged) as tf.SymbolicTensor;
    const rows = L.concatenate({ axis: 1 }).apply([channels, channels]) as tf.SymbolicTensor;
    const soft = L.softmax({ axis: -1 }).apply(rows) as tf.SymbolicTensor;
    const pooled = L.globalMaxPooling2d({}).apply(soft) as tf.SymbolicTensor;
    const output = L.dense({ units: 6 }).apply(pooled) as tf.SymbolicTensor;
    await checkAgainstTfjs(tf.model({ inputs: input, outputs: output }));
  });

  test('functional: every activation, fused and as layers', async () => {
    const names = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softplus', 'softsign',
      'softmax', 'swish', 'mish', 'gelu'] as const;
    const input = L.input({ shape: [6, 5, 4] });
    const x = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const branches = names.flatMap((activation) => [
      L.activation({ activation }).apply(x) as tf.SymbolicTensor,
      L.conv2d({ filters: 2, kernelSize: 1, activation }).apply(x) as tf.SymbolicTensor,
    ]);
    const flat = L.flatten().apply(L.concatenate().apply(branches)) as tf.SymbolicTensor;
    const output = L.dense({ units: 4, activation: 'swish' }).apply(flat) as tf.SymbolicTensor;
    await checkAgainstTfjs(tf.model({ inputs: input, outputs: output }));
  });

  test('functional: flatten order, reshape both ways, dense on images and sequences, rescaling', async () => {
    const input = L.input({ shape: [4, 6, 3] });
    const flat = L.flatten().apply(input) as tf.SymbolicTensor;
    const normed = L.batchNormalization().apply(flat) as tf.SymbolicTensor;
    const image = L.reshape({ targetShape: [2, 4, 3] }).apply(L.dense({ units: 24 }).apply(normed)) as tf.SymbolicTensor;
    const conv = L.conv2d({ filters: 2, kernelSize: 2 }).apply(image) as tf.SymbolicTensor; // [1, 3, 2]
    const sequence = L.reshape({ targetShape: [3, 2] }).apply(conv) as tf.SymbolicTensor;
    const perStep = L.flatten().apply(L.dense({ units: 3 }).apply(sequence)) as tf.SymbolicTensor;
    const perPixel = L.dense({ units: 5, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const pooled = L.globalAveragePooling2d({}).apply(perPixel) as tf.SymbolicTensor;
    const flatPixels = L.flatten().apply(perPixel) as tf.SymbolicTensor;
    // CHW-ordered features pass through Rescaling and are put in Keras order by Concatenate.
    const scaled = L.rescaling({ scale: 0.5, offset: 0.25 }).apply(flatPixels) as tf.SymbolicTensor;
    const output = L.concatenate().apply([perStep, pooled, scaled]) as tf.SymbolicTensor;
    // tfjs cannot infer shapes after a Reshape to [-1, 2]; Keras can, and so must we.
    await checkAgainstTfjs(tf.model({ inputs: input, outputs: output }), (json) => {
      layersOf(json).find((l) => l.config.target_shape?.join() === '3,2')!.config.target_shape = [-1, 2];
    });
  });

  test('a flatten of an image as the output keeps Keras order', async () => {
    const m = tf.sequential();
    m.add(L.conv2d({ inputShape: [3, 4, 2], filters: 3, kernelSize: 2 }));
    m.add(L.flatten());
    await checkAgainstTfjs(m);
  });

  test('Keras ReLU with negative_slope and max_value', async () => {
    const input = L.input({ shape: [5, 5, 2] });
    const conv = L.conv2d({ filters: 3, kernelSize: 3 }).apply(input) as tf.SymbolicTensor;
    const output = L.flatten().apply(L.reLU({ maxValue: 0.5 }).apply(conv)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    randomizeWeights(model);
    const path = await save(model, tempDir());
    // tfjs's ReLU has no negative_slope; Keras's does. Expected values come from the conv output.
    const json = JSON.parse(readFileSync(path, 'utf8'));
    Object.assign(layersOf(json).find((l) => l.class_name === 'ReLU')!.config, { negative_slope: 0.1, max_value: 0.5 });
    writeFileSync(path, JSON.stringify(json));
    const { data, shape } = randomInput(model);
    const pre = (tf.model({ inputs: input, outputs: conv }).predict(tf.tensor(data, shape)) as tf.Tensor).dataSync();
    const expected = Float32Array.from(pre, (v) => Math.min(0.5, v >= 0 ? v : 0.1 * v));
    const ours = await runImported(await importTfjsLayers(path), data, shape);
    assert.ok(relativeDiff(ours, expected) < 1e-4);
  });

  test('uint8 and float16 quantized weights', async () => {
    const m = tf.sequential();
    m.add(L.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }));
    m.add(L.flatten());
    m.add(L.dense({ units: 4 }));
    randomizeWeights(m);
    // Weights chosen so that both encodings hold them exactly: multiples of 1/64 in [-0.6, 0.6].
    m.setWeights(m.getWeights().map((w) => tf.tensor(Array.from(w.dataSync(), (v) => Math.round(v * 64) / 64), w.shape)));
    const path = await save(m, tempDir());
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const specs: Array<Record<string, any>> = json.weightsManifest[0].weights;
    const values = m.getWeights().map((w) => Array.from(w.dataSync()));
    const chunks = specs.map((spec, i) => {
      if (i % 2 === 0) {
        spec.quantization = { dtype: 'uint8', min: -1, scale: 1 / 64 };
        return Buffer.from(values[i]!.map((v) => Math.round((v + 1) * 64)));
      }
      spec.quantization = { dtype: 'float16' };
      return Buffer.from(Uint16Array.from(values[i]!, toHalf).buffer);
    });
    writeFileSync(join(path, '..', 'weights.bin'), Buffer.concat(chunks));
    writeFileSync(path, JSON.stringify(json));
    const { data, shape } = randomInput(m);
    const expected = (m.predict(tf.tensor(data, shape)) as tf.Tensor).dataSync() as Float32Array;
    const ours = await runImported(await importTfjsLayers(path), data, shape);
    assert.ok(relativeDiff(ours, expected) < 1e-4);
  });
});

/** Half-precision bits of a value that half precision holds exactly (normal numbers and zero). */
function toHalf(v: number): number {
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const exp = Math.floor(Math.log2(Math.abs(v)));
  return sign | ((exp + 15) << 10) | Math.round((Math.abs(v) / 2 ** exp - 1) * 1024);
}

// ---------------------------------------------------------------------------------------------- errors

/** A writable copy of the darknet model to break (the fixtures are read-only, and so would the copy be). */
function darknetCopy(): string {
  const dir = tempDir();
  cpSync(DARKNET, dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
  return dir;
}

function editJson(path: string, edit: (json: Record<string, any>) => void): void {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

async function assertUserError(path: string, ...parts: RegExp[]): Promise<void> {
  await assert.rejects(importTfjsLayers(path), (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), 'one line');
    for (const p of parts) assert.match(err.message, p);
    return true;
  });
}

const escaped = (s: string): RegExp => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('errors name the file and the problem', () => {
  test('missing model.json', async () => {
    const path = join(tempDir(), 'model.json');
    await assertUserError(path, escaped(path), /cannot read/);
  });

  test('corrupt model.json', async () => {
    const path = join(tempDir(), 'model.json');
    writeFileSync(path, '{"modelTopology": {"model_config": ');
    await assertUserError(path, escaped(path), /not valid JSON/);
  });

  test('a graph model is not a layers model', async () => {
    const path = join(tempDir(), 'model.json');
    writeFileSync(path, JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    await assertUserError(path, escaped(path), /graph model/);
  });

  test('truncated shard', async () => {
    const dir = darknetCopy();
    truncateSync(join(dir, 'group23-shard1of1'), 1000);
    await assertUserError(join(dir, 'model.json'), escaped(join(dir, 'model.json')), /conv2d_16\/kernel/, /group23-shard1of1/, /truncated/);
  });

  test('missing shard', async () => {
    const dir = darknetCopy();
    unlinkSync(join(dir, 'group5-shard1of1'));
    await assertUserError(join(dir, 'model.json'), /group5-shard1of1/, /cannot read weight shard/);
  });

  test('unknown layer class', async () => {
    const dir = darknetCopy();
    const path = join(dir, 'model.json');
    editJson(path, (json) => {
      json.modelTopology.model_config.config.layers.find((l: any) => l.name === 'leaky_re_lu_3').class_name = 'FancyLayer';
    });
    await assertUserError(path, escaped(path), /leaky_re_lu_3/, /FancyLayer/, /not supported/);
  });

  test('missing weight', async () => {
    const dir = darknetCopy();
    const path = join(dir, 'model.json');
    editJson(path, (json) => {
      for (const group of json.weightsManifest) group.weights = group.weights.filter((w: any) => w.name !== 'conv2d_16/bias');
    });
    await assertUserError(path, escaped(path), /conv2d_16/, /conv2d_16\/bias' is not in the weightsManifest/);
  });
});
