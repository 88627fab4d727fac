import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';

const DARKNET = fixture('models', 'darknet-tiny-tfjs', 'model.json');
const DARKNET_LABELS = fixture('labels', 'darknet-imagenet.shortnames.list');
const photo = (name: string) => fixture('images', 'imagenet', name);

/** A user error: exit code 2 and exactly one line on stderr that names `file` and says `what`. */
function assertOneLineError(r: ReturnType<typeof cli>, file: string, what: RegExp): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${r.stderr}`);
  assert.ok(lines[0]!.includes(file), `'${lines[0]}' should name ${file}`);
  assert.match(lines[0]!, what);
}

test('models inspect prints the op histogram of a light model, and --json the same data', () => {
  const model = fixture('onnx-light-models', 'light', 'light_inception_v1.onnx');
  const text = cli(['models', 'inspect', model]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Conv\s+57$/m);
  const json = JSON.parse(cli(['models', 'inspect', model, '--json']).stdout);
  assert.equal(json.ops.Conv, 57);
  assert.equal(json.numClasses, 1000);
  assert.deepEqual(json.canonicalInput, [3, 224, 224]);
});

test('models predict names the right class for the pelican, the bald eagle and a cat (Darknet-tiny, TF.js)', () => {
  // Darknet-tiny's own pipeline (ml5) stretches the whole photo to 224x224 rather than cropping.
  const r = cli(['models', 'predict', DARKNET, photo('wonnx-pelican.jpeg'), photo('wonnx-bald_eagle.jpeg'), photo('caffe-cat.jpg'), '--labels', DARKNET_LABELS, '--resize', 'stretch', '--top', '3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const top1 = JSON.parse(r.stdout).results.map((x: { top: { label: string }[] }) => x.top[0]!.label);
  // The cat is a tiger cat by a logit margin of 0.66 over the runner-up (Norwich terrier).
  assert.deepEqual(top1, ['pelican', 'bald eagle', 'tiger cat']);
});

test('a corrupt model file is a one-line error naming the file, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
  const bad = join(dir, 'corrupt.onnx');
  writeFileSync(bad, Buffer.from('this is not protobuf at all, just text pretending to be a model'));
  assertOneLineError(cli(['models', 'inspect', bad]), bad, /not a valid ONNX file/);
});

test('truncated weights are a one-line error naming the file, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
  // ONNX: cut the MNIST model inside its weights.
  const onnx = join(dir, 'mnist-cut.onnx');
  const bytes = readFileSync(fixture('models', 'mnist-8-onnx', 'model.onnx'));
  writeFileSync(onnx, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  assertOneLineError(cli(['models', 'inspect', onnx]), onnx, /not a valid ONNX file|truncated/);
  // TF.js: a shard shorter than the manifest says.
  cpSync(fixture('models', 'darknet-tiny-tfjs'), join(dir, 'darknet'), { recursive: true });
  const shard = join(dir, 'darknet', 'group3-shard1of1');
  truncateSync(shard, Math.floor(statSync(shard).size / 2));
  assertOneLineError(cli(['models', 'inspect', join(dir, 'darknet', 'model.json')]), 'group3-shard1of1', /truncat|short|bytes/i);
});

test('an unknown layer type is a one-line error naming the file and the layer, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
  cpSync(fixture('models', 'darknet-tiny-tfjs'), dir, { recursive: true });
  const json = join(dir, 'model.json');
  writeFileSync(json, readFileSync(json, 'utf8').replace('"LeakyReLU"', '"FancyNewLayer"'));
  assertOneLineError(cli(['models', 'inspect', json]), json, /FancyNewLayer/);
});

test('an unreadable image is a one-line error naming the file, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
  const img = join(dir, 'broken.jpg');
  writeFileSync(img, readFileSync(photo('caffe-cat.jpg')).subarray(0, 300));
  assertOneLineError(cli(['models', 'predict', fixture('models', 'mnist-8-onnx', 'model.onnx'), img]), img, /cannot decode image/);
  const missing = join(dir, 'missing.png');
  assertOneLineError(cli(['models', 'predict', fixture('models', 'mnist-8-onnx', 'model.onnx'), missing]), missing, /cannot read image/);
});

test('models eval reports top-1/top-5 on an image folder (MNIST digits, greyscale model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
  for (const d of ['0', '3', '5', '7']) cpSync(fixture('images', 'mnist', `${d}.jpg`), join(dir, d, `${d}.jpg`));
  const r = cli(['models', 'eval', fixture('models', 'mnist-8-onnx', 'model.onnx'), '--data', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.examples, 4);
  assert.equal(out.top1, 1);
  assert.equal(out.top5, 1);
});

test('a model with an operator ONNX Runtime does not implement is a one-line error naming the file and the op, exit 2', async () => {
  const { GraphBuilder, modelOf } = await import('../../src/onnx/builder.js');
  const { encodeModel } = await import('../../src/onnx/codec.js');
  const b = new GraphBuilder();
  const x = b.input('x', [1, 3, 8, 8]);
  b.node('FrobnicateImage', [x], {}, { outputs: ['y'] });
  b.output('y', [1, 10]);
  const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
  const file = join(dir, 'unsupported-op.onnx');
  writeFileSync(file, encodeModel(modelOf(b.graph)));
  assertOneLineError(cli(['models', 'inspect', file]), file, /FrobnicateImage/);
});

test('models inspect says whether gradients compile, and which node and op block them', async () => {
  const { GraphBuilder, modelOf } = await import('../../src/onnx/builder.js');
  const { encodeModel } = await import('../../src/onnx/codec.js');
  const dir = mkdtempSync(join(tmpdir(), 'rs-cli-'));
  const write = (name: string, op: string) => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 3, 2, 2]);
    b.output(b.op('Flatten', [b.op(op, [x], {}, `the_${op.toLowerCase()}`)]), ['N', 12]);
    const file = join(dir, name);
    writeFileSync(file, encodeModel(modelOf(b.graph)));
    return file;
  };
  const blocked = JSON.parse(cli(['models', 'inspect', write('atan.onnx', 'Atan'), '--json']).stdout);
  assert.equal(blocked.gradients.differentiable, false);
  assert.equal(blocked.gradients.node, 'the_atan');
  assert.equal(blocked.gradients.op, 'Atan');
  const text = cli(['models', 'inspect', write('erf.onnx', 'Erf')]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^gradients\s+exact/m);
});
