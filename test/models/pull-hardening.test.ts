import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pullFile } from '../../src/models/pull.js';
import { UserError } from '../../src/core/errors.js';
import { tempDir } from '../study/helpers.js';

/** /drip sends a byte every 50 ms forever; /endless sends 64 KiB chunks forever without a length; /big declares 1 MB; /loop redirects to itself. */
async function hostile(): Promise<{ url: string; server: Server }> {
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    if (req.url === '/drip' || req.url === '/endless') {
      const chunk = req.url === '/drip' ? Buffer.from('x') : Buffer.alloc(65536, 1);
      const t = setInterval(() => res.write(chunk), req.url === '/drip' ? 50 : 5);
      timers.add(t);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (req.url === '/big') { res.setHeader('content-length', 1_000_000); res.write(Buffer.alloc(1000)); return; }
    if (req.url === '/loop') { res.statusCode = 302; res.setHeader('location', '/loop'); res.end(); return; }
    if (req.url === '/small') { res.end(Buffer.from('tiny model bytes')); return; }
    res.statusCode = 404; res.end();
  });
  server.on('close', () => timers.forEach(clearInterval));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

/** The pull must end (with `pattern`) well within `ms`; a hang fails the test instead of blocking it. */
async function refusedWithin(pull: Promise<unknown>, pattern: RegExp, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms); });
  try {
    await assert.rejects(Promise.race([pull, hang]), (e: unknown) => e instanceof UserError && pattern.test(e.message));
  } finally {
    clearTimeout(timer);
  }
}

test('a server dripping a byte at a time is given up, and no .partial file is left', async () => {
  const { url, server } = await hostile();
  try {
    const dir = tempDir('rs-pull-');
    await refusedWithin(pullFile(`${url}/drip`, join(dir, 'm.onnx'), { idleTimeoutMs: 1000 }), /stalled: fewer than 1024 bytes in 1000 ms/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('an overall deadline and a size cap end an endless download; no .partial is left', async () => {
  const { url, server } = await hostile();
  try {
    const dir = tempDir('rs-pull-');
    await refusedWithin(pullFile(`${url}/endless`, join(dir, 'm.onnx'), { deadlineMs: 400 }), /deadline/);
    await refusedWithin(pullFile(`${url}/endless`, join(dir, 'm.onnx'), { maxBytes: 1_000_000 }), /more than the limit of 1000000 bytes/);
    await refusedWithin(pullFile(`${url}/big`, join(dir, 'm.onnx'), { maxBytes: 5000 }), /announces 1000000 bytes, more than the limit of 5000/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('refused connections, redirect loops and file:// URLs say what happened, not just "fetch failed"', async () => {
  const { url, server } = await hostile();
  const dir = tempDir('rs-pull-');
  try {
    await refusedWithin(pullFile(`${url}/loop`, join(dir, 'm.onnx')), /redirect loop/);
    await refusedWithin(pullFile('file:///etc/passwd', join(dir, 'm.onnx')), /only http:\/\/ and https:\/\/ URLs/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  // A port nothing listens on any more (a fresh one: no pooled connection to it).
  const closed = await hostile();
  await new Promise((r) => closed.server.close(r));
  await refusedWithin(pullFile(`${closed.url}/small`, join(dir, 'm.onnx')), /connection refused/);
  assert.equal(existsSync(join(dir, 'm.onnx')), false);
});

test('models pull without --sha256 warns that the file is kept unverified and prints its hash', async () => {
  const { url, server } = await hostile();
  try {
    const dest = join(tempDir('rs-pull-'), 'm.onnx');
    const child = spawn(process.execPath, ['dist/src/cli/main.js', 'models', 'pull', `${url}/small`, '--out', dest]);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^robustscope: warning: .*\/small: kept without verification \(no --sha256 given\); its sha256 is [0-9a-f]{64}/);
  } finally {
    server.close();
  }
});
