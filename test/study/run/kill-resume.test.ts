import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli } from '../../helpers/cli.js';
import { PROGRESS_FILE, studyStatus, type StudyStatus } from '../../../src/study/store/status.js';
import { storeSnapshot, tempDir, tinyConfig, tinyModels } from '../helpers.js';

const MAIN = resolve('dist/src/cli/main.js');

/** Starts `study run` and SIGKILLs it once `fraction` of the study's units are stored (and some are left). */
async function runAndKill(config: string, out: string, fraction: number): Promise<void> {
  const child = spawn(process.execPath, [MAIN, 'study', 'run', '--config', config, '--out', out], { stdio: 'ignore' });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let finished: number | null | undefined;
  void exited.then((code) => (finished = code));
  for (;;) {
    await sleep(5);
    assert.equal(finished, undefined, `the run ended (code ${finished}) before ${fraction} of the study was done: make the test study bigger`);
    const path = join(out, PROGRESS_FILE);
    if (!existsSync(path)) continue;
    const { units } = JSON.parse(readFileSync(path, 'utf8')) as StudyStatus;
    if (units.total > 0 && units.done >= fraction * units.total && units.done < units.total) break;
  }
  // Meanwhile `study status` reports the live run from its progress file (the store itself is locked).
  const live = await studyStatus(out);
  assert.deepEqual([live.state, live.pid], ['running', child.pid]);
  child.kill('SIGKILL');
  assert.equal(await exited, null, 'killed, not exited');
}

test('a study killed with SIGKILL mid-way and run again ends with exactly the rows of an uninterrupted run', { timeout: 120_000 }, async () => {
  const dir = tempDir('rs-kill-');
  const models = tinyModels(dir);
  const config = join(dir, 'study.json');
  writeFileSync(config, JSON.stringify(tinyConfig(models, {
    dataset: { name: 'synthetic', count: 32, heldOut: 1500 },
    shardSize: 2,
    attacks: [
      { attack: 'fgsm', set: { eps: [0.05, 0.1] } },
      { id: 'ifgsm', attack: 'paper-ifgsm-search', set: { iterations: 5, attempts: 4 }, targets: ['untargeted', 'random'] },
      { id: 'cw', attack: 'paper-cw', set: { iterations: 20, binarySteps: 2 } },
    ],
    budgetCheck: { count: 3 },
  })));

  const reference = join(dir, 'reference');
  const uninterrupted = cli(['study', 'run', '--config', config, '--out', reference]);
  assert.equal(uninterrupted.code, 0, uninterrupted.stderr);

  const out = join(dir, 'interrupted');
  for (const fraction of [0.2, 0.6]) {
    await runAndKill(config, out, fraction);
    const status = await studyStatus(out);
    assert.equal(status.state, 'stopped');
    assert.ok(status.units.done >= fraction * status.units.total && status.units.done < status.units.total, `${status.units.done}/${status.units.total} units stored`);
  }
  const resumed = cli(['study', 'run', '--config', config, '--out', out, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const result = JSON.parse(resumed.stdout) as { computed: number; skipped: number; status: StudyStatus };
  assert.ok(result.skipped >= 0.6 * result.status.units.total, 'what was stored before the kills is not recomputed');
  assert.equal(result.status.state, 'complete');

  assert.deepEqual(await storeSnapshot(out), await storeSnapshot(reference));
  rmSync(dir, { recursive: true, force: true });
});
