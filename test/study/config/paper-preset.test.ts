import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PAPER_MODELS, paperManifest, type PaperModel } from '../../../src/models/catalog/paper-models.js';
import { studyPreset } from '../../../src/study/config/presets/index.js';
import { missingPaperModels } from '../../../src/study/plan/preflight.js';
import { parseManifest, type Manifest } from '../../../src/models/manifest.js';

/** STUDY.md's model table, transcribed: name, input size, classes, and the input transform of canonical x. */
type Transform = (rgb: [number, number, number]) => number[];
const VGG_MEAN = [123.68, 116.78, 103.94];
const inception: Transform = (x) => x.map((v) => 2 * v - 1);
const vgg: Transform = (x) => x.map((v, c) => v * 255 - VGG_MEAN[c]!);
const alexnet: Transform = ([r, g, b]) => [b * 255 - 104, g * 255 - 117, r * 255 - 124];
const densenet: Transform = (x) => x.map((v, c) => (v * 255 - VGG_MEAN[c]!) * 0.017);

const STUDY: [string, number, 1000 | 1001, Transform][] = [
  ['alexnet', 227, 1000, alexnet],
  ['vgg_16', 224, 1000, vgg],
  ['vgg_19', 224, 1000, vgg],
  ['inception_v1', 224, 1001, inception],
  ['inception_v2', 224, 1001, inception],
  ['inception_v3', 299, 1001, inception],
  ['inception_v4', 299, 1001, inception],
  ['inception_resnet_v2', 299, 1001, inception],
  ['resnet_v2_50', 299, 1001, inception],
  ['resnet_v2_101', 299, 1001, inception],
  ['resnet_v2_152', 299, 1001, inception],
  ['mobilenet_v1_0.25', 224, 1001, inception],
  ['mobilenet_v1_0.50', 224, 1001, inception],
  ['mobilenet_v1_1.0', 224, 1001, inception],
  ['densenet121', 224, 1000, densenet],
  ['densenet169', 224, 1000, densenet],
  ['densenet161', 224, 1000, densenet],
  ['nasnet_large', 331, 1001, inception],
];

/** What a manifest's preprocessing does to one canonical RGB pixel: (reorder(x) * scale - mean) / std. */
function apply(pre: Manifest['preprocess'], rgb: [number, number, number]): number[] {
  const x = pre.channelOrder === 'BGR' ? [rgb[2], rgb[1], rgb[0]] : [...rgb];
  const at = (v: number[], c: number) => v[v.length === 1 ? 0 : c]!;
  return x.map((v, c) => (v * pre.scale - at(pre.mean, c)) / at(pre.std, c));
}

const PIXELS: [number, number, number][] = [[0, 0, 0], [1, 1, 1], [0.2, 0.5, 0.9]];
const closeAll = (a: number[], b: number[], tol: number) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol);
const parsedPre = (m: PaperModel, which: 'file' | 'study') =>
  parseManifest({ preprocess: which === 'file' ? m.preprocess : m.study.preprocess }, m.name).preprocess;

test('the paper preset lists the 18 models of STUDY.md, in order, with the study\'s input sizes, classes and transforms', () => {
  assert.deepEqual(PAPER_MODELS.map((m) => m.name), STUDY.map(([name]) => name));
  for (const [i, [name, size, classes, transform]] of STUDY.entries()) {
    const m = PAPER_MODELS[i]!;
    assert.equal(m.study.inputSize, size, name);
    assert.equal(m.study.classes, classes, name);
    for (const px of PIXELS) assert.ok(closeAll(apply(parsedPre(m, 'study'), px), transform(px), 1e-9), `${name}: study transform at ${px}`);
  }
});

test('each preset model gets a manifest with its file\'s input size, label offset (1001 classes: 1) and outputs', () => {
  const preset = studyPreset('paper');
  assert.equal(preset.models.length, 18);
  for (const [i, m] of PAPER_MODELS.entries()) {
    const entry = preset.models[i]!;
    if (typeof entry === 'string') assert.fail(`${m.name}: preset entry carries no manifest`);
    assert.equal(basename(entry.name), m.file);
    const manifest = parseManifest(entry.manifest, m.name);
    assert.deepEqual(manifest, parseManifest(paperManifest(m), m.name));
    assert.deepEqual(manifest.inputSize, [m.inputSize, m.inputSize], m.name);
    assert.equal(manifest.labelOffset, m.classes === 1001 ? 1 : 0, m.name);
    assert.equal(manifest.outputs, m.outputs === 'softmax' ? 'auto' : 'logits', m.name);
    assert.equal(manifest.url, m.url);
    assert.equal(manifest.sha256, m.sha256);
    assert.equal(manifest.member, m.member);
    assert.equal(manifest.tfOutput, m.tfOutput);
  }
});

