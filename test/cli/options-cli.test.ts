import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { cli } from '../helpers/cli.js';

/** A bad numeric option is refused before any work: exit 2, one line naming the option, and fast. */
function assertRefused(args: string[], option: RegExp): void {
  const started = Date.now();
  const r = cli(args, 20_000);
  assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
  assert.ok(Date.now() - started < 10_000, `${args.join(' ')} took ${Date.now() - started} ms`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^robustscope: /);
  assert.match(lines[0]!, option);
}

test('--batch 0 is refused by every command that takes a batch (it used to loop forever)', () => {
  assertRefused(['models', 'eval', 'zoo:linear', '--data', 'synthetic', '--batch', '0'], /--batch/);
  assertRefused(['attack', 'zoo:linear', '--data', 'synthetic', '--attack', 'fgsm', '--batch', '0'], /--batch/);
  assertRefused(['transfer', '--models', 'zoo:linear,zoo:mlp-1', '--data', 'synthetic', '--attack', 'fgsm', '--batch', '0'], /--batch/);
  assertRefused(['clever', 'zoo:linear', '--data', 'synthetic', '--batch', '0'], /--batch/);
  assertRefused(['zoo', 'train', '--model', 'linear', '--batch', '0'], /--batch/);
});

test('sizes that must be positive: --nb, --ns, --jobs, --threads, --epochs, --top', () => {
  assertRefused(['clever', 'zoo:linear', '--data', 'synthetic', '--nb', '0'], /--nb/);
  assertRefused(['clever', 'zoo:linear', '--data', 'synthetic', '--ns', '0'], /--ns/);
  assertRefused(['study', 'run', '--preset', 'mini', '--jobs', '0'], /--jobs/);
  assertRefused(['models', 'inspect', 'zoo:linear', '--threads', '0'], /--threads/);
  assertRefused(['zoo', 'train', '--epochs', '0'], /--epochs/);
  assertRefused(['models', 'predict', 'zoo:linear', 'x.png', '--top', '0'], /--top/);
});

test("--limit '' is not taken as 0, and --limit -1 or 1e3 gives one line, not the whole usage", () => {
  assertRefused(['models', 'eval', 'zoo:linear', '--data', 'synthetic', '--limit', ''], /--limit.*''/);
  assertRefused(['models', 'eval', 'zoo:linear', '--data', 'synthetic', '--limit', '-1'], /--limit.*-1/);
  assertRefused(['attack', 'zoo:linear', '--data', 'synthetic', '--attack', 'fgsm', '--limit', '1e3'], /--limit.*1e3/);
  assertRefused(['attack', 'zoo:linear', '--data', 'synthetic', '--attack', 'fgsm', '--seed', '1.5'], /--seed/);
});

test('a reader that closes the pipe early (robustscope ... | head) ends the command quietly, not with an EPIPE trace', () => {
  // `true` exits without reading, so the help text meets a closed pipe.
  const main = resolve('dist/src/cli/main.js');
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${main}" attack --help | true; echo "exit \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8', timeout: 20_000 });
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/, r.stderr);
  assert.match(r.stderr, /^exit 0$/m);
});
