import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullFile, pullModel } from '../../src/models/pull.js';
import { PAPER_LABELS, PAPER_MODELS, paperManifest, pullPaperModel, type PaperModel } from '../../src/models/catalog/paper-models.js';
import { readLabelList } from '../../src/data/labels.js';
import { UserError } from '../../src/core/errors.js';
import { fixture } from '../helpers/fixtures.js';
import { cli } from '../helpers/cli.js';

const MODEL = readFileSync(fixture('models', 'mnist-8-onnx', 'model.onnx'));
const SHA = createHash('sha256').update(MODEL).digest('hex');
const LABELS = readFileSync(fixture('labels', 'imagenet-synset.txt'));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A loopback server: /model.onnx and /fake_net.onnx serve the bytes, /vgg_19.onnx serves other bytes (a
 * corrupt mirror copy), /imagenet-synsets.txt the class list, /page an HTML page (what Google Drive sends instead
 * of a file it will not serve), /stall sends half and then nothing, others 404.
 */
async function serve(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/model.onnx' || req.url === '/fake_net.onnx') { res.setHeader('content-length', MODEL.length); res.end(MODEL); return; }
    if (req.url === '/vgg_19.onnx') { res.end(MODEL.subarray(0, 5000)); return; }
    if (req.url === '/imagenet-synsets.txt') { res.end(LABELS); return; }
    if (req.url === '/page') { res.setHeader('content-type', 'text/html; charset=utf-8'); res.end('<html>Google Drive can\'t scan this file for viruses.</html>'); return; }
    if (req.url === '/stall') { res.setHeader('content-length', MODEL.length); res.write(MODEL.subarray(0, 1000)); return; }
    res.statusCode = 404; res.end('missing');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}`, server };
}

test('pull downloads, verifies sha256 and skips a file already present', async () => {
  const { url, server } = await serve();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'rs-pull-'));
    const dest = join(dir, 'sub', 'mnist.onnx');
    const first = await pullFile(`${url}/model.onnx`, dest, { sha256: SHA });
    assert.equal(first.downloaded, true);
    assert.equal(first.sha256, SHA);
    assert.deepEqual(readFileSync(dest), MODEL);
    const again = await pullFile(`${url}/model.onnx`, dest, { sha256: SHA });
    assert.equal(again.downloaded, false);
  } finally {
    server.close();
  }
});

test('a sha256 mismatch, an HTTP error and a stalled server leave no file behind', async () => {
  const { url, server } = await serve();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'rs-pull-'));
    const dest = join(dir, 'm.onnx');
    await assert.rejects(pullFile(`${url}/model.onnx`, dest, { sha256: '0'.repeat(64) }), (e: unknown) => e instanceof UserError && /sha256 mismatch/.test(e.message));
    await assert.rejects(pullFile(`${url}/page`, dest, { sha256: SHA }), (e: unknown) => e instanceof UserError && /\/page: sha256 mismatch .*discarded\. The server sent a web page \(text\/html\), not the file/.test(e.message));
    await assert.rejects(pullFile(`${url}/model.onnx`, dest, { sha256: '0'.repeat(64) }), (e: unknown) => e instanceof UserError && !/web page/.test(e.message));
    await assert.rejects(pullFile(`${url}/nothing.onnx`, dest), /HTTP 404/);
    await assert.rejects(pullFile(`${url}/stall`, dest, { idleTimeoutMs: 300 }), /stalled|download failed/);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(existsSync(dest), false);
  } finally {
    server.close();
  }
});

test('robustscope models pull saves a loadable model and reports it in JSON', async () => {
  const { url, server } = await serve();
  try {
    const dest = join(mkdtempSync(join(tmpdir(), 'rs-pull-')), 'mnist.onnx');
    // The CLI runs in a child process; the server must keep answering meanwhile, so spawn asynchronously.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['dist/src/cli/main.js', 'models', 'pull', `${url}/model.onnx`, '--sha256', SHA, '--out', dest, '--json']);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.equal(JSON.parse(out).sha256, SHA);
    const inspect = cli(['models', 'inspect', dest, '--json']);
    assert.equal(JSON.parse(inspect.stdout).numClasses, 10);
  } finally {
    server.close();
  }
});

/** Runs the CLI in a child process while the in-process server keeps answering. */
async function cliAsync(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, stdout, stderr };
}

/** A paper-table entry for the 10-class MNIST fixture, as a published model would be listed. */
const FAKE: PaperModel = {
  name: 'fake_net', family: 'fake', file: 'fake_net.onnx',
  inputSize: 28, classes: 1000, preprocess: { scale: 255, mean: [33], std: [78] }, outputs: 'logits',
  url: 'https://publisher.invalid/fake_net.onnx', sha256: SHA, bytes: MODEL.length, source: 'test', member: undefined, tfOutput: undefined, format: 'onnx', archive: undefined, architecture: undefined,
  study: { inputSize: 28, classes: 1000, preprocess: { scale: 255, mean: [33], std: [78] } },
  note: 'a test entry',
};

test('pullModel saves the file under its cache name, verifies it and writes the sidecar manifest', async () => {
  const { url, server } = await serve();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'rs-pull-'));
    const manifest = { name: 'fake', inputSize: [28, 28] as [number, number], preprocess: { scale: 255, mean: [33], std: [78] }, outputs: 'logits' as const, labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] };
    const r = await pullModel({ file: 'fake.onnx', url: `${url}/model.onnx`, sha256: SHA, manifest }, { dir, mirror: '' });
    assert.equal(r.path, join(dir, 'fake.onnx'));
    assert.equal(r.sha256, SHA);
    assert.deepEqual(readFileSync(r.path), MODEL);
    assert.equal(r.manifest, join(dir, 'fake.manifest.json'));
    assert.deepEqual(JSON.parse(readFileSync(r.manifest, 'utf8')), manifest);
    assert.deepEqual(readdirSync(dir).sort(), ['fake.manifest.json', 'fake.onnx']);
    // The loader picks the sidecar up: its input size, scale and labels apply.
    const inspect = cli(['models', 'inspect', r.path, '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const s = JSON.parse(inspect.stdout);
    assert.equal(s.numClasses, 10);
    assert.deepEqual(s.canonicalInput, [1, 28, 28]);
    // A bad manifest is refused before anything is fetched.
    await assert.rejects(pullModel({ file: 'bad.onnx', url: `${url}/model.onnx`, sha256: SHA, manifest: { outputs: 'odds' } as never }, { dir }), /manifest/);
    assert.equal(existsSync(join(dir, 'bad.onnx')), false);
  } finally {
    server.close();
  }
});

test('pullPaperModel pulls a table entry from a mirror under the preset\'s file name, with the paper manifest', async () => {
  const { url, server } = await serve();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'rs-pull-'));
    // The publisher URL is unreachable; the mirror serves <mirror>/<file>, checked against the entry's sha256.
    const r = await pullPaperModel('fake_net', { table: [FAKE], dir, mirror: `${url}/` });
    assert.equal(r.url, `${url}/fake_net.onnx`);
    assert.equal(r.path, join(dir, 'fake_net.onnx'));
    assert.equal(createHash('sha256').update(readFileSync(r.path)).digest('hex'), SHA);
    const manifest = JSON.parse(readFileSync(join(dir, 'fake_net.manifest.json'), 'utf8'));
    assert.deepEqual(manifest, paperManifest(FAKE));
    assert.equal(manifest.sha256, SHA);
    assert.equal(manifest.labelOffset, 0);
    // The class list the manifest names comes along, from the same mirror, checked against its sha256.
    assert.equal(r.labels.path, join(dir, PAPER_LABELS.file));
    assert.equal(manifest.labels, PAPER_LABELS.file);
    assert.equal(r.labels.downloaded, true);
    assert.equal(sha256(readFileSync(r.labels.path)), PAPER_LABELS.sha256);
    const again = await pullPaperModel('fake_net', { table: [FAKE], dir, mirror: `${url}/` });
    assert.equal(again.downloaded, false);
    assert.equal(again.labels.downloaded, false);
    await assert.rejects(pullPaperModel('fake_net', { table: [FAKE], dir, mirror: `${url}/`, labels: { ...PAPER_LABELS, file: 'other.txt' } }), /other\.txt: download failed \(HTTP 404/);
    await assert.rejects(pullPaperModel('fake_nett', { table: [FAKE], dir }), (e: unknown) => e instanceof UserError && /unknown paper model 'fake_nett'; known: fake_net/.test(e.message));
  } finally {
    server.close();
  }
});

test('the paper class list is the fixture copy of its pinned source: same sha256, 1000 sorted WordNet ids', async () => {
  assert.match(PAPER_LABELS.url, /^https:\/\/raw\.githubusercontent\.com\/onnx\/models\/b1eeaa1ac722dcc1cd1a8284bde34393dab61c3d\//);
  assert.equal(sha256(LABELS), PAPER_LABELS.sha256);
  const list = await readLabelList(fixture('labels', 'imagenet-synset.txt'));
  assert.equal(list.ids.length, 1000);
  assert.deepEqual(list.ids, [...list.ids].sort());
  assert.equal(list.names[0], 'tench');
});

test('robustscope models pull <name> resolves paper models: unknown names, a corrupt mirror', async () => {
  const unknown = cli(['models', 'pull', 'vgg_17']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown paper model 'vgg_17'; known: alexnet, vgg_16/);
  const withSha = cli(['models', 'pull', 'vgg_16', '--sha256', SHA]);
  assert.equal(withSha.code, 2);
  assert.match(withSha.stderr, /--sha256 and --member apply to URLs/);

  const { url, server } = await serve();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'rs-pull-'));
    // The mirror's vgg_19.onnx is not the published file: the pull fails on the table's sha256 and leaves nothing.
    const r = await cliAsync(['models', 'pull', 'vgg_19', '--json'], { ...process.env, ROBUSTSCOPE_CACHE: dir, ROBUSTSCOPE_MODEL_MIRROR: url });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${url}/vgg_19\\.onnx: sha256 mismatch \\(expected ${PAPER_MODELS.find((m) => m.name === 'vgg_19')!.sha256}`));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    server.close();
  }
});
