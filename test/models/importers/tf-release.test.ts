/**
 * A TensorFlow release end to end: a slim-style frozen graph packed in a .tgz as TensorFlow publishes them,
 * pulled from a loopback server as a paper-table entry, loaded with its manifest, and checked against
 * TF.js's execution of the same graph and against finite differences of its own logits.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { loadModel } from '../../../src/models/load-model.js';
import { TfType } from '../../../src/models/importers/tf-graphdef-schema.js';
import { extractMember } from '../../../src/models/pull.js';
import { PAPER_LABELS, paperManifest, pullPaperModel, type PaperModel } from '../../../src/models/catalog/paper-models.js';
import { exampleRng } from '../../../src/core/rng.js';
import { UserError } from '../../../src/core/errors.js';
import { fixture } from '../../helpers/fixtures.js';
import { runTfjs, TfGraph, type Attr } from '../../helpers/tf-graph.js';
import { cli } from '../../helpers/cli.js';
import { gradientErrors } from '../../helpers/gradient-check.js';
import { serveFiles } from '../../helpers/serve-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'robustscope-tfrel-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SIZE = 16;
const CLASSES = 1001;
const SAME: Record<string, Attr> = { padding: { s: 'SAME' } };
const stride = (s: number): Record<string, Attr> => ({ strides: { ints: [1, s, s, 1] } });

/**
 * A MobileNet-v1-shaped TF-slim graph as freeze_graph writes it: a batch-1 input, FusedBatchNorm + Relu6
 * after each convolution, a depthwise block, a whole-map AvgPool, a 1x1 logits conv, SpatialSqueeze,
 * Softmax and the final Reshape to the logits' shape, plus an auxiliary head nothing reads.
 */
function slimNet(): TfGraph {
  const rng = exampleRng(11, 'slim-net', 'weights');
  const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => rng.normal() * scale);
  const g = new TfGraph();
  const bn = (x: string, name: string, c: number) => g.op('FusedBatchNorm', `${name}/BatchNorm/FusedBatchNorm`, [
    x, g.constant(`${name}/gamma`, [c], rand(c, 0.2).map((v) => 1 + v)), g.constant(`${name}/beta`, [c], rand(c, 0.1)),
    g.constant(`${name}/moving_mean`, [c], rand(c, 0.1)), g.constant(`${name}/moving_variance`, [c], rand(c, 0.1).map((v) => 1 + Math.abs(v))),
  ], { epsilon: { f: 0.001 }, is_training: { b: false } });
  let x = g.placeholder('input', [1, SIZE, SIZE, 3]);
  x = g.op('Relu6', 'Conv2d_0/Relu6', [bn(g.op('Conv2D', 'Conv2d_0/Conv2D', [x, g.constant('Conv2d_0/weights', [3, 3, 3, 8], rand(216, 0.3))], { ...SAME, ...stride(2) }), 'Conv2d_0', 8)]);
  x = g.op('Relu6', 'Conv2d_1_depthwise/Relu6', [bn(g.op('DepthwiseConv2dNative', 'Conv2d_1_depthwise/depthwise', [x, g.constant('Conv2d_1_depthwise/depthwise_weights', [3, 3, 8, 1], rand(72, 0.3))], { ...SAME, ...stride(1) }), 'Conv2d_1_depthwise', 8)]);
  x = g.op('Relu6', 'Conv2d_1_pointwise/Relu6', [bn(g.op('Conv2D', 'Conv2d_1_pointwise/Conv2D', [x, g.constant('Conv2d_1_pointwise/weights', [1, 1, 8, 16], rand(128, 0.3))], { ...SAME, ...stride(1) }), 'Conv2d_1_pointwise', 16)]);
  g.op('Mean', 'Aux/Mean', [x, g.ints('Aux/axes', [1, 2])], { keep_dims: { b: false } });
  const pool = g.op('AvgPool', 'Logits/AvgPool_1a', [x], { padding: { s: 'VALID' }, ksize: { ints: [1, SIZE / 2, SIZE / 2, 1] }, ...stride(2) });
  const conv = g.op('Conv2D', 'Logits/Conv2d_1c_1x1/Conv2D', [pool, g.constant('Logits/Conv2d_1c_1x1/weights', [1, 1, 16, CLASSES], rand(16 * CLASSES, 1))], { ...SAME, ...stride(1) });
  const logits = g.op('BiasAdd', 'Logits/Conv2d_1c_1x1/BiasAdd', [conv, g.constant('Logits/Conv2d_1c_1x1/biases', [CLASSES], rand(CLASSES, 0.1))]);
  const squeezed = g.op('Squeeze', 'Logits/SpatialSqueeze', [logits], { squeeze_dims: { ints: [1, 2] } });
  const flat = g.op('Reshape', 'Predictions/Reshape', [squeezed, g.ints('Predictions/Reshape/shape', [-1, CLASSES])]);
  const prob = g.op('Softmax', 'Predictions/Softmax', [flat]);
  g.op('Reshape', 'Predictions/Reshape_1', [prob, g.op('Shape', 'Predictions/Shape', [squeezed], { out_type: { type: TfType.INT32 } })]);
  return g;
}

