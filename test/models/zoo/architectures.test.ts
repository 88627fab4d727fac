import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from '../../../src/onnx/codec.js';
import { DataType, type Model } from '../../../src/onnx/ir.js';
import { validateModel } from '../../../src/onnx/validate.js';
import { parseManifest } from '../../../src/models/manifest.js';
import { summarize, type ModelSummary } from '../../../src/models/summary.js';
import { ZOO_ARCHITECTURES, zooArchitecture, type ZooArchitecture } from '../../../src/models/zoo/registry.js';
import { OnnxClassifier } from '../../../src/runtime/onnx-classifier.js';

/**
 * Ops our autodiff differentiates, plus LRN (AlexNet; it has a VJP rule) and Constant (fixed values such as
 * the input transform, which need no gradient).
 */
const ALLOWED_OPS = new Set([
  'Conv', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'Tanh',
  'BatchNormalization', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Concat', 'Flatten', 'Reshape',
  'Transpose', 'Pad', 'Identity', 'LRN', 'Constant',
]);

const MIN_PARAMS = 5_000;
const MAX_PARAMS = 1_200_000;
const MAX_TOTAL_PARAMS = 6_200_000;
const MAX_FLOPS = 100e6;
const MODEST_FLOPS = 40e6;

/** Deterministic input in [0,1] that is not constant across pixels. */
function images(n: number): Float32Array {
  return Float32Array.from({ length: n * 3 * 32 * 32 }, (_, i) => ((i * 7919) % 1000) / 999);
}

async function classifierOf(arch: ZooArchitecture, model = arch.build(1)): Promise<OnnxClassifier> {
  return OnnxClassifier.create(model, parseManifest({}, 'zoo'), { name: arch.name, sha256: 'test' });
}

/** Summaries are shared by the per-model checks and the zoo totals, built once per architecture. */
const summaries = new Map<string, Promise<ModelSummary>>();
function summaryOf(arch: ZooArchitecture): Promise<ModelSummary> {
  let s = summaries.get(arch.name);
  if (!s) {
    s = classifierOf(arch).then(async (c) => {
      try {
        return await summarize(c);
      } finally {
        await c.dispose();
      }
    });
    summaries.set(arch.name, s);
  }
  return s;
}

/** The weight initializers of the Conv, Gemm and MatMul layers (their second input). */
function layerWeights(model: Model) {
  const byName = new Map(model.graph.initializers.map((t) => [t.name, t]));
  const layers = model.graph.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm' || n.opType === 'MatMul');
  const weights = layers.map((n) => byName.get(n.inputs[1]!));
  assert.ok(weights.every((t) => t !== undefined), 'every layer weight is an initializer');
  return weights as NonNullable<(typeof weights)[number]>[];
}

/** Longest chain of Conv/Gemm layers from input to logits: what the depth in a model's name counts. */
function weightDepth(model: Model): number {
  const depth = new Map<string, number>();
  for (const n of model.graph.nodes) {
    const d = Math.max(0, ...n.inputs.map((i) => depth.get(i) ?? 0)) + (n.opType === 'Conv' || n.opType === 'Gemm' ? 1 : 0);
    for (const o of n.outputs) depth.set(o, d);
  }
  return depth.get('logits') ?? 0;
}

test('the zoo mirrors the study: at least 18 architectures in at least 6 families, with unique names', () => {
  assert.ok(ZOO_ARCHITECTURES.length >= 18, `${ZOO_ARCHITECTURES.length} architectures`);
  const families = new Set(ZOO_ARCHITECTURES.map((a) => a.family));
  assert.ok(families.size >= 6, `families: ${[...families].join(', ')}`);
  for (const f of ['alexnet', 'vgg', 'resnet', 'mobilenet', 'densenet', 'inception', 'mlp']) assert.ok(families.has(f), `family ${f}`);
  assert.equal(new Set(ZOO_ARCHITECTURES.map((a) => a.name)).size, ZOO_ARCHITECTURES.length);
  for (const name of ['alexnet-mini', 'vgg-11-mini', 'vgg-16-mini', 'resnet-8', 'resnet-14', 'resnet-20', 'mobilenet-0.25', 'mobilenet-0.5', 'mobilenet-1.0', 'mlp-1', 'mlp-2', 'linear']) {
    assert.equal(zooArchitecture(name).name, name);
  }
  assert.throws(() => zooArchitecture('resnet-1000'), /unknown zoo architecture 'resnet-1000'; known: linear, /);
});

