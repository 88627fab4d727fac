import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { loadModel } from '../../src/models/load-model.js';
import { readStudyConfigFile } from '../../src/study/config/config-file.js';
import { UserError } from '../../src/core/errors.js';
import { fixture } from '../helpers/fixtures.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../study/helpers.js';

test('a model declaring huge input images is refused in one line instead of crashing on an allocation', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['N', 3, 200000, 200000]);
  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [x])], { axis: 1 });
  g.node('MatMul', [pooled, g.constFloat('W', [3, 10], Array.from({ length: 30 }, () => 0.1))], {}, { outputs: ['logits'] });
  g.output('logits', ['N', 10]);
  const path = join(tempDir('rs-hostile-'), 'huge.onnx');
  writeFileSync(path, encodeModel(modelOf(g.graph)));
  for (const args of [['models', 'inspect', path], ['models', 'eval', path, '--data', 'synthetic', '--limit', '2']]) {
    const r = cli(args);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `robustscope: ${path}: input 'x' declares 3 x 200000 x 200000 images; at most 4 channels of 8192 x 8192 pixels are supported\n`);
  }
});

test('a duplicate key in a JSON study config or model manifest is an error naming the file, not a silent last-wins', async () => {
  const dir = tempDir('rs-hostile-');
  const config = join(dir, 'study.json');
  writeFileSync(config, '{"seed": 1, "models": ["zoo:linear"], "dataset": {"name": "synthetic", "count": 4, "count": 400}}');
  assert.throws(() => readStudyConfigFile(config), (e: unknown) => e instanceof UserError && e.message.startsWith(`${config}: not valid JSON (duplicate key: Map keys must be unique`));
  const model = join(dir, 'net.onnx');
  copyFileSync(fixture('models', 'mnist-8-onnx', 'model.onnx'), model);
  writeFileSync(join(dir, 'net.manifest.json'), '{"resize": "stretch", "resize": "shorter-side-crop"}');
  await assert.rejects(loadModel(model), (e: unknown) => e instanceof UserError && e.message.startsWith(`${join(dir, 'net.manifest.json')}: cannot read manifest (duplicate key`));
});