test('every download is https with a 64-hex sha256 read from a pinned record: an LFS pointer (ONNX, Hugging Face Hub) or a recipe or model list (TensorFlow releases)', () => {
  for (const m of PAPER_MODELS) {
    assert.ok(m.note.trim().length > 0, `${m.name}: a note says what the file is or what was searched`);
    assert.match(m.url, /^https:\/\//, m.name);
    assert.match(m.sha256 ?? '', /^[0-9a-f]{64}$/, m.name);
    if (m.format === 'ckpt') {
      // A checkpoint of the study's own network in a .tar.gz, built as the architecture the manifest names.
      assert.match(m.source ?? '', /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}:.+$/, `${m.name}: source names repository, commit and path`);
      assert.equal(m.file, `${m.name}.ckpt.index`);
      assert.match(m.archive ?? m.url, /\.tar\.gz$/, m.name);
      assert.match(m.member ?? '', /\.ckpt\.index$/, m.name);
      assert.equal(m.architecture, m.name);
      assert.equal(paperManifest(m).architecture, m.name);
      assert.ok(Number.isInteger(m.bytes) && m.bytes! > 0, `${m.name}: size`);
      // The study's own network: its input size, classes, preprocessing and output are the study's, value by value.
      assert.deepEqual([m.inputSize, m.classes, m.preprocess, m.outputs], [m.study.inputSize, m.study.classes, m.study.preprocess, 'logits'], m.name);
      continue;
    }
    if (m.format === 'safetensors') {
      // timm's port of the study's weights on the Hugging Face Hub, pinned to a commit, built as the architecture the manifest names.
      const hub = /^huggingface\.co\/([\w.-]+\/[\w.-]+)@([0-9a-f]{40}):(model\.safetensors)$/.exec(m.source);
      assert.ok(hub, `${m.name}: source names repository, commit and path`);
      assert.equal(m.url, `https://huggingface.co/${hub[1]}/resolve/${hub[2]}/${hub[3]}`, `${m.name}: url is the file at that commit`);
      assert.equal(m.file, `${m.name}.safetensors`);
      assert.equal(m.member, undefined, m.name);
      assert.equal(paperManifest(m).architecture, m.architecture);
      assert.deepEqual([m.inputSize, m.outputs], [m.study.inputSize, 'logits'], m.name);
      for (const px of PIXELS) assert.ok(closeAll(apply(parsedPre(m, 'file'), px), apply(parsedPre(m, 'study'), px), 1e-9), `${m.name}: the study's transform`);
      if (m.classes !== m.study.classes) assert.match(m.note, /1000 classes/, `${m.name}: note on classes`);
      continue;
    }
    assert.equal(m.architecture, undefined, m.name);
    if (m.format === 'pb') {
      // A frozen TensorFlow graph of the study's own network, plain or in an archive, whose hash a pinned record gives.
      assert.match(m.source ?? '', /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}:.+$/, `${m.name}: source names repository, commit and path`);
      assert.equal(m.file, `${m.name}.pb`);
      if (m.member) {
        assert.match(m.url, /\.(tgz|tar\.gz)$/, m.name);
        assert.match(m.member, /\.pb$/, m.name);
      } else {
        assert.match(m.url, /\.pb$/, m.name);
      }
      assert.deepEqual([m.inputSize, m.classes, m.preprocess], [m.study.inputSize, m.study.classes, m.study.preprocess], m.name);
      continue;
    }
    assert.equal(m.tfOutput, undefined, m.name);
    assert.equal(m.member, undefined, m.name);
    assert.ok(Number.isInteger(m.bytes) && m.bytes! > 0, `${m.name}: size`);
    const source = /^onnx\/models@([0-9a-f]{40}):(.+\.onnx)$/.exec(m.source ?? '');
    assert.ok(source, `${m.name}: source names repository, commit and path`);
    assert.equal(m.url, `https://github.com/onnx/models/raw/${source[1]}/${source[2]}`, `${m.name}: url is the pointer's file at that commit`);
    // A file that differs from the study's network says so, naming the study's value.
    if (m.inputSize !== m.study.inputSize) assert.ok(m.note.includes(String(m.study.inputSize)), `${m.name}: note on input size`);
    if (m.classes !== m.study.classes) assert.match(m.note, /1000 classes/, `${m.name}: note on classes`);
    for (const px of PIXELS) assert.ok(apply(parsedPre(m, 'file'), px).every(Number.isFinite), m.name);
  }
  assert.equal(new Set(PAPER_MODELS.map((m) => m.url)).size, PAPER_MODELS.length, 'no file stands in for two study models');
  assert.equal(new Set(PAPER_MODELS.map((m) => m.sha256)).size, PAPER_MODELS.length);
  assert.equal(new Set(PAPER_MODELS.map((m) => m.file)).size, PAPER_MODELS.length);
});

test('study worker --pull fetches the paper models a machine lacks: those whose file is missing, by their table name', () => {
  const cache = mkdtempSync(join(tmpdir(), 'rs-pull-'));
  const before = process.env.ROBUSTSCOPE_CACHE;
  process.env.ROBUSTSCOPE_CACHE = cache;
  try {
    const config = studyPreset('paper');
    writeFileSync(config.models[0]!.name, 'present');
    const missing = missingPaperModels(config);
    assert.deepEqual(missing.map((m) => m.paper.name), PAPER_MODELS.slice(1).map((m) => m.name));
    assert.ok(missing.every(({ entry, paper }) => entry.name === join(cache, paper.file)));
    assert.deepEqual(missingPaperModels(studyPreset('mini')), [], 'zoo models are never pulled');
  } finally {
    if (before === undefined) delete process.env.ROBUSTSCOPE_CACHE;
    else process.env.ROBUSTSCOPE_CACHE = before;
    rmSync(cache, { recursive: true, force: true });
  }
});
