import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load-model.js';
import { pullMember } from '../../src/models/pull.js';
import { UserError } from '../../src/core/errors.js';
import { fixture } from '../helpers/fixtures.js';
import { serveFiles } from '../helpers/serve-files.js';
import { tempDir } from '../study/helpers.js';

const outside = (e: unknown) => e instanceof UserError && /leads outside/.test(e.message) && !/root:/.test(e.message);

test('TF.js weightsManifest paths are confined to the model folder (../ and symlinks out are refused)', async () => {
  const dir = join(tempDir('rs-confine-'), 'model');
  cpSync(fixture('models', 'darknet-tiny-tfjs'), dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const first = json.weightsManifest[0].paths[0];
  json.weightsManifest[0].paths[0] = '../../../../../../../../etc/passwd';
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  await assert.rejects(loadModel(join(dir, 'model.json')), outside);
  // A symlink inside the folder that points out of it is refused too.
  symlinkSync('/etc/passwd', join(dir, 'evil-shard'));
  json.weightsManifest[0].paths[0] = 'evil-shard';
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  await assert.rejects(loadModel(join(dir, 'model.json')), outside);
  // The honest name still loads.
  json.weightsManifest[0].paths[0] = first;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  const model = await loadModel(join(dir, 'model.json'));
  await model.dispose();
});

test("a manifest's labels path is confined to the model folder", async () => {
  const dir = tempDir('rs-confine-');
  copyFileSync(fixture('models', 'mnist-8-onnx', 'model.onnx'), join(dir, 'net.onnx'));
  writeFileSync(join(dir, 'net.manifest.json'), JSON.stringify({ labels: '../../../../../../../etc/passwd' }));
  await assert.rejects(loadModel(join(dir, 'net.onnx')), outside);
  writeFileSync(join(dir, 'net.manifest.json'), JSON.stringify({ labels: '/etc/passwd' }));
  await assert.rejects(loadModel(join(dir, 'net.onnx')), outside);
});

test("models pull: a URL whose file name decodes to '../..' cannot write outside the destination folder", async () => {
  const body = Buffer.from('not really an archive');
  const sha = createHash('sha256').update(body).digest('hex');
  const { url, server } = await serveFiles({ '/x/..%2F..%2Fpwned.tar.gz': body });
  try {
    const root = tempDir('rs-confine-');
    const dest = join(root, 'a', 'b', 'model.onnx');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    await assert.rejects(pullMember(`${url}/x/..%2F..%2Fpwned.tar.gz`, 'model.onnx', dest, { sha256: sha }), outside);
    assert.equal(existsSync(join(root, 'pwned.tar.gz')), false);
  } finally {
    server.close();
  }
});
