import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeTensorProto } from '../../src/onnx/codec.js';
import { loadModel } from '../../src/models/load-model.js';
import { summarize } from '../../src/models/summary.js';
import { softmaxRow } from '../../src/runtime/logits.js';
import { fixture } from '../helpers/fixtures.js';

/**
 * Per light model: Conv nodes, parameters and FLOPs per image at the graph's 224x224 input. Conv counts are
 * the architectures' (DenseNet-121's classifier is a 1x1 Conv in this Caffe2 export). Parameters, where a
 * published count exists: AlexNet 60,965,224 and VGG-19 143,667,240 exactly, SqueezeNet 1.1 torchvision's
 * 1,235,496; ResNet-50 torchvision's 25,557,032 plus the BatchNorm running means and variances (2 x 26,560)
 * plus one float [1,1] input-queue blob Caffe2 left as an initializer; DenseNet-121 torchvision's 7,978,856
 * plus 4 x 41,824 (Caffe's BatchNorm keeps scale, bias, mean and variance, and a separate Mul/Add Scale layer
 * holds the gamma and beta torchvision counts). FLOPs checked by hand for AlexNet (2 x 654.6 M multiply-adds:
 * conv1 is 54x54 at 224, not 55x55 at 227) and against VGG-19's published 19.6 G multiply-adds.
 */
const LIGHT: Record<string, { conv: number; parameters: number; flops: number }> = {
  bvlc_alexnet: { conv: 5, parameters: 60_965_224, flops: 1_309_120_768 },
  densenet121: { conv: 121, parameters: 8_146_152, flops: 5_668_323_328 },
  inception_v1: { conv: 57, parameters: 6_998_552, flops: 2_863_112_704 },
  inception_v2: { conv: 69, parameters: 11_234_792, flops: 4_037_703_680 },
  resnet50: { conv: 53, parameters: 25_610_153, flops: 8_178_368_512 },
  shufflenet: { conv: 49, parameters: 1_420_152, flops: 249_329_056 },
  squeezenet: { conv: 26, parameters: 1_235_496, flops: 698_303_872 },
  vgg19: { conv: 16, parameters: 143_667_240, flops: 39_264_124_928 },
  zfnet512: { conv: 5, parameters: 87_250_537, flops: 2_963_454_016 },
};

// The ONNX test runner's deterministic input: arange(N).reshape(shape) / N.
function arangeInput(size: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => i / size);
}

for (const [name, expected] of Object.entries(LIGHT)) {
  test(`light_${name}: loads, summarizes and reproduces its reference output`, async () => {
    const c = await loadModel(fixture('onnx-light-models', 'light', `light_${name}.onnx`));
    try {
      const s = await summarize(c);
      assert.equal(Object.values(s.ops).reduce((a, b) => a + b, 0), c.raw.graph.nodes.length);
      assert.deepEqual({ conv: s.ops.Conv, parameters: s.parameters, flops: s.flopsPerImage }, expected);
      assert.equal(c.numClasses, 1000);

      const reference = decodeTensorProto(readFileSync(fixture('onnx-light-models', 'light', `light_${name}_output_0.pb`))).data as Float32Array;
      const logits = await c.logits(arangeInput(c.exampleSize), 1);
      // Where a trailing Softmax was removed, softmax of our logits must give the reference probabilities.
      const softmaxRemoved = s.outputTransform.some((t) => t.startsWith('removed Softmax'));
      const actual = softmaxRemoved ? softmaxRow(logits, 1000, 0) : logits;
      for (let j = 0; j < 1000; j++) assert.ok(Math.abs(actual[j]! - reference[j]!) <= 1e-5 + 1e-3 * Math.abs(reference[j]!), `class ${j}: ${actual[j]} vs ${reference[j]}`);
    } finally {
      await c.dispose();
    }
  });
}

test('ResNet-50 size and cost match the published architecture', async () => {
  const c = await loadModel(fixture('onnx-light-models', 'light', 'light_resnet50.onnx'));
  try {
    const s = await summarize(c);
    // ResNet-50: 25.6M parameters, about 4.1 G multiply-adds per 224x224 image.
    assert.ok(Math.abs(s.parameters - 25.56e6) / 25.56e6 < 0.01, `parameters ${s.parameters}`);
    assert.ok(s.flopsPerImage > 7.6e9 && s.flopsPerImage < 8.4e9, `FLOPs ${s.flopsPerImage}`);
    // A fixed batch of 1 in the graph: larger requests are run one chunk at a time, in order.
    const a = arangeInput(c.exampleSize);
    const b = a.map((v) => 1 - v);
    const both = await c.logits(Float32Array.from([...a, ...b]), 2);
    assert.deepEqual(both.subarray(1000), await c.logits(b, 1));
  } finally {
    await c.dispose();
  }
});
