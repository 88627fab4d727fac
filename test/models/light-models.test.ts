import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeTensorProto } from '../../src/onnx/codec.js';
import { loadModel } from '../../src/models/load-model.js';
import { summarize } from '../../src/models/summary.js';
import { softmaxRow } from '../../src/runtime/logits.js';
import { fixture } from '../helpers/fixtures.js';

const LIGHT = ['bvlc_alexnet', 'densenet121', 'inception_v1', 'inception_v2', 'resnet50', 'shufflenet', 'squeezenet', 'vgg19', 'zfnet512'];

// The ONNX test runner's deterministic input: arange(N).reshape(shape) / N.
function arangeInput(size: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => i / size);
}

for (const name of LIGHT) {
  test(`light_${name}: loads, summarizes and reproduces its reference output`, async () => {
    const c = await loadModel(fixture('onnx-light-models', 'light', `light_${name}.onnx`));
    try {
      const s = await summarize(c);
      assert.equal(Object.values(s.ops).reduce((a, b) => a + b, 0), c.raw.graph.nodes.length);
      assert.ok((s.ops.Conv ?? 0) > 0, 'every light model has convolutions');
      assert.ok(s.flopsPerImage > 0 && s.parameters > 0);
      assert.equal(c.numClasses, 1000);

      const expected = decodeTensorProto(readFileSync(fixture('onnx-light-models', 'light', `light_${name}_output_0.pb`))).data as Float32Array;
      const logits = await c.logits(arangeInput(c.exampleSize), 1);
      // Where a trailing Softmax was removed, softmax of our logits must give the reference probabilities.
      const softmaxRemoved = s.outputTransform.some((t) => t.startsWith('removed Softmax'));
      const actual = softmaxRemoved ? softmaxRow(logits, 1000, 0) : logits;
      for (let j = 0; j < 1000; j++) assert.ok(Math.abs(actual[j]! - expected[j]!) <= 1e-5 + 1e-3 * Math.abs(expected[j]!), `class ${j}: ${actual[j]} vs ${expected[j]}`);
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
