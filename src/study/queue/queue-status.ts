import { UserError } from '../../core/errors.js';
import { parseStudyConfig } from '../config/config-schema.js';
import { plannedUnits } from '../plan/plan.js';
import { PHASES, type Phase } from '../../records/records.js';
import { emptyPaces, estimateRemaining } from '../store/eta.js';
import type { HostStatus, PhaseStatus, StudyStatus } from '../store/study-status.js';
import { PG_SCHEMA, PostgresStore } from '../store/postgres-store.js';
import { queueName, queueSettings, startQueue, stopQueue } from './unit-queue.js';

/**
 * `study status` of a study in PostgreSQL: done from the done-markers, running and failed from the
 * workers' records (`unit_runs`), per phase and per host, and the ETA at the pace of the units finished so
 * far. A unit whose worker died shows as running until its job expires, then as left (it is retried);
 * one that exhausted its retries (pg-boss failed its job) shows as failed, and one a stopped worker
 * handed back as left.
 */
export async function queueStatus(url: string): Promise<StudyStatus> {
  const store = await PostgresStore.open(url, { create: false });
  try {
    const stored = await store.meta('config');
    if (stored === undefined) throw new UserError(`${store.location}: no study was submitted to this database`);
    const config = parseStudyConfig(JSON.parse(stored), store.location);
    const { expireSeconds } = await queueSettings(store);
    const plan = await plannedUnits(config, store);
    const phaseOf = new Map(plan.map((u) => [u.id, u.phase]));
    const phases = Object.fromEntries(PHASES.map((p) => [p, { units: 0, done: 0, running: 0, failed: 0, rows: 0 }])) as Record<Phase, PhaseStatus>;
    for (const unit of plan) phases[unit.phase].units++;

    const units = await store.units();
    const done = new Set<string>();
    let lastUpdate: string | null = null;
    for (const u of units) {
      if (!phaseOf.has(u.id)) continue;
      done.add(u.id);
      phases[u.phase].done++;
      phases[u.phase].rows += u.rows;
      if (lastUpdate === null || u.createdAt > lastUpdate) lastUpdate = u.createdAt;
    }

    const { rows: runs } = await store.query(
      `SELECT unit_id, job_id, host, outcome, reason, finished_at, (now() - started_at) > make_interval(secs => $1) AS expired, ` +
        `EXTRACT(EPOCH FROM now() - started_at) * 1000 AS age_ms, EXTRACT(EPOCH FROM finished_at - started_at) * 1000 AS took_ms FROM ${PG_SCHEMA}.unit_runs`,
      [expireSeconds],
    );
    const hosts = new Map<string, HostStatus>();
    const hostOf = (name: string) => hosts.get(name) ?? hosts.set(name, { host: name, done: 0, running: 0, failed: 0, lastUpdate: null }).get(name)!;
    const failures: StudyStatus['failures'] = [];
    // The ETA's pace: the finished units' own times per phase, over the wall time since the first began (the database's clock).
    const paces = emptyPaces();
    let wallMs = 0;
    // pg-boss is asked only about units whose worker is presumed dead (usually none).
    let boss: Awaited<ReturnType<typeof startQueue>> | undefined;
    try {
      for (const run of runs) {
        const id = String(run.unit_id);
        const phase = phaseOf.get(id);
        if (!phase) continue;
        const host = hostOf(String(run.host));
        if (done.has(id)) {
          if (run.outcome === 'done') {
            host.done++;
            paces[phase].finished++;
            paces[phase].finishedMs += Number(run.took_ms);
            wallMs = Math.max(wallMs, Number(run.age_ms));
            const at = (run.finished_at as Date).toISOString();
            if (host.lastUpdate === null || at > host.lastUpdate) host.lastUpdate = at;
          }
        } else if (run.outcome === 'failed') {
          host.failed++;
          phases[phase].failed++;
          failures.push({ unit: id, host: host.host, reason: String(run.reason) });
        } else if (run.outcome === 'stopped') {
          // Handed back by a stopped worker: waiting in the queue again, so left.
        } else if (!run.expired) {
          host.running++;
          phases[phase].running++;
        } else {
          // Its worker is presumed dead: pg-boss retries the job, or failed it for good after its retries.
          boss ??= await startQueue(url, { supervise: false });
          const job = await boss.getJobById<{ unit: string }>(queueName(phase), String(run.job_id), { includeArchive: true });
          if (job?.state === 'failed') {
            host.failed++;
            phases[phase].failed++;
            failures.push({ unit: id, host: host.host, reason: `its worker died or timed out ${job.retryCount + 1} times (${JSON.stringify(job.output)})` });
          }
        }
      }
    } finally {
      if (boss) await stopQueue(boss);
    }

    const sum = (key: keyof PhaseStatus) => PHASES.reduce((total, p) => total + phases[p][key], 0);
    const total = sum('units');
    const counts = { total, done: sum('done'), running: sum('running'), failed: sum('failed'), left: 0 };
    counts.left = total - counts.done - counts.running - counts.failed;
    const unfinished = counts.left + counts.running;
    for (const p of PHASES) paces[p].unfinished = phases[p].units - phases[p].done - phases[p].failed;
    const estimate = counts.running > 0 ? estimateRemaining(paces, wallMs) : { etaMs: null, untimed: [] };
    return {
      store: store.location,
      state: counts.running > 0 ? 'running' : unfinished === 0 ? 'complete' : 'stopped',
      pid: null,
      phases,
      units: counts,
      rows: sum('rows'),
      lastUpdate,
      etaMs: estimate.etaMs,
      etaExcludes: estimate.untimed,
      hosts: [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host)),
      failures,
    };
  } finally {
    await store.close();
  }
}
