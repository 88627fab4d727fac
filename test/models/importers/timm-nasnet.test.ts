import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { UserError } from '../../../src/core/errors.js';
import { loadModel } from '../../../src/models/load-model.js';
import { SafeTensors } from '../../../src/models/importers/safetensors.js';
import type { NamedWeights } from '../../../src/models/importers/tf-graph-writer.js';
import { importTimmNasnet, timmNasnetNodes, TIMM_NASNETS, type TimmNasnet } from '../../../src/models/importers/timm-nasnet.js';
import { encodeModel } from '../../../src/onnx/codec.js';
import { PAPER_LABELS, PAPER_MODELS, pullPaperModel, type PaperModel } from '../../../src/models/catalog/paper-models.js';
import { exampleRng } from '../../../src/core/rng.js';
import { fixture } from '../../helpers/fixtures.js';
import { gradientErrors } from '../../helpers/gradient-check.js';
import { nhwcToNchw, preprocessedImages, relativeDiff } from '../../helpers/nhwc.js';
import { writeSafetensors, type StTensor } from '../../helpers/safetensors.js';
import { serveFiles } from '../../helpers/serve-files.js';
import { NASNET_A_LARGE, timmNasnetParameterShapes, timmNasnetReference, type NasnetTensor } from '../../helpers/timm-nasnet.js';

const scratch = mkdtempSync(join(tmpdir(), 'robustscope-nasnet-'));
after(() => rmSync(scratch, { recursive: true, force: true }));


/** A timm state_dict as saved: the variables plus every batch norm's int64 num_batches_tracked, which inference never reads. */
function stateDict(variables: NasnetTensor[]): StTensor[] {
  const counters = variables.filter((v) => v.name.endsWith('.running_mean'))
    .map((v) => ({ name: v.name.replace(/running_mean$/, 'num_batches_tracked'), dims: [], data: BigInt64Array.of(12345n) }));
  return [...variables, ...counters];
}

test('a small NASNet-A from timm-style safetensors matches timm\'s nasnet.py run in TF.js (odd and even sizes: SAME pads, zero-counting stride-2 average pools, shifted paths)', async (t) => {
  const small = { stemSize: 8, numFeatures: 96 };
  const net: TimmNasnet = { ...small, inputSize: 37 };
  for (const size of [37, 40]) {
    const dims: [number, number, number, number] = [2, size, size, 3];
    const rng = exampleRng(9, `nasnet-${size}`, 'input');
    const input = Float32Array.from({ length: dims.reduce((a, b) => a * b) }, () => rng.normal());
    const ref = timmNasnetReference(small, 7, input, dims, 'small');
    const file = join(scratch, `small-${size}.safetensors`);
    writeSafetensors(file, stateDict(ref.variables), { format: 'pt' });
    const model = importTimmNasnet(SafeTensors.read(file), net, [size, size]);
    assert.deepEqual(model.graph.outputs[0]!.shape, ['N', 7]);
    const session = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
    const out = await session.run({ Placeholder: new ort.Tensor('float32', nhwcToNchw(input, dims), [2, 3, size, size]) });
    await session.release();
    const rel = relativeDiff(out[model.graph.outputs[0]!.name]!.data as Float32Array, ref.logits);
    t.diagnostic(`${size}x${size}: ${ref.variables.length} variables; logits max |diff| relative to the largest ${rel.toExponential(2)}`);
    assert.ok(rel < 1e-5, `${size}: relative diff ${rel}`);
  }
});

test('the full nasnetalarge reads exactly the tensors of timm\'s state_dict: 88,753,150 parameters under their PyTorch names and shapes', () => {
  const read = new Map<string, number[]>();
  const recorder: NamedWeights = {
    source: 'recorder', sha256: '',
    dims: (name) => name === 'last_linear.weight' ? [1000, 4032] : undefined,
    float: (name, dims) => { read.set(name, dims); return new Float32Array(dims.reduce((a, b) => a * b, 1)); },
  };
  timmNasnetNodes(recorder, TIMM_NASNETS.nasnetalarge, [331, 331]);
  const expected = timmNasnetParameterShapes(NASNET_A_LARGE, 1000);
  assert.equal(read.size, expected.length);
  for (const { name, dims } of expected) assert.deepEqual(read.get(name), dims, name);
  const parameters = [...read].filter(([name]) => !/running_(mean|var)$/.test(name)).reduce((n, [, dims]) => n + dims.reduce((a, b) => a * b, 1), 0);
  // timm's model card: "Params (M): 88.8".
  assert.equal(parameters, 88_753_150);
});

const SIZE = 40;

/** Canonical images and what timm's transform makes of them: (x - 0.5) / 0.5, NHWC. */
const images = (n: number, seed: string) => preprocessedImages(n, SIZE, seed, (v) => 2 * v - 1);

