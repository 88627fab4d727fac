import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../../src/core/errors.js';
import { readModelSource } from '../../../src/models/load-model.js';
import { describeFormats, importerFor, IMPORTERS, sidecarManifestPath } from '../../../src/models/importers/registry.js';
import { cli } from '../../helpers/cli.js';

test('each model format is recognised by its file ending, in any case; other names by none', () => {
  const description = (path: string) => importerFor(path)?.description;
  assert.equal(description('/m/resnet50.onnx'), 'an .onnx file');
  assert.equal(description('/m/RESNET50.ONNX'), 'an .onnx file');
  assert.equal(description('/m/model.json'), 'a TF.js model.json');
  assert.equal(description('/m/vgg_16.pb'), 'a frozen TensorFlow graph (.pb)');
  assert.match(description('/m/tf-densenet121.ckpt.index')!, /^a TensorFlow checkpoint index \(\.index\)/);
  assert.match(description('/m/nasnet.safetensors')!, /^timm weights \(\.safetensors\)/);
  for (const other of ['/m/model.bin', '/m/onnx', '/m/model.onnx.gz', '/m/model.pth']) assert.equal(importerFor(other), undefined, other);
});

test('no two formats claim the same file ending', () => {
  const endings = IMPORTERS.flatMap((i) => i.extensions);
  assert.equal(new Set(endings).size, endings.length);
  for (const e of endings) assert.match(e, /^\.[a-z0-9.]+$/);
});

test("the sidecar manifest replaces the format's ending with .manifest.json", () => {
  assert.equal(sidecarManifestPath('/m/resnet50.onnx'), '/m/resnet50.manifest.json');
  assert.equal(sidecarManifestPath('/m/model.json'), '/m/model.manifest.json');
  assert.equal(sidecarManifestPath('/m/net.pb'), '/m/net.manifest.json');
  assert.equal(sidecarManifestPath('/m/x.ckpt.index'), '/m/x.ckpt.manifest.json');
  assert.equal(sidecarManifestPath('/m/w.safetensors'), '/m/w.manifest.json');
  assert.equal(sidecarManifestPath('/m/W.SafeTensors'), '/m/W.manifest.json');
  // A name no format claims keeps its whole name.
  assert.equal(sidecarManifestPath('/m/model.bin'), '/m/model.bin.manifest.json');
});

test('a name no format claims is an error listing every format and zoo:<name>', async () => {
  await assert.rejects(readModelSource('/m/model.pth'), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.ok(e.message.startsWith('/m/model.pth: not a model name; expected a path to '), e.message);
    for (const { description } of IMPORTERS) assert.ok(e.message.includes(description), `${description} in ${e.message}`);
    assert.ok(e.message.endsWith(', or zoo:<name>'), e.message);
    return true;
  });
});

test('every command that takes a model lists the formats of the registry in its help', () => {
  assert.equal(describeFormats(), IMPORTERS.map((i) => i.description).join(', '));
  for (const command of [['models', 'inspect'], ['models', 'predict'], ['models', 'eval'], ['attack'], ['clever']]) {
    const r = cli([...command, '--help']);
    assert.equal(r.code, 0, r.stderr);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const { description } of IMPORTERS) assert.ok(help.includes(description), `${command.join(' ')} --help lacks '${description}'`);
  }
});
