import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { GraphBuilder, modelOf } from '../../../src/onnx/builder.js';
import { encodeModel } from '../../../src/onnx/codec.js';
import { runStudy } from '../../../src/study/run/runner.js';
import type { StudyStatus } from '../../../src/study/store/status.js';
import type { StudyConfigInput } from '../../../src/study/config/config-schema.js';
import { cli } from '../../helpers/cli.js';
import { freshDatabase, testPostgres } from '../../helpers/postgres.js';
import { storeSnapshot, tempDir, tinyModels } from '../helpers.js';

/**
 * The acceptance tests of a study spread over workers: the PostgreSQL store and the pg-boss queue must
 * give exactly the rows of a local SQLite run of the same config, whatever dies on the way.
 */

const MAIN = resolve('dist/src/cli/main.js');
const server = await testPostgres();
const skip = 'skip' in server ? server.skip : undefined;
if (skip) process.stderr.write(`# queue tests skipped: ${skip}\n`);

const dir = tempDir('rs-queue-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** Three trained zoo models, FGSM and the I-FGSM search, FGSM transferred, the search's budget checked: small units, many of them. */
const study = (overrides: Partial<StudyConfigInput> = {}): StudyConfigInput => ({
  seed: 11,
  models: ['zoo:linear', 'zoo:mlp-1', 'zoo:mlp-2'],
  dataset: { name: 'synthetic', count: 24, heldOut: 100 },
  shardSize: 2,
  attacks: [
    { attack: 'fgsm', set: { eps: [0.05, 0.1] } },
    { id: 'ifgsm', attack: 'paper-ifgsm-search', set: { iterations: 10, attempts: 4 } },
  ],
  transfer: { attacks: ['fgsm'] },
  budgetCheck: { count: 3 },
  ...overrides,
});
const configFile = join(dir, 'study.json');
writeFileSync(configFile, JSON.stringify(study()));
const reference = join(dir, 'reference');

before(async () => {
  if (!skip) await runStudy(study(), { out: reference });
});

function start(args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => child.on('exit', (code, signal) => done({ code, signal, stderr })));
  return { child, exit };
}

async function query<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } catch (err) {
    // The tables appear during a submit: before that there is nothing to see.
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  } finally {
    await client.end();
  }
}

