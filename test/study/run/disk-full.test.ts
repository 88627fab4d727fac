import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { extractMember } from '../../../src/models/pull.js';
import { UserError } from '../../../src/core/errors.js';
import { cli } from '../../helpers/cli.js';
import { storeSnapshot, tempDir, tinyConfig, tinyModels } from '../helpers.js';

/**
 * Fault injection for a full disk: a small tmpfs mounted for the test (needs root, as CI runs; skipped
 * where mounting is not allowed). Each test gets its own mount and resizes it to run out of space.
 */
function withTmpfs(t: TestContext, kb: number): ((kb: number) => void) | undefined {
  const dir = tempDir('rs-tmpfs-');
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) {
    t.skip(`cannot mount a tmpfs here (${(mount.stderr || mount.error?.message || '').trim()})`);
    return undefined;
  }
  t.after(() => spawnSync('umount', ['-l', dir]));
  const resize = (size: number) => {
    const r = spawnSync('mount', ['-o', `remount,size=${size}k`, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  Object.assign(resize, { dir });
  return resize;
}
const mountDir = (resize: (kb: number) => void) => (resize as unknown as { dir: string }).dir;

/** Fills the file system at `dir` to the last byte. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(4096);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(dir, `filler-${i}`), chunk);
    } catch {
      return;
    }
  }
}

function quickConfig(dir: string): string {
  const config = tinyConfig(tinyModels(dir, ['linear', 'mlp-1']), { dataset: { name: 'synthetic', count: 16, heldOut: 16 }, attacks: [{ attack: 'fgsm', set: { eps: [0.05, 0.1] } }], clever: undefined, transfer: { attacks: ['fgsm'] } });
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

test('disk full during a study: one line naming the store and the cause, exit 2; after freeing space the run resumes to the same store', async (t) => {
  const resize = withTmpfs(t, 256); // room for the empty store (format 3: nine tables and their keys) and a few units, not the whole study
  if (!resize) return;
  const dir = tempDir();
  const config = quickConfig(dir);
  const reference = join(dir, 'reference');
  assert.equal(cli(['study', 'run', '--config', config, '--out', reference]).code, 0);

  const out = join(mountDir(resize), 'study');
  const full = cli(['study', 'run', '--config', config, '--out', out]);
  assert.equal(full.code, 2, full.stderr);
  const lines = full.stderr.trim().split('\n');
  assert.equal(lines.length, 1, full.stderr);
  assert.match(lines[0]!, /^robustscope: .*study(\.sqlite|[/]progress\.json)?.*: .*(disk is full|no space left on the device)/);

  resize(16384);
  const resumed = cli(['study', 'run', '--config', config, '--out', out, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(JSON.parse(resumed.stdout).skipped > 0, 'units stored before the disk filled are kept');
  assert.deepEqual(await storeSnapshot(out), await storeSnapshot(reference));
});

test('the report is written atomically: a full disk leaves the previous report.html whole, and says so in one line', (t) => {
  const resize = withTmpfs(t, 16384);
  if (!resize) return;
  const dir = tempDir();
  const out = join(mountDir(resize), 'study');
  assert.equal(cli(['study', 'run', '--config', quickConfig(dir), '--out', out]).code, 0);
  const before = readFileSync(join(out, 'report.html'), 'utf8');
  // Room for the folder's lock and the store's journal, not for a report.
  fill(mountDir(resize));
  for (const f of readdirSync(mountDir(resize)).filter((f) => f.startsWith('filler-')).slice(0, 32)) rmSync(join(mountDir(resize), f));
  const r = cli(['study', 'report', '--out', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^robustscope: .*: cannot write \(no space left on the device\)/);
  assert.equal(readFileSync(join(out, 'report.html'), 'utf8'), before);
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
});

test('disk full while extracting an archive member: the cause is named and no .partial file is left', async (t) => {
  const resize = withTmpfs(t, 64);
  if (!resize) return;
  const dir = tempDir();
  mkdirSync(join(dir, 'pkg'));
  writeFileSync(join(dir, 'pkg', 'model.onnx'), createHash('sha256').update('x').digest().toString('hex').repeat(8192));
  const archive = join(dir, 'pkg.tar.gz');
  await tar.c({ gzip: true, file: archive, cwd: dir }, ['pkg']);
  const dest = join(mountDir(resize), 'model.onnx');
  await assert.rejects(extractMember(archive, 'pkg/model.onnx', dest), (e: unknown) => e instanceof UserError && /no space left on the device/.test(e.message));
  assert.deepEqual(readdirSync(mountDir(resize)), []);
  assert.equal(existsSync(dest), false);
});

test('an --out or --save that cannot be written fails at once in one line, before any work', () => {
  const dir = tempDir();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  const study = cli(['study', 'run', '--config', quickConfig(dir), '--out', join(file, 'study')]);
  assert.equal(study.code, 2, study.stderr);
  assert.match(study.stderr, /^robustscope: .*a-file\/study: cannot write \(a part of the path is a file, not a folder\)\n$/);
  const attack = cli(['attack', 'zoo:linear', '--data', 'synthetic', '--attack', 'fgsm', '--limit', '2', '--save', join(file, 'adv')]);
  assert.equal(attack.code, 2, attack.stderr);
  assert.match(attack.stderr, /^robustscope: .*a-file\/adv: cannot write \(a part of the path is a file, not a folder\)\n$/);
});
