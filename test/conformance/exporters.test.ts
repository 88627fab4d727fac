import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeModel } from '../../src/onnx/codec.js';
import { GradientSession } from '../../src/runtime/gradient-session.js';

/**
 * Exporter conformance: torchvision-family models exported by PyTorch at opsets 11-17 with dynamic and fixed
 * batch axes (scripts/export-conformance-fixtures.py, committed in fixtures/) must give PyTorch's logits and
 * input gradient of the summed cross-entropy loss. Each row of the table goes to the test's diagnostics.
 */

const DIR = resolve(process.cwd(), 'test/conformance/fixtures');

interface Meta {
  model: string;
  inputShape: number[];
  labels: number[];
  exports: { file: string; opset: number; dynamicBatch: boolean }[];
}

const floats = (model: string, part: string) => {
  const bytes = readFileSync(resolve(DIR, `${model}.${part}.f32`));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

/** max |a − b| over max |b|. */
function maxRelativeDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) { diff = Math.max(diff, Math.abs(a[i]! - b[i]!)); scale = Math.max(scale, Math.abs(b[i]!)); }
  return diff / scale;
}

function cosineAndRelL2(a: Float32Array, b: Float32Array): { cosine: number; relL2: number } {
  let ab = 0; let aa = 0; let bb = 0; let dd = 0;
  for (let i = 0; i < b.length; i++) { ab += a[i]! * b[i]!; aa += a[i]! * a[i]!; bb += b[i]! * b[i]!; dd += (a[i]! - b[i]!) ** 2; }
  return { cosine: ab / Math.sqrt(aa * bb), relL2: Math.sqrt(dd / bb) };
}

const metas = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(resolve(DIR, f), 'utf8')) as Meta);

test('the conformance fixtures cover every family at every opset, dynamic and fixed batch', () => {
  assert.deepEqual(metas.map((m) => m.model).sort(), ['convnext', 'densenet', 'efficientnet', 'inception', 'lrn', 'mobilenet-v3', 'regnet', 'shufflenet-v2', 'swin', 'vit']);
  for (const m of metas) assert.equal(m.exports.length, 8, m.model);
});

for (const meta of metas) {
  const x = floats(meta.model, 'input');
  const logits = floats(meta.model, 'logits');
  const grad = floats(meta.model, 'grad');
  const batch = meta.inputShape[0]!;
  for (const exp of meta.exports) {
    test(`${meta.model} opset ${exp.opset} ${exp.dynamicBatch ? 'dynamic' : 'fixed'} batch: PyTorch's logits and input gradient`, async (t) => {
      const model = decodeModel(gunzipSync(readFileSync(resolve(DIR, exp.file))));
      const session = await GradientSession.create(model, { kind: 'cross-entropy' });
      const r = await session.run(x, batch, { labels: Int32Array.from(meta.labels) });
      await session.dispose();
      const logitsDiff = maxRelativeDiff(r.logits, logits);
      const { cosine, relL2 } = cosineAndRelL2(r.grad, grad);
      t.diagnostic(`| ${meta.model} | ${exp.opset} | ${exp.dynamicBatch ? 'dynamic' : 'fixed'} | ${logitsDiff.toExponential(1)} | ${cosine.toFixed(6)} | ${relL2.toExponential(1)} |`);
      assert.ok(logitsDiff <= 1e-4, `logits differ by ${logitsDiff} relative`);
      assert.ok(cosine >= 0.999 && relL2 <= 1e-2, `gradient cosine ${cosine}, relative L2 ${relL2}`);
    });
  }
}