test('three workers, one SIGKILLed mid-unit: the others finish its unit after it expires, and the rows equal a local SQLite run', { skip, timeout: 300_000 }, async () => {
  const db = await freshDatabase((server as { url: string }).url);
  try {
    const submitted = cli(['study', 'submit', '--config', configFile, '--store', db.url, '--unit-timeout', '3', '--json']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const { units, added } = JSON.parse(submitted.stdout) as { units: number; added: number };
    assert.equal(added, units);

    const workers = [0, 1, 2].map(() => start(['study', 'worker', '--store', db.url, '--json']));
    const pids = workers.map((w) => w.child.pid!);
    // Kill a worker in the middle of a unit, once the attacks are under way: it is frozen first (SIGSTOP),
    // so that what its row says once its statements in flight have settled is what it holds when killed.
    let victim: { pid: number; unit: string } | undefined;
    while (!victim) {
      const [running] = await query<{ pid: number }>(db.url,
        `SELECT pid FROM robustscope.unit_runs WHERE finished_at IS NULL AND pid = ANY($1) AND unit_id LIKE '["attack",%' LIMIT 1`, [pids]);
      if (!running) {
        await sleep(5);
        continue;
      }
      process.kill(running.pid, 'SIGSTOP');
      await sleep(300);
      const [held] = await query<{ unit_id: string }>(db.url, 'SELECT unit_id FROM robustscope.unit_runs WHERE finished_at IS NULL AND pid = $1', [running.pid]);
      if (held) {
        process.kill(running.pid, 'SIGKILL');
        victim = { pid: running.pid, unit: held.unit_id };
      } else {
        process.kill(running.pid, 'SIGCONT');
      }
    }
    const exits = await Promise.all(workers.map((w) => w.exit));
    exits.forEach((e, i) => {
      if (pids[i] === victim!.pid) assert.equal(e.signal, 'SIGKILL');
      else assert.equal(e.code, 0, e.stderr);
    });

    // The killed unit was stored once, by another worker.
    const [run] = await query<{ pid: number; outcome: string }>(db.url, 'SELECT pid, outcome FROM robustscope.unit_runs WHERE unit_id = $1', [victim.unit]);
    assert.equal(run!.outcome, 'done');
    assert.notEqual(run!.pid, victim.pid);

    const ours = await storeSnapshot(db.url);
    assert.equal(new Set(ours).size, ours.length, 'no row stored twice');
    for (const table of ['clean', 'attacks', 'transfer']) assert.ok(ours.some((row) => row.includes(`"table":"${table}"`)), `${table} rows were stored`);
    assert.deepEqual(ours, await storeSnapshot(reference));

    const status = cli(['study', 'status', '--store', db.url, '--json']);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as StudyStatus;
    assert.equal(s.state, 'complete');
    assert.deepEqual([s.units.done, s.units.failed, s.units.running, s.units.left], [units, 0, 0, 0]);
    assert.equal(s.hosts.reduce((n, h) => n + h.done, 0), units, 'every unit is credited to the host that stored it');
  } finally {
    await db.drop();
  }
});

test('a submit killed mid-way is finished by submitting again; a third adds nothing; another config is refused with its differences', { skip, timeout: 300_000 }, async () => {
  const db = await freshDatabase((server as { url: string }).url);
  try {
    const submit = start(['study', 'submit', '--config', configFile, '--store', db.url]);
    // Killed as soon as the study's config is in the database: before or while its units are queued.
    while ((await query(db.url, "SELECT 1 FROM robustscope.meta WHERE key = 'config'")).length === 0) await sleep(2);
    submit.child.kill('SIGKILL');
    assert.equal((await submit.exit).signal, 'SIGKILL');

    const again = cli(['study', 'submit', '--config', configFile, '--store', db.url, '--json']);
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as { units: number; added: number; queued: number };
    assert.equal(second.queued, second.units);
    const jobs = await query<{ n: string }>(db.url, 'SELECT COUNT(*) AS n FROM robustscope_queue.job');
    assert.equal(Number(jobs[0]!.n), second.units, 'one job per unit');

    const third = JSON.parse(cli(['study', 'submit', '--config', configFile, '--store', db.url, '--json']).stdout) as { added: number };
    assert.equal(third.added, 0);

    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify(study({ dataset: { name: 'synthetic', count: 20, heldOut: 100 } })));
    const refused = cli(['study', 'submit', '--config', other, '--store', db.url]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /another config/);
    assert.match(refused.stderr, /dataset\.count: 24 -> 20/);

    // One worker with two processes finishes the study.
    const worker = cli(['study', 'worker', '--store', db.url, '--jobs', '2', '--json'], 240_000);
    assert.equal(worker.code, 0, worker.stderr);
    assert.equal((JSON.parse(worker.stdout) as { computed: number }).computed, second.units);
    assert.deepEqual(await storeSnapshot(db.url), await storeSnapshot(reference));

    const report = cli(['study', 'report', '--store', db.url, '--out', join(dir, 'report'), '--json']);
    assert.equal(report.code, 0, report.stderr);
  } finally {
    await db.drop();
  }
});

/** A linear model that reshapes its input to a batch of one: it loads and runs on one image, and throws on two. */
function batchOfOneModel(folder: string): string {
  const features = 3 * 32 * 32;
  const g = new GraphBuilder();
  const x = g.input('x', ['N', 3, 32, 32]);
  const flat = g.op('Reshape', [x, g.constInt64('shape', [1, features])]);
  const w = g.constFloat('W', [10, features], Array.from({ length: 10 * features }, (_, i) => Math.sin(i) / Math.sqrt(features)));
  const b = g.constFloat('b', [10], new Array(10).fill(0));
  g.node('Gemm', [flat, w, b], { transB: 1 }, { outputs: ['logits'] });
  g.output('logits', ['N', 10]);
  const path = join(folder, 'batch-of-one.onnx');
  writeFileSync(path, encodeModel(modelOf(g.graph)));
  return path;
}