/** The release archive: the frozen graph under './' beside files the pull must skip. */
async function releaseArchive(g: TfGraph): Promise<Buffer> {
  const src = join(scratch, 'release');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'slim_net_info.txt'), 'Model: slim_net\n');
  writeFileSync(join(src, 'slim_net.tflite'), Buffer.alloc(64, 7));
  writeFileSync(join(src, 'slim_net_frozen.pb'), g.graphDef());
  const file = join(scratch, 'slim_net_2018.tgz');
  await tar.c({ gzip: true, file, cwd: src, portable: true }, ['./slim_net_info.txt', './slim_net.tflite', './slim_net_frozen.pb']);
  return readFileSync(file);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('a TF-slim release (.tgz) pulls, imports and matches TF.js; its gradient matches finite differences', async (t) => {
  const g = slimNet();
  const archive = await releaseArchive(g);
  const entry: PaperModel = {
    name: 'slim_net', family: 'mobilenet', file: 'slim_net.pb', inputSize: SIZE, classes: CLASSES,
    preprocess: { scale: 2, mean: [1], std: [1] }, outputs: 'softmax',
    url: 'https://publisher.invalid/models/slim_net_2018.tgz', sha256: sha256(archive), bytes: archive.length,
    source: 'test', member: 'slim_net_frozen.pb', tfOutput: 'Predictions/Reshape_1', format: 'pb', archive: undefined, architecture: undefined,
    study: { inputSize: SIZE, classes: CLASSES, preprocess: { scale: 2, mean: [1], std: [1] } }, note: 'a test release',
  };
  const { url, server } = await serveFiles({ '/slim_net_2018.tgz': archive, [`/${PAPER_LABELS.file}`]: readFileSync(fixture('labels', 'imagenet-synset.txt')) });
  const dir = join(scratch, 'cache');
  try {
    const r = await pullPaperModel('slim_net', { table: [entry], dir, mirror: url });
    assert.equal(r.url, `${url}/slim_net_2018.tgz`);
    assert.equal(r.archive, join(dir, 'slim_net_2018.tgz'));
    assert.equal(r.sha256, entry.sha256);
    assert.deepEqual(readFileSync(r.path), Buffer.from(g.graphDef()));
    const manifest = JSON.parse(readFileSync(r.manifest, 'utf8'));
    assert.deepEqual(manifest, paperManifest(entry));
    assert.equal(manifest.member, 'slim_net_frozen.pb');
    assert.equal(manifest.tfOutput, 'Predictions/Reshape_1');
    // A second pull reuses the verified archive and extracts again.
    rmSync(r.path);
    const again = await pullPaperModel('slim_net', { table: [entry], dir, mirror: url });
    assert.equal(again.downloaded, false);
    assert.deepEqual(readFileSync(again.path), Buffer.from(g.graphDef()));
    await assert.rejects(pullPaperModel('slim_net', { table: [{ ...entry, member: 'other.pb' }], dir, mirror: url }),
      (e: unknown) => e instanceof UserError && /slim_net_2018\.tgz: has no member 'other\.pb' \(it holds .*slim_net_frozen\.pb/.test(e.message));
  } finally {
    server.close();
  }

  // Loaded with its manifest: 2x-1 in front, the Softmax removed, the background class dropped.
  const c = await loadModel(join(dir, 'slim_net.pb'));
  try {
    assert.deepEqual(c.inputShape, [3, SIZE, SIZE]);
    assert.equal(c.numClasses, 1000);
    assert.equal(c.labels[0], 'tench');
    const rng = exampleRng(3, 'slim-net', 'images');
    const n = 3;
    const x = Float32Array.from({ length: n * c.exampleSize }, () => rng.uniform());
    const ours = await c.logits(x, n);
    // TF.js on the raw graph: NHWC, 2x-1, probabilities over 1001 classes, one example at a time (batch 1).
    const model = await g.tfjs();
    let worst = 0;
    for (let e = 0; e < n; e++) {
      const nhwc = new Float32Array(SIZE * SIZE * 3);
      for (let ch = 0; ch < 3; ch++) for (let p = 0; p < SIZE * SIZE; p++) nhwc[p * 3 + ch] = 2 * x[e * c.exampleSize + ch * SIZE * SIZE + p]! - 1;
      const prob = await runTfjs(model, 'input', 'Predictions/Reshape_1', nhwc, [1, SIZE, SIZE, 3]);
      // Logits equal log-probabilities up to one constant per example.
      const shift = Array.from({ length: 1000 }, (_, k) => ours[e * 1000 + k]! - Math.log(prob[k + 1]!));
      worst = Math.max(worst, Math.max(...shift) - Math.min(...shift));
    }
    t.diagnostic(`logits vs TF.js log-probabilities: spread of the per-example shift ${worst.toExponential(2)}`);
    assert.ok(worst < 2e-4, `shift spread ${worst}`);

    // Input gradient of Z_i - Z_j against central differences; one of the six may cross a Relu6 kink.
    const x0 = x.slice(0, c.exampleSize);
    const top = Array.from(ours.subarray(0, 1000));
    const { errors, largest } = await gradientErrors(c, x0, top.indexOf(Math.max(...top)), 7);
    t.diagnostic(`input gradient at the 6 largest pixels vs central differences, errors relative to the largest |gradient| ${largest.toExponential(2)}: ${errors.map((e) => e.toExponential(1)).join(' ')}`);
    assert.ok(errors[4]! < 0.01, `gradient errors ${errors}`);
  } finally {
    await c.dispose();
  }
});

test('robustscope models pull URL --member extracts a frozen graph that models inspect then reads', async () => {
  const archive = await releaseArchive(slimNet());
  const { url, server } = await serveFiles({ '/slim_net_2018.tgz': archive });
  try {
    const dir = mkdtempSync(join(scratch, 'cli-'));
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['dist/src/cli/main.js', 'models', 'pull', `${url}/slim_net_2018.tgz`, '--member', './slim_net_frozen.pb', '--sha256', sha256(archive), '--json'], {
      env: { ...process.env, ROBUSTSCOPE_CACHE: dir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, stderr);
    const r = JSON.parse(stdout);
    assert.equal(r.path, join(dir, 'slim_net_frozen.pb'));
    assert.equal(r.archive, join(dir, 'slim_net_2018.tgz'));
    // Several unread nodes (the auxiliary head): the error names them and the manifest field that picks one.
    const bare = cli(['models', 'inspect', r.path, '--json']);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /2 nodes are unread \(Aux\/Mean, Predictions\/Reshape_1\); name one with the manifest field "tfOutput"/);
    writeFileSync(join(dir, 'slim_net_frozen.manifest.json'), JSON.stringify({ tfOutput: 'Predictions/Reshape_1', labelOffset: 1 }));
    const inspect = cli(['models', 'inspect', r.path, '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const s = JSON.parse(inspect.stdout);
    assert.equal(s.numClasses, 1000);
    assert.deepEqual(s.canonicalInput, [3, SIZE, SIZE]);
  } finally {
    server.close();
  }
});

test('extractMember refuses a damaged archive with a message naming it', async () => {
  const archive = await releaseArchive(slimNet());
  const bad = join(scratch, 'bad.tgz');
  writeFileSync(bad, archive.subarray(0, Math.floor(archive.length / 2)));
  await assert.rejects(extractMember(bad, 'slim_net_frozen.pb', join(scratch, 'out.pb')), (e: unknown) => e instanceof UserError && /bad\.tgz: cannot extract 'slim_net_frozen\.pb'/.test(e.message));
  assert.equal(existsSync(join(scratch, 'out.pb')), false);
});