for (const arch of ZOO_ARCHITECTURES) {
  test(`${arch.name}: a valid graph of supported ops, seeded deterministically`, () => {
    const model = arch.build(7);
    validateModel(model, arch.name);
    const unsupported = model.graph.nodes.map((n) => n.opType).filter((op) => !ALLOWED_OPS.has(op));
    assert.deepEqual([...new Set(unsupported)], []);
    assert.deepEqual(model.graph.inputs.map((i) => [i.name, i.shape]), [['input', ['N', 3, 32, 32]]]);
    assert.deepEqual(model.graph.outputs.map((o) => [o.name, o.shape]), [['logits', ['N', 10]]]);
    // Every initializer is a trainable float32 parameter; fixed values live in Constant nodes.
    assert.ok(model.graph.initializers.every((t) => t.dataType === DataType.FLOAT));
    assert.equal(weightDepth(model), arch.depth);

    const again = arch.build(7);
    assert.deepEqual(again.graph.initializers.map((t) => [t.name, t.dims]), model.graph.initializers.map((t) => [t.name, t.dims]));
    model.graph.initializers.forEach((t, i) => assert.deepEqual(again.graph.initializers[i]!.data, t.data, t.name));
    assert.deepEqual(encodeModel(again), encodeModel(model));

    // The seed drives every random initializer (every weight of a layer among them) and nothing else.
    const other = arch.build(8);
    const differs = model.graph.initializers.filter((t, i) => Buffer.compare(Buffer.from((t.data as Float32Array).buffer), Buffer.from((other.graph.initializers[i]!.data as Float32Array).buffer)) !== 0);
    const random = model.graph.initializers.filter((t) => (t.data as Float32Array).some((v) => v !== (t.data as Float32Array)[0]));
    assert.deepEqual(differs.map((t) => t.name), random.map((t) => t.name));
    const weights = new Set(layerWeights(model).map((t) => t.name));
    assert.equal(random.filter((t) => weights.has(t.name)).length, weights.size, 'a layer weight is constant');
  });

  test(`${arch.name}: runs in ONNX Runtime with finite logits, within the size and cost budget`, async () => {
    const c = await classifierOf(arch);
    try {
      assert.deepEqual(c.inputShape, [3, 32, 32]);
      assert.equal(c.numClasses, 10);
      const logits = await c.logits(images(3), 3);
      assert.equal(logits.length, 3 * 10);
      assert.ok(logits.every(Number.isFinite), 'logits are finite');
      assert.ok(logits.some((v) => v !== logits[0]), 'logits depend on the input');
    } finally {
      await c.dispose();
    }
    const s = await summaryOf(arch);
    assert.ok(s.parameters >= MIN_PARAMS && s.parameters <= MAX_PARAMS, `${s.parameters} parameters`);
    assert.ok(s.flopsPerImage <= MAX_FLOPS, `${s.flopsPerImage} FLOPs per image`);
    // A multiply-add per weight per output position: exactly once per image in a dense layer, at least once
    // in a convolution.
    const model = arch.build(1);
    const weights = layerWeights(model);
    const once = 2 * weights.reduce((sum, t) => sum + t.data.length, 0);
    if (model.graph.nodes.some((n) => n.opType === 'Conv')) assert.ok(s.flopsPerImage > once, `${s.flopsPerImage} FLOPs per image, ${once} for each weight once`);
    else assert.equal(s.flopsPerImage, once);
  });
}

test('the whole zoo fits its weight budget and most models are cheap to train', async () => {
  const all = await Promise.all(ZOO_ARCHITECTURES.map(summaryOf));
  const total = all.reduce((sum, s) => sum + s.parameters, 0);
  assert.ok(total < MAX_TOTAL_PARAMS, `${total} parameters in all`);
  const modest = all.filter((s) => s.flopsPerImage < MODEST_FLOPS).length;
  assert.ok(modest > all.length / 2, `${modest} of ${all.length} models under ${MODEST_FLOPS / 1e6} MFLOPs`);
});