test('a unit that fails for a reason of its own is recorded as failed with the reason, its dependents too, and nothing is retried', { skip, timeout: 300_000 }, async () => {
  const db = await freshDatabase((server as { url: string }).url);
  try {
    const models = [...tinyModels(dir, ['linear', 'mlp-1']), batchOfOneModel(dir)];
    const file = join(dir, 'failing.json');
    writeFileSync(file, JSON.stringify({ seed: 3, models, dataset: { name: 'synthetic', count: 8, heldOut: 8 }, shardSize: 2, attacks: [{ attack: 'fgsm' }], transfer: { attacks: ['fgsm'] } }));
    assert.equal(cli(['study', 'submit', '--config', file, '--store', db.url]).code, 0);
    const worker = cli(['study', 'worker', '--store', db.url, '--json'], 240_000);
    assert.equal(worker.code, 0, worker.stderr);
    // 4 shards: the broken model's 4 clean units and its one held-out accuracy unit fail, its 4 attack units
    // lack their clean rows, and every transfer unit involves it as target or source; the other two models'
    // clean, accuracy and attack units are stored.
    assert.deepEqual(JSON.parse(worker.stdout).computed, 18);
    assert.deepEqual(JSON.parse(worker.stdout).failed, 21);

    const status = JSON.parse(cli(['study', 'status', '--store', db.url, '--json']).stdout) as StudyStatus;
    assert.equal(status.state, 'complete', 'every unit is finished: done or failed');
    assert.deepEqual([status.units.done, status.units.failed, status.units.left], [18, 21, 0]);
    assert.deepEqual([status.phases.clean.failed, status.phases.accuracy.failed, status.phases.attack.failed, status.phases.transfer.failed], [4, 1, 4, 12]);
    const cleanFailure = status.failures.find((f) => f.unit.startsWith(`["clean",${JSON.stringify(models[2])}`))!;
    assert.match(cleanFailure.reason, /reshape/i, 'the reason is the model\'s own error');
    assert.ok(status.failures.filter((f) => f.unit.startsWith('["attack"')).every((f) => /needs 4 unit\(s\) that failed/.test(f.reason)));

    // Not retried: the jobs are finished, a second worker finds nothing, a second submit adds nothing.
    const jobs = await query<{ state: string; retry_count: number }>(db.url, 'SELECT state, retry_count FROM robustscope_queue.job');
    assert.ok(jobs.every((j) => j.state === 'completed' && j.retry_count === 0), JSON.stringify(jobs));
    const again = JSON.parse(cli(['study', 'worker', '--store', db.url, '--json']).stdout) as { computed: number; failed: number };
    assert.deepEqual([again.computed, again.failed], [0, 0]);
    assert.equal((JSON.parse(cli(['study', 'submit', '--config', file, '--store', db.url, '--json']).stdout) as { added: number }).added, 0);
  } finally {
    await db.drop();
  }
});

test('study run --store postgres:// submits, works and reports on one machine; a worker with --wait stays until stopped', { skip, timeout: 300_000 }, async () => {
  const db = await freshDatabase((server as { url: string }).url);
  try {
    const file = join(dir, 'small.json');
    writeFileSync(file, JSON.stringify({ seed: 5, models: tinyModels(dir, ['linear', 'mlp-1'], 2), dataset: { name: 'synthetic', count: 6, heldOut: 6 }, shardSize: 3, attacks: [{ attack: 'fgsm' }], transfer: { attacks: ['fgsm'] } }));
    const out = join(dir, 'small-report');
    const run = cli(['study', 'run', '--config', file, '--store', db.url, '--out', out, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { computed: number; status: StudyStatus; report: string };
    assert.equal(result.status.state, 'complete');
    assert.equal(result.computed, result.status.units.total);
    assert.equal(result.report, join(out, 'report.html'));

    const local = join(dir, 'small-local');
    assert.equal(cli(['study', 'run', '--config', file, '--out', local]).code, 0);
    assert.deepEqual(await storeSnapshot(db.url), await storeSnapshot(local));

    const waiting = start(['study', 'worker', '--store', db.url, '--wait']);
    let said = '';
    waiting.child.stderr!.on('data', (d) => (said += d));
    while (!said.includes('no unit left: waiting for more')) {
      assert.equal(waiting.child.exitCode, null, 'with --wait a worker keeps polling when nothing is left');
      await sleep(50);
    }
    waiting.child.kill('SIGINT');
    assert.equal((await waiting.exit).code, 130);
  } finally {
    await db.drop();
  }
});
