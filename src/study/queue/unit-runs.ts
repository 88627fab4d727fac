import type PgBoss from 'pg-boss';
import type { Phase, UnitRow } from '../../records/records.js';
import { PG_SCHEMA, type PostgresStore } from '../store/postgres-store.js';
import type { UnitRows } from '../store/study-store.js';
import { bossDb, queueName, type UnitJob } from './unit-queue.js';

/**
 * A worker's bookkeeping of the units it claims, in `unit_runs` (one row per unit: who runs or ran it,
 * and how it ended), each change in the same transaction as the job's completion where there is one.
 */

/** Who a worker is: its machine and process. */
export interface WorkerIdentity {
  host: string;
  pid: number;
}

/** A claimed unit starts: this worker's row replaces that of a worker that died on it. */
export async function recordStart(store: PostgresStore, job: PgBoss.Job<UnitJob>, me: WorkerIdentity): Promise<void> {
  await store.query(
    `INSERT INTO ${PG_SCHEMA}.unit_runs (unit_id, job_id, host, pid, started_at) VALUES ($1, $2, $3, $4, now()) ` +
      'ON CONFLICT (unit_id) DO UPDATE SET job_id = excluded.job_id, host = excluded.host, pid = excluded.pid, started_at = now(), finished_at = NULL, outcome = NULL, reason = NULL',
    [job.data.unit, job.id, me.host, me.pid],
  );
}

/**
 * Stores a computed unit: its rows, done-marker, this worker's credit and the job's completion in one
 * transaction. Returns false when another worker had stored it already (its job had expired meanwhile).
 */
export function commitUnitJob(store: PostgresStore, boss: PgBoss, job: PgBoss.Job<UnitJob>, phase: Phase, marker: UnitRow, rows: UnitRows, me: WorkerIdentity): Promise<boolean> {
  return store.commitUnitWith(marker, rows, async (sql, isNew) => {
    if (isNew) {
      await sql.query(`UPDATE ${PG_SCHEMA}.unit_runs SET host = $2, pid = $3, finished_at = now(), outcome = 'done', reason = NULL WHERE unit_id = $1`, [marker.id, me.host, me.pid]);
    }
    await boss.complete(queueName(phase), job.id, { stored: isNew }, { db: bossDb(sql) });
  });
}

/** Records a unit as failed for a reason of its own, and ends its job without a retry. */
export async function recordFailure(store: PostgresStore, boss: PgBoss, job: PgBoss.Job<UnitJob>, phase: Phase, reason: string, me: WorkerIdentity): Promise<void> {
  await store.transaction(async (sql) => {
    await sql.query(
      `INSERT INTO ${PG_SCHEMA}.unit_runs (unit_id, job_id, host, pid, started_at, finished_at, outcome, reason) VALUES ($1, $2, $3, $4, now(), now(), 'failed', $5) ` +
        "ON CONFLICT (unit_id) DO UPDATE SET job_id = excluded.job_id, host = excluded.host, pid = excluded.pid, finished_at = now(), outcome = 'failed', reason = excluded.reason",
      [job.data.unit, job.id, me.host, me.pid, reason],
    );
    // Completed rather than failed: pg-boss would retry a failed job, and this unit would only fail again.
    await boss.complete(queueName(phase), job.id, { failed: reason }, { db: bossDb(sql) });
  });
}
