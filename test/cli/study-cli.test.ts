import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cli } from '../helpers/cli.js';
import { parseStudyConfig } from '../../src/study/config/config-schema.js';
import { studyPreset } from '../../src/study/config/presets/index.js';
import { tempDir, tinyConfig, tinyModels } from '../study/helpers.js';

const dir = tempDir('rs-study-cli-');
after(() => rmSync(dir, { recursive: true, force: true }));
const models = tinyModels(dir, ['linear']);

/** A config file error: exit 2, the message names the field, and no output folder was created. */
function assertRefused(config: unknown, message: RegExp): void {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const r = cli(['study', 'run', '--config', file, '--out', out]);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, message);
  assert.equal(existsSync(out), false, 'nothing is written');
}

test('a bad config fails before any work with exit code 2, naming the field, and writes nothing', () => {
  const good = tinyConfig(models, { transfer: undefined });
  assertRefused({ ...good, colour: 'red' }, /field 'colour': unknown field/);
  assertRefused({ ...good, dataset: { name: 'synthetic', count: 'many' } }, /field 'dataset\.count'/);
  assertRefused({ ...good, attacks: [{ attack: 'fgsmm' }] }, /field 'attacks\[0\]\.attack': unknown attack or preset 'fgsmm'/);
  assertRefused({ ...good, attacks: [{ attack: 'fgsm', set: { eps: 'big' } }] }, /field 'attacks\[0\]\.set'.*eps/);
  assertRefused({ ...good, models: ['zoo:no-such-net'] }, /field 'models\[0\]': unknown zoo model 'zoo:no-such-net'/);
  assertRefused({ ...good, models: [join(dir, 'missing.onnx')] }, /models\[0\] .*missing\.onnx/);
  assertRefused({ ...good, dataset: { name: join(dir, 'no-such-folder'), count: 4 } }, /field 'dataset\.name'/);
  assertRefused({ ...good, dataset: { name: 'synthetic:test', count: 1_000_000 } }, /field 'dataset\.count'/);
});

test('a YAML config is read as well, and its errors name the file', () => {
  const file = join(dir, 'study.yaml');
  writeFileSync(file, 'models: [a.onnx]\ndataset: { name: synthetic, count: 3 }\nattacks:\n  - attack: fgsm\n    targets: [sideways]\n');
  const r = cli(['study', 'run', '--config', file, '--out', join(dir, 'yaml-out')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /study\.yaml: field 'attacks\[0\]\.targets\[0\]'/);
});

test('run takes exactly one of --preset and --config', () => {
  for (const args of [[], ['--preset', 'mini', '--config', 'x.yaml']]) {
    const r = cli(['study', 'run', ...args]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /exactly one of --preset <name> or --config <file>/);
  }
});

test('the paper preset fails before any work, naming every missing model and how to get it', () => {
  const cache = join(dir, 'cache');
  const out = join(dir, 'paper');
  const r = spawnSync(process.execPath, [resolve('dist/src/cli/main.js'), 'study', 'run', '--preset', 'paper', '--out', out], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, ROBUSTSCOPE_CACHE: join(cache, 'models') },
  });
  assert.equal(r.status, 2, r.stderr);
  for (const name of ['alexnet.onnx', 'vgg_16.pb', 'inception_v3.pb', 'densenet121.ckpt.index', 'nasnet_large.safetensors', 'imagenet-synsets.txt']) assert.ok(r.stderr.includes(name), `${name} in: ${r.stderr}`);
  // A model with a release is pulled by its table name (which also writes its manifest and the class list).
  const models = join(cache, 'models');
  assert.ok(r.stderr.includes(`inception_v3.pb: get it with: robustscope models pull inception_v3 --out ${join(models, 'inception_v3.pb')}`), r.stderr);
  assert.ok(r.stderr.includes(`nasnet_large.safetensors: get it with: robustscope models pull nasnet_large --out ${join(models, 'nasnet_large.safetensors')}`), r.stderr);
  assert.match(r.stderr, /imagenet-synsets\.txt .*not found.*robustscope models pull <paper model> fetches it/);
  assert.equal(existsSync(out), false);
});

test('study config prints a preset as YAML that parses back to the same config', () => {
  const r = cli(['study', 'config', '--preset', 'mini']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(parseStudyConfig(parseYaml(r.stdout), 'printed'), studyPreset('mini'));
});

test('study run --json and study status on a tiny study; status of a folder without a study is exit 2', () => {
  const file = join(dir, 'tiny.json');
  writeFileSync(file, JSON.stringify(tinyConfig(tinyModels(dir, ['linear', 'mlp-1']), { attacks: [{ attack: 'fgsm' }], clever: undefined, dataset: { name: 'synthetic', count: 8, heldOut: 100 } })));
  const out = join(dir, 'tiny');
  const run = cli(['study', 'run', '--config', file, '--out', out, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.status.state, 'complete');
  const status = cli(['study', 'status', '--out', out]);
  assert.equal(status.code, 0, status.stderr);
  // 2 models x 8 examples in shards of 4: 2 clean, 1 held-out accuracy (100 images), 2 FGSM and 2 transfer
  // units (one other model) per model.
  const lines = status.stdout.split('\n');
  assert.equal(lines[0], `${out}: complete; 14/14 units done, 0 running, 0 failed, 0 left; ${result.status.rows} rows; last update ${result.status.lastUpdate}`);
  assert.match(status.stdout, /^clean\s+4\s+0\s+0\s+0\s+4\s+16$/m, 'a clean row per model and example');
  assert.match(status.stdout, /^accuracy\s+2\s+0\s+0\s+0\s+2\s+2$/m, 'one held-out count row per model');
  assert.match(status.stdout, /^transfer\s+(\d+)\s+0\s+0\s+0\s+\1\s+\d+$/m, 'every transfer unit done: none running, failed or left');
  const none = cli(['study', 'status', '--out', join(dir, 'nothing-here')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no study in/);
});
