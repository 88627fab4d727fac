import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { UserError } from '../../../src/core/errors.js';
import { SYNTHETIC_CLASSES } from '../../../src/data/synthetic/definition.js';
import { runStudy } from '../../../src/study/run/runner.js';
import { studyStatus } from '../../../src/study/store/status.js';
import { STORE_FILE } from '../../../src/study/store/sqlite-store.js';
import { cli } from '../../helpers/cli.js';
import { storeSnapshot, tempDir, tinyConfig, tinyModels } from '../helpers.js';

/** A quick study: two untrained models, 8 examples, FGSM only. */
function quick(dir: string) {
  return tinyConfig(tinyModels(dir, ['linear', 'mlp-1']), { dataset: { name: 'synthetic', count: 8, heldOut: 8 }, attacks: [{ attack: 'fgsm', set: { eps: 0.1 } }], clever: undefined, transfer: undefined });
}

/** Runs SQL on a closed store, as damage from outside robustscope would. */
function tamper(out: string, sql: string): void {
  const db = new sqlite.Database(join(out, STORE_FILE));
  try {
    // The store is in WAL mode, which this SQLite build opens only with exclusive locking.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec(sql);
  } finally {
    db.close();
  }
}

const userError = (pattern: RegExp) => (e: unknown) => e instanceof UserError && pattern.test(e.message);

test('done markers whose rows are gone: status refuses the damaged store, a run repairs it and recomputes exactly those rows', async () => {
  const dir = tempDir();
  const config = quick(dir);
  const out = join(dir, 'out');
  await runStudy(config, { out });
  const whole = await storeSnapshot(out);
  tamper(out, "DELETE FROM clean WHERE rowid IN (SELECT rowid FROM clean LIMIT 3)");
  await assert.rejects(studyStatus(out), userError(/damaged store \(1 unit\(s\) marked done lack rows, 0 row\(s\) belong to no done unit\)/));
  const warnings: string[] = [];
  const again = await runStudy(config, { out, onWarning: (w) => warnings.push(w) });
  assert.equal(again.computed, 1);
  assert.match(warnings.join('\n'), /repaired a damaged store/);
  assert.equal((await studyStatus(out)).state, 'complete');
  assert.deepEqual(await storeSnapshot(out), whole);
});

test('rows without a done marker (orphans) no longer make every resume fail on a UNIQUE constraint', async () => {
  const dir = tempDir();
  const config = quick(dir);
  const out = join(dir, 'out');
  await runStudy(config, { out });
  const whole = await storeSnapshot(out);
  tamper(out, "DELETE FROM units WHERE phase = 'attack' AND rowid IN (SELECT rowid FROM units WHERE phase = 'attack' AND rows > 0 LIMIT 1)");
  const again = await runStudy(config, { out });
  assert.equal(again.computed, 1);
  assert.deepEqual(await storeSnapshot(out), whole);
});

test('a zero-byte or corrupt study.sqlite is refused in one line, never silently started over', async () => {
  const dir = tempDir();
  const config = quick(dir);
  const out = join(dir, 'out');
  await runStudy(config, { out });
  writeFileSync(join(out, STORE_FILE), '');
  await assert.rejects(runStudy(config, { out }), userError(/study\.sqlite: empty file \(0 bytes\), not a study store/));
  writeFileSync(join(out, STORE_FILE), 'SQLite format 3\0'.padEnd(8192, 'x'));
  const r = cli(['study', 'status', '--out', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^robustscope: .*study\.sqlite: cannot open the study store \(.*\): the file is damaged/);
});

test("a model's manifest or label list changed between two runs into one folder is refused", async () => {
  const dir = tempDir();
  const config = quick(dir);
  const out = join(dir, 'out');
  const model = config.models[0] as string;
  const manifest = model.replace(/\.onnx$/, '.manifest.json');
  writeFileSync(manifest, JSON.stringify({ labels: [...SYNTHETIC_CLASSES] }));
  await runStudy(config, { out });
  writeFileSync(manifest, JSON.stringify({ labels: [...SYNTHETIC_CLASSES].reverse() }));
  await assert.rejects(runStudy(config, { out }), userError(/its manifest or label list changed since .* was started/));
  writeFileSync(manifest, JSON.stringify({ labels: [...SYNTHETIC_CLASSES] }));
  assert.equal((await runStudy(config, { out })).computed, 0);
});
