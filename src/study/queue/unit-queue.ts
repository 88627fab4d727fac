import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { UserError, messageOf } from '../../core/errors.js';
import { PHASES, type Phase } from '../../records/records.js';
import { PG_SCHEMA, redactUrl, type PostgresStore, type Sql } from '../store/postgres-store.js';

/**
 * The study's units as pg-boss jobs, in the same database as its PostgreSQL store: one queue per phase,
 * so that a worker takes a phase's units only once every earlier phase has none left (attacks are cut
 * from the clean pass, transfer reads the attacks). pg-boss claims jobs with SKIP LOCKED, retries a job
 * whose worker died once it expires, and keeps its state in its own schema (`robustscope_queue`).
 *
 * Beside the queue, two tables of our own in the store's schema: `queued` (each planned unit's job, so a
 * second submit adds nothing) and `unit_runs` (who runs or ran a unit, and a failure's reason), which
 * `study status` reads.
 */

export const QUEUE_SCHEMA = 'robustscope_queue';

export const queueName = (phase: Phase) => `study-${phase}`;

/** How long a unit may run before its worker is presumed dead and the unit retried, and how many times. */
export interface QueueSettings {
  expireSeconds: number;
  retries: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { expireSeconds: 4 * 3600, retries: 2 };
/** pg-boss's ceiling on a job's expiry. */
export const MAX_EXPIRE_SECONDS = 24 * 3600 - 1;
/** Waiting jobs are kept a year: a study may sit in its queue for weeks (pg-boss's default drops them after 14 days). */
const RETENTION_MINUTES = 365 * 24 * 60;

/** A job's payload: the unit's id; a worker finds the rest in the plan of the stored config. */
export interface UnitJob {
  unit: string;
}

/** A unit's job id: a function of the unit, so that a job inserted twice is inserted once. */
export function jobId(unitId: string): string {
  const h = createHash('sha256').update(unitId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A started pg-boss on `url`. Workers supervise (expire the jobs of dead workers) often enough for the
 * study's expiry; a submitter does not. Schema creation and migration are pg-boss's own, transactional.
 */
export async function startQueue(url: string, opts: { supervise: boolean; expireSeconds?: number; connections?: number }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    schema: QUEUE_SCHEMA,
    max: opts.connections ?? 2,
    supervise: opts.supervise,
    schedule: false,
    // Expired jobs are found by maintenance: run it a few times per expiry period, at most once a minute apart.
    maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor((opts.expireSeconds ?? 240) / 4))),
  });
  boss.on('error', (err) => process.stderr.write(`robustscope: queue (${redactUrl(url)}): ${messageOf(err)}\n`));
  try {
    await boss.start();
  } catch (err) {
    await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
    throw new UserError(`${redactUrl(url)}: cannot start the unit queue (${messageOf(err)})`, { cause: err });
  }
  return boss;
}

export async function stopQueue(boss: PgBoss): Promise<void> {
  await boss.stop({ graceful: false, wait: true, close: true });
}

/** Creates the phase queues (or updates their expiry and retries) and our two tables; idempotent. */
export async function prepareQueue(boss: PgBoss, store: PostgresStore, settings: QueueSettings): Promise<void> {
  for (const phase of PHASES) {
    const options = { name: queueName(phase), retryLimit: settings.retries, retryDelay: 0, expireInSeconds: settings.expireSeconds, retentionMinutes: RETENTION_MINUTES };
    await boss.createQueue(queueName(phase), options);
    await boss.updateQueue(queueName(phase), options);
  }
  await store.transaction(async (sql) => {
    await sql.query(`SELECT pg_advisory_xact_lock(hashtext('${PG_SCHEMA}.queue'))`);
    await sql.query(`CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.queued (unit_id TEXT PRIMARY KEY, phase TEXT NOT NULL, job_id UUID NOT NULL, queued_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    await sql.query(
      `CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.unit_runs (unit_id TEXT PRIMARY KEY, job_id UUID NOT NULL, host TEXT NOT NULL, pid INT NOT NULL, ` +
        'started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ, outcome TEXT, reason TEXT)',
    );
  });
  await store.putMeta({ queue: JSON.stringify(settings) });
}

/** The queue settings a submit recorded. */
export async function queueSettings(store: PostgresStore): Promise<QueueSettings> {
  const stored = await store.meta('queue');
  if (stored === undefined) throw new UserError(`${store.location}: this study was not submitted to a queue (run robustscope study submit)`);
  return JSON.parse(stored) as QueueSettings;
}

/** pg-boss's view of a connection, so that its job updates join our transaction. */
export function bossDb(sql: Sql): PgBoss.Db {
  return { executeSql: (text, values) => sql.query(text, values) };
}

/** Units still waiting, retrying or running in a phase's queue. */
export function unfinishedJobs(boss: PgBoss, phase: Phase): Promise<number> {
  return boss.getQueueSize(queueName(phase), { before: 'completed' });
}
