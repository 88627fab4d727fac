import { UserError } from '../../core/errors.js';
import { parseStudyConfig, type StudyConfig, type StudyConfigInput } from '../config/config-schema.js';
import type PgBoss from 'pg-boss';
import { countByPhase, planUnits, type Unit } from '../plan/plan.js';
import type { Phase } from '../../records/records.js';
import { preflight } from '../plan/preflight.js';
import { describeModels, recordStudy } from '../run/record-study.js';
import { PG_SCHEMA, PostgresStore } from '../store/postgres-store.js';
import { DEFAULT_QUEUE_SETTINGS, MAX_EXPIRE_SECONDS, bossDb, jobId, prepareQueue, queueName, startQueue, stopQueue, type QueueSettings, type UnitJob } from './unit-queue.js';

export interface SubmitResult {
  /** The database URL, without its password. */
  store: string;
  /** Units of the plan; units this submit added to the queue; units already done, failed, or queued. */
  units: number;
  added: number;
  done: number;
  failed: number;
  /** Units waiting in the queue or running, after this submit, in all and per phase. */
  queued: number;
  queuedByPhase: Record<Phase, number>;
}

/**
 * `study submit`: records the study in the database (config, sample, models with their sha256, as
 * `study run` does in a folder) and puts every unit not yet done, failed or queued into the queue.
 * Idempotent: the same config submitted again adds nothing, and another config is refused with its
 * differences. A submit killed half-way stores either all of its queue entries or none (one transaction),
 * so submitting again finishes it.
 */
export async function submitStudy(input: StudyConfigInput | StudyConfig, url: string, settings: Partial<QueueSettings> = {}): Promise<SubmitResult> {
  const config = parseStudyConfig(input, 'study config');
  const queue = { ...DEFAULT_QUEUE_SETTINGS, ...settings };
  if (!Number.isInteger(queue.expireSeconds) || queue.expireSeconds < 1 || queue.expireSeconds > MAX_EXPIRE_SECONDS) {
    throw new UserError(`unit timeout: expected whole seconds from 1 to ${MAX_EXPIRE_SECONDS} (pg-boss's limit of 24 hours), got ${queue.expireSeconds}`);
  }
  if (!Number.isInteger(queue.retries) || queue.retries < 0) throw new UserError(`retries: expected a non-negative integer, got ${queue.retries}`);
  const { items, heldOut } = await preflight(config);
  const models = await describeModels(config);

  const store = await PostgresStore.open(url, { create: true });
  try {
    await recordStudy(store, config, { items, heldOut }, models);
    const boss = await startQueue(url, { supervise: false });
    try {
      await prepareQueue(boss, store, queue);
      const plan = planUnits(config, { sample: items.length, heldOut });
      return { store: store.location, ...(await queueUnits(store, boss, plan)) };
    } finally {
      await stopQueue(boss);
    }
  } finally {
    await store.close();
  }
}

/**
 * Puts the plan's units that are not done, failed or queued already into the queue, in one transaction.
 * Priority follows plan order, so that workers take a model's units back to back and load each model seldom.
 */
export async function queueUnits(store: PostgresStore, boss: PgBoss, plan: readonly Unit[]): Promise<Omit<SubmitResult, 'store'>> {
  return store.transaction(async (sql) => {
    // One submit at a time, so that two never queue the same unit.
    await sql.query(`LOCK TABLE ${PG_SCHEMA}.queued IN EXCLUSIVE MODE`);
    const ids = plan.map((u) => u.id);
    const done = new Set((await sql.query(`SELECT id FROM ${PG_SCHEMA}.units WHERE id = ANY($1)`, [ids])).rows.map((r) => String(r.id)));
    const failed = new Set((await sql.query(`SELECT unit_id FROM ${PG_SCHEMA}.unit_runs WHERE outcome = 'failed' AND unit_id = ANY($1)`, [ids])).rows.map((r) => String(r.unit_id)));
    const queued = new Set((await sql.query(`SELECT unit_id FROM ${PG_SCHEMA}.queued`)).rows.map((r) => String(r.unit_id)));
    const fresh = plan.filter((u) => !done.has(u.id) && !failed.has(u.id) && !queued.has(u.id));
    if (fresh.length > 0) {
      await sql.query(
        `INSERT INTO ${PG_SCHEMA}.queued (unit_id, phase, job_id) SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[])`,
        [fresh.map((u) => u.id), fresh.map((u) => u.phase), fresh.map((u) => jobId(u.id))],
      );
      const position = new Map(plan.map((u, i) => [u.id, i]));
      await boss.insert(
        fresh.map((u) => ({ id: jobId(u.id), name: queueName(u.phase), data: { unit: u.id } satisfies UnitJob, priority: plan.length - position.get(u.id)! })),
        { db: bossDb(sql) },
      );
    }
    const waiting = plan.filter((u) => !done.has(u.id) && !failed.has(u.id));
    return { units: plan.length, added: fresh.length, done: done.size, failed: failed.size, queued: waiting.length, queuedByPhase: countByPhase(waiting) };
  });
}