test('nasnet_large pulls as a paper entry (a Hub file through a mirror) and loads with its manifest: preprocessing in front, logits as TF.js computes them', async (t) => {
  const n = 2;
  const { canonical, nhwc } = images(n, 'nasnetalarge');
  const ref = timmNasnetReference(NASNET_A_LARGE, 1000, nhwc, [n, SIZE, SIZE, 3], 'nasnetalarge');
  const release = join(scratch, 'model.safetensors');
  writeSafetensors(release, stateDict(ref.variables), { format: 'pt' });
  const bytes = readFileSync(release);
  const paper = PAPER_MODELS.find((m) => m.name === 'nasnet_large')!;
  const entry: PaperModel = { ...paper, sha256: createHash('sha256').update(bytes).digest('hex') };
  const { url, server } = await serveFiles({ '/nasnet_large.safetensors': bytes, [`/${PAPER_LABELS.file}`]: readFileSync(fixture('labels', 'imagenet-synset.txt')) });
  const dir = join(scratch, 'cache');
  try {
    const r = await pullPaperModel('nasnet_large', { table: [entry], dir, mirror: url });
    assert.equal(r.url, `${url}/nasnet_large.safetensors`);
    assert.deepEqual(readdirSync(dir).sort(), ['imagenet-synsets.txt', 'nasnet_large.manifest.json', 'nasnet_large.safetensors']);
    const manifest = JSON.parse(readFileSync(r.manifest, 'utf8'));
    assert.equal(manifest.architecture, 'nasnetalarge');
    assert.deepEqual([manifest.inputSize, manifest.labelOffset, manifest.outputs], [[331, 331], 0, 'logits']);
  } finally {
    server.close();
  }

  const path = join(dir, 'nasnet_large.safetensors');
  // The network takes any size; a small one keeps the reference fast.
  const c = await loadModel(path, { manifest: { inputSize: [SIZE, SIZE] } });
  try {
    assert.deepEqual(c.inputShape, [3, SIZE, SIZE]);
    assert.equal(c.numClasses, 1000);
    assert.equal(c.labels[0], 'tench');
    const logits = await c.logits(canonical, n);
    const rel = relativeDiff(logits, ref.logits);
    t.diagnostic(`nasnetalarge at ${SIZE}x${SIZE}: ${ref.variables.length} variables, logits max |diff| relative to the largest ${rel.toExponential(2)}`);
    assert.ok(rel < 1e-4, `relative diff ${rel}`);
    // The input gradient through the 2x-1 preprocessing and the cells against central differences; a missing
    // factor (the 2 of preprocessing) would be off by O(1). Float32 rounding through 20 cells (small steps)
    // and ReLU kinks (large ones) bound the agreement to a few percent; a step of 3e-3 balances the two.
    const first = Array.from(logits.subarray(0, 1000));
    const { errors, largest } = await gradientErrors(c, canonical.slice(0, c.exampleSize), first.indexOf(Math.max(...first)), first.indexOf(Math.min(...first)), 6, 3e-3);
    t.diagnostic(`input gradient at the 6 largest pixels vs central differences, errors relative to the largest |gradient| ${largest.toExponential(2)}: ${errors.map((e) => e.toExponential(1)).join(' ')}`);
    assert.ok(errors[4]! < 0.03, `gradient errors ${errors}`);
  } finally {
    await c.dispose();
  }

  // The manifest must name the network, and one that is built from these weights.
  const sidecar = join(dir, 'nasnet_large.manifest.json');
  const manifest = JSON.parse(readFileSync(sidecar, 'utf8'));
  writeFileSync(sidecar, JSON.stringify({ ...manifest, architecture: undefined }));
  await assert.rejects(loadModel(path), (e: unknown) => e instanceof UserError && /nasnet_large\.safetensors: a safetensors file holds weights without the network; name it with the manifest field "architecture" in .*nasnet_large\.manifest\.json \(nasnetalarge\)/.test(e.message));
  writeFileSync(sidecar, JSON.stringify({ ...manifest, architecture: 'densenet121' }));
  await assert.rejects(loadModel(path), (e: unknown) => e instanceof UserError && /nasnet_large\.manifest\.json: manifest field 'architecture': 'densenet121' is not built from a safetensors file; expected nasnetalarge/.test(e.message));
});

test('weights of another network fail on the tensor they lack or the shape that differs, naming the file', () => {
  const small = timmNasnetReference({ stemSize: 8, numFeatures: 96 }, 7, new Float32Array(33 * 33 * 3), [1, 33, 33, 3], 'other');
  const file = join(scratch, 'small.safetensors');
  writeSafetensors(file, small.variables);
  // NASNet-A Large's classifier reads 4032 features; these weights have 96.
  assert.throws(() => importTimmNasnet(SafeTensors.read(file), TIMM_NASNETS.nasnetalarge),
    (e: unknown) => e instanceof UserError && /small\.safetensors: expected a tensor 'last_linear\.weight' of shape \[classes, 4032\]/.test(e.message));
  // The right classifier over a different stem: the first convolution's shape is named.
  assert.throws(() => importTimmNasnet(SafeTensors.read(file), { stemSize: 16, numFeatures: 96, inputSize: 33 }),
    (e: unknown) => e instanceof UserError && /small\.safetensors: .*'conv0\.conv\.weight'.*\[8,3,3,3\].*\[16,3,3,3\]/.test(e.message));
  writeSafetensors(file, small.variables.filter((v) => v.name !== 'cell_7.comb_iter_4_left.bn_sep_2.running_var'));
  assert.throws(() => importTimmNasnet(SafeTensors.read(file), { stemSize: 8, numFeatures: 96, inputSize: 33 }),
    (e: unknown) => e instanceof UserError && /small\.safetensors: the file has no tensor 'cell_7\.comb_iter_4_left\.bn_sep_2\.running_var'/.test(e.message));
});
