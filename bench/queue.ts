/**
 * Queue overhead: units per second through `study submit` (queuing), a worker's claim, and its commit
 * (rows, done-marker, job completion in one transaction), with empty work, so that what is timed is the
 * queue and the store alone. The reference, timed in the same run, is the local runner's commit into
 * the SQLite store (no queue). PostgreSQL: $BENCH_POSTGRES (a server URL; a database is created on it
 * per timing), else a throwaway cluster started with Debian's binaries (scripts/throwaway-postgres.sh).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { parseStudyConfig } from '../src/study/config/config-schema.js';
import { planUnits, type Unit } from '../src/study/plan/plan.js';
import { claim } from '../src/study/queue/queue-worker.js';
import { queueUnits } from '../src/study/queue/submit.js';
import { DEFAULT_QUEUE_SETTINGS, prepareQueue, startQueue, stopQueue } from '../src/study/queue/unit-queue.js';
import { commitUnitJob, recordStart } from '../src/study/queue/unit-runs.js';
import { PostgresStore } from '../src/study/store/postgres-store.js';
import { SqliteStore } from '../src/study/store/sqlite-store.js';
import { stampOutput } from '../src/study/run/unit-io.js';
import { BENCH_DIR } from './python.js';

const SCRIPT = resolve('scripts/throwaway-postgres.sh');
const LANES = [1, 8];

/** An empty unit's done-marker and (no) rows. */
const emptyOutput = (unit: Unit) => stampOutput(unit, { phase: 'clean', rows: [], timeMs: 0 });

export async function runQueue(opts: { seconds?: number } = {}): Promise<unknown> {
  const count = Number(process.env.BENCH_QUEUE_UNITS ?? 2000);
  const config = parseStudyConfig({ models: ['zoo:linear'], dataset: { name: 'synthetic', count }, shardSize: 1, attacks: [] }, 'queue bench');
  const plan = planUnits(config, { sample: count, heldOut: 0 });
  const server = startServer();
  try {
    const sqlite = await timeSqlite(plan);
    const rows = [];
    for (const lanes of LANES) rows.push({ lanes, ...(await timeQueue(server.url, plan, lanes)) });
    const result = { units: plan.length, sqliteCommitPerS: sqlite, queue: rows, seconds: opts.seconds };
    console.log(`queue overhead, ${plan.length} empty units (${cpus().length} cores, PostgreSQL on this machine)`);
    console.log(`  reference: local runner's commit into SQLite  ${sqlite.toFixed(0)} units/s`);
    for (const r of rows) {
      console.log(`  ${r.lanes} lane(s): submit ${r.submitPerS.toFixed(0)} units/s; claim+commit ${r.claimCommitPerS.toFixed(0)} units/s (${(r.claimCommitPerS / sqlite).toFixed(2)} x SQLite's commit)`);
    }
    mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
    writeFileSync(join(BENCH_DIR, 'results', 'queue.json'), JSON.stringify({ benchmark: 'queue', date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, cores: cpus().length, host: hostname() }, ...result }, null, 2));
    return result;
  } finally {
    server.stop();
  }
}

function startServer(): { url: string; stop: () => void } {
  if (process.env.BENCH_POSTGRES) return { url: process.env.BENCH_POSTGRES, stop: () => undefined };
  const dir = join(tmpdir(), `rs-bench-pg-${randomBytes(6).toString('hex')}`);
  const started = spawnSync(SCRIPT, ['start', dir], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`queue bench: no PostgreSQL (set BENCH_POSTGRES or apt-get install postgresql): ${started.stderr}`);
  return { url: started.stdout.trim(), stop: () => spawnSync(SCRIPT, ['stop', dir]) };
}

async function timeSqlite(plan: readonly Unit[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-bench-sqlite-'));
  const store = SqliteStore.open(dir, { create: true });
  try {
    const t0 = performance.now();
    for (const unit of plan) {
      const { marker, rows } = emptyOutput(unit);
      await store.commitUnit(marker, rows);
    }
    return plan.length / ((performance.now() - t0) / 1000);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Submit the plan into a fresh database, then claim and commit every unit with `lanes` at a time. */
async function timeQueue(serverUrl: string, plan: readonly Unit[], lanes: number): Promise<{ submitPerS: number; claimCommitPerS: number }> {
  const name = `rs_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const store = await PostgresStore.open(url.toString(), { create: true });
  const boss = await startQueue(url.toString(), { supervise: false, connections: lanes + 2 });
  try {
    await prepareQueue(boss, store, DEFAULT_QUEUE_SETTINGS);
    const t0 = performance.now();
    await queueUnits(store, boss, plan);
    const submitted = performance.now();
    const me = { host: hostname(), pid: process.pid };
    const byId = new Map(plan.map((u) => [u.id, u]));
    await Promise.all(Array.from({ length: lanes }, async () => {
      for (;;) {
        const claimed = await claim(boss);
        if (!claimed) return;
        await recordStart(store, claimed.job, me);
        const { marker, rows } = emptyOutput(byId.get(claimed.job.data.unit)!);
        await commitUnitJob(store, boss, claimed.job, claimed.phase, marker, rows, me);
      }
    }));
    const finished = performance.now();
    const stored = (await store.units()).length;
    if (stored !== plan.length) throw new Error(`queue bench: ${stored} of ${plan.length} units stored`);
    return { submitPerS: plan.length / ((submitted - t0) / 1000), claimCommitPerS: plan.length / ((finished - submitted) / 1000) };
  } finally {
    await stopQueue(boss);
    await store.close();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}
