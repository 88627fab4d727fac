import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { readModelSource } from '../../src/models/load-model.js';

/** A folder holding net.onnx, a 2-class linear model of 3x2x2 images. */
function modelFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'load-model-'));
  const b = new GraphBuilder();
  const flat = b.op('Flatten', [b.input('x', ['N', 3, 2, 2])], { axis: 1 });
  b.output(b.op('MatMul', [flat, b.constFloat('w', [12, 2], Array.from({ length: 24 }, (_, i) => i / 24))]), ['N', 2]);
  writeFileSync(join(dir, 'net.onnx'), encodeModel(modelOf(b.graph)));
  return dir;
}

test("the sidecar manifest's fields, with overrides over them, are read and validated once", async (t) => {
  const dir = modelFolder();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'net.manifest.json'), JSON.stringify({ name: 'tiny', resize: 'stretch', labels: ['a', 'b'] }));
  const src = await readModelSource(join(dir, 'net.onnx'), { resize: 'shorter-side-crop' });
  assert.equal(src.manifest.name, 'tiny');
  assert.deepEqual(src.manifest.labels, ['a', 'b']);
  assert.equal(src.manifest.resize, 'shorter-side-crop');
  assert.equal(src.manifest.outputs, 'auto');
  assert.equal(src.baseDir, dir);
  // The model file's own hash (the sidecar manifest is not part of it).
  assert.equal(src.sha256, createHash('sha256').update(readFileSync(join(dir, 'net.onnx'))).digest('hex'));
});

test('without a sidecar manifest the defaults hold, with the overrides', async (t) => {
  const dir = modelFolder();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = await readModelSource(join(dir, 'net.onnx'), { resize: 'stretch' });
  assert.equal(src.manifest.name, undefined);
  assert.equal(src.manifest.resize, 'stretch');
  assert.deepEqual(src.manifest.preprocess, { scale: 1, mean: [0], std: [1], channelOrder: 'RGB', layout: 'NCHW' });
});

test('a bad sidecar manifest is an error naming the manifest and the field', async (t) => {
  const dir = modelFolder();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = join(dir, 'net.manifest.json');
  const rejects = async (content: string, pattern: RegExp) => {
    writeFileSync(manifest, content);
    await assert.rejects(readModelSource(join(dir, 'net.onnx')), (e: unknown) => e instanceof UserError && pattern.test(e.message) && e.message.startsWith(manifest));
  };
  await rejects('{"outputs": "scores"}', /manifest field 'outputs'/);
  await rejects('{"colour": true}', /manifest field '\(root\)'.*colour/);
  await rejects('[1, 2]', /manifest field '\(root\)'/);
  await rejects('{"name": ', /cannot read manifest/);
});
