import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullFile } from '../../src/models/pull.js';
import { UserError } from '../../src/errors.js';
import { fixture } from '../helpers/fixtures.js';
import { cli } from '../helpers/cli.js';

const MODEL = readFileSync(fixture('models', 'mnist-8-onnx', 'model.onnx'));
const SHA = createHash('sha256').update(MODEL).digest('hex');

/** A loopback server: /model.onnx serves the bytes, /stall sends half and then nothing, others 404. */
async function serve(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/model.onnx') { res.setHeader('content-length', MODEL.length); res.end(MODEL); return; }
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
