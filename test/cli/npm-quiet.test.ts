import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });

test("npx robustscope prints no npm warning (no unknown project config such as 'onnxruntime-node-install')", () => {
  const r = run('npx', ['robustscope', '--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), JSON.parse(readFileSync('package.json', 'utf8')).version);
});

test("onnxruntime-node's install script (the CUDA download) is denied, and every dependency's script is reviewed", (t) => {
  const allow = JSON.parse(readFileSync('package.json', 'utf8')).allowScripts as Record<string, boolean> | undefined;
  assert.equal(allow?.['onnxruntime-node'], false);
  const npm = Number(run('npm', ['--version']).stdout.split('.')[0]);
  if (npm < 11) return t.skip(`npm ${npm} has no install-scripts command`);
  // npm 11 lists dependencies whose install scripts allowScripts does not cover, and warns about them on install.
  const ls = run('npm', ['install-scripts', 'ls']);
  assert.equal(ls.status, 0, ls.stderr);
  assert.equal(ls.stderr, '');
  assert.match(ls.stdout, /No packages with unreviewed install scripts/);
});
