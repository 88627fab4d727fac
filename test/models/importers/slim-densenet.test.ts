import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tar from 'tar';
import { UserError } from '../../../src/core/errors.js';
import { loadModel } from '../../../src/models/load-model.js';
import { importSlimDenseNet, SLIM_DENSENETS, type SlimDenseNet } from '../../../src/models/importers/slim-densenet.js';
import { Checkpoint } from '../../../src/models/importers/tf-checkpoint.js';
import { encodeModel } from '../../../src/onnx/codec.js';
import { PAPER_LABELS, pullPaperModel, type PaperModel } from '../../../src/models/catalog/paper-models.js';
import { exampleRng } from '../../../src/core/rng.js';
import { nhwcToNchw, preprocessedImages, relativeDiff } from '../../helpers/nhwc.js';
import { denseNetReference } from '../../helpers/slim-densenet.js';
import { fixture } from '../../helpers/fixtures.js';
import { gradientErrors } from '../../helpers/gradient-check.js';
import { serveFiles } from '../../helpers/serve-files.js';
import { writeCheckpoint } from '../../helpers/tf-checkpoint.js';

const scratch = mkdtempSync(join(tmpdir(), 'robustscope-densenet-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const random = (n: number, seed: string) => {
  const rng = exampleRng(9, seed, 'densenet-input');
  return Float32Array.from({ length: n }, () => rng.normal());
};


test('a small DenseNet from its checkpoint matches nets/densenet.py run in TF.js (odd sizes: SAME pads, VALID pools)', async (t) => {
  const net: SlimDenseNet = { scope: 'densenet_small', growthRate: 4, filters: 6, layers: [2, 3, 2], inputSize: 37 };
  const dims: [number, number, number, number] = [2, 37, 37, 3];
  const input = random(dims.reduce((a, b) => a * b), 'small');
  const ref = denseNetReference(net, 7, input, dims, 'small');
  // Real checkpoints also hold the training step and optimizer state, which the graph never reads.
  const index = writeCheckpoint(join(scratch, 'small', 'model.ckpt'), [...ref.variables, { name: 'global_step', dims: [], data: BigInt64Array.of(1000n) }], 2);
  const model = importSlimDenseNet(Checkpoint.read(index), net);
  assert.deepEqual(model.graph.outputs[0]!.shape, ['N', 7]);
  const session = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  const out = await session.run({ Placeholder: new ort.Tensor('float32', nhwcToNchw(input, dims), [2, 3, 37, 37]) });
  await session.release();
  const ours = out[model.graph.outputs[0]!.name]!.data as Float32Array;
  const rel = relativeDiff(ours, ref.logits);
  t.diagnostic(`${ref.variables.length} variables; logits max |diff| relative to the largest ${rel.toExponential(2)}`);
  assert.ok(rel < 1e-5, `relative diff ${rel}`);
});

const MEAN = [123.68, 116.78, 103.94];
const SIZE = 64;

/** Canonical images and what pudae's densenet_preprocessing makes of them: (pixel - VGG mean) * 0.017, NHWC. */
const images = (n: number, seed: string) => preprocessedImages(n, SIZE, seed, (v, c) => (v * 255 - MEAN[c]!) * 0.017);

test('loadModel reads a densenet121 checkpoint (.index) with its manifest: preprocessing in front, logits out, as TF.js computes them', async (t) => {
  const n = 2;
  const { canonical, nhwc } = images(n, 'densenet121');
  const ref = denseNetReference(SLIM_DENSENETS.densenet121, 1000, nhwc, [n, SIZE, SIZE, 3], 'densenet121');
  const dir = join(scratch, 'd121');
  const index = writeCheckpoint(join(dir, 'tf-densenet121.ckpt'), ref.variables);
  const manifest = { architecture: 'densenet121', inputSize: [SIZE, SIZE], preprocess: { scale: 255, mean: MEAN, std: [1 / 0.017] }, outputs: 'logits' };
  writeFileSync(join(dir, 'tf-densenet121.ckpt.manifest.json'), JSON.stringify(manifest));
  const c = await loadModel(index);
  try {
    assert.deepEqual(c.inputShape, [3, SIZE, SIZE]);
    assert.equal(c.numClasses, 1000);
    const logits = await c.logits(canonical, n);
    const rel = relativeDiff(logits, ref.logits);
    t.diagnostic(`densenet121: ${ref.variables.length} variables, logits max |diff| relative to the largest ${rel.toExponential(2)}`);
    assert.ok(rel < 1e-4, `relative diff ${rel}`);
    // The input gradient (through preprocessing, concatenations, pools) against central differences. This
    // deep random net resolves them to about 1% (float32 rounding below the step, ReLU kinks above it); a
    // gradient that missed a factor (the 255 * 0.017 of preprocessing) would be off by O(1).
    const first = Array.from(logits.subarray(0, 1000));
    const { errors, largest } = await gradientErrors(c, canonical.slice(0, c.exampleSize), first.indexOf(Math.max(...first)), first.indexOf(Math.min(...first)));
    t.diagnostic(`input gradient at the 6 largest pixels vs central differences, errors relative to the largest |gradient| ${largest.toExponential(2)}: ${errors.map((e) => e.toExponential(1)).join(' ')}`);
    assert.ok(errors[4]! < 0.03, `gradient errors ${errors}`);
  } finally {
    await c.dispose();
  }

  // The same weights named as another DenseNet, or with no architecture: errors naming what is missing.
  writeFileSync(join(dir, 'tf-densenet121.ckpt.manifest.json'), JSON.stringify({ ...manifest, architecture: 'densenet169' }));
  await assert.rejects(loadModel(index), (e: unknown) => e instanceof UserError && /tf-densenet121\.ckpt\.index: the checkpoint has no variable 'densenet169\/logits\/weights'/.test(e.message));
  writeFileSync(join(dir, 'tf-densenet121.ckpt.manifest.json'), JSON.stringify({ ...manifest, architecture: undefined }));
  await assert.rejects(loadModel(index), (e: unknown) => e instanceof UserError && /holds weights without the network; name it with the manifest field "architecture" in .*tf-densenet121\.ckpt\.manifest\.json/.test(e.message));
  writeFileSync(join(dir, 'tf-densenet121.ckpt.manifest.json'), JSON.stringify({ ...manifest, architecture: 'resnet50' }));
  await assert.rejects(loadModel(index), (e: unknown) => e instanceof UserError && /manifest field 'architecture'/.test(e.message));
});

test('a DenseNet release archive (.tar.gz behind a link without its name) pulls as a paper entry: index and shard extracted, loaded, equal to TF.js', async (t) => {
  const { canonical, nhwc } = images(1, 'release');
  const ref = denseNetReference(SLIM_DENSENETS.densenet121, 1000, nhwc, [1, SIZE, SIZE, 3], 'release');
  // The archive as pudae published it: index, one data shard and the meta graph, under './'.
  const src = join(scratch, 'release');
  writeCheckpoint(join(src, 'tf-densenet121.ckpt'), ref.variables);
  writeFileSync(join(src, 'tf-densenet121.ckpt.meta'), Buffer.alloc(100, 3));
  const archive = join(scratch, 'tf-densenet121.tar.gz');
  const members = ['index', 'data-00000-of-00001', 'meta'].map((ext) => `./tf-densenet121.ckpt.${ext}`);
  await tar.c({ gzip: true, file: archive, cwd: src, portable: true }, members);
  const bytes = readFileSync(archive);
  const entry: PaperModel = {
    name: 'densenet121', family: 'densenet', file: 'densenet121.ckpt.index', inputSize: SIZE, classes: 1000,
    preprocess: { scale: 255, mean: MEAN, std: [1 / 0.017] }, outputs: 'logits',
    url: 'https://drive.invalid/download?id=abc&export=download', archive: 'tf-densenet121.tar.gz', sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length, source: 'test', member: 'tf-densenet121.ckpt.index', architecture: 'densenet121', tfOutput: undefined, format: 'ckpt',
    study: { inputSize: SIZE, classes: 1000, preprocess: { scale: 255, mean: MEAN, std: [1 / 0.017] } }, note: 'a test release',
  };
  const { url, server } = await serveFiles({ '/tf-densenet121.tar.gz': bytes, [`/${PAPER_LABELS.file}`]: readFileSync(fixture('labels', 'imagenet-synset.txt')) });
  const dir = join(scratch, 'cache');
  try {
    const r = await pullPaperModel('densenet121', { table: [entry], dir, mirror: url });
    assert.equal(r.url, `${url}/tf-densenet121.tar.gz`);
    assert.equal(r.archive, join(dir, 'tf-densenet121.tar.gz'));
    assert.deepEqual(readdirSync(dir).sort(), ['densenet121.ckpt.data-00000-of-00001', 'densenet121.ckpt.index', 'densenet121.ckpt.manifest.json', 'imagenet-synsets.txt', 'tf-densenet121.tar.gz']);
    assert.equal(JSON.parse(readFileSync(r.manifest, 'utf8')).architecture, 'densenet121');
  } finally {
    server.close();
  }
  const c = await loadModel(join(dir, 'densenet121.ckpt.index'));
  try {
    assert.equal(c.labels[0], 'tench');
    const rel = relativeDiff(await c.logits(canonical, 1), ref.logits);
    t.diagnostic(`pulled densenet121: logits max |diff| relative to the largest ${rel.toExponential(2)}`);
    assert.ok(rel < 1e-4, `relative diff ${rel}`);
  } finally {
    await c.dispose();
  }
});
