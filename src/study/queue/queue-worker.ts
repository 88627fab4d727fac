import { availableParallelism, hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type PgBoss from 'pg-boss';
import { UserError, messageOf } from '../../core/errors.js';
import { parseStudyConfig } from '../config/config-schema.js';
import { WorkerExitError, inProcessExecutor, workerPool, type Executor } from '../run/executor.js';
import { checkRecordedModels } from '../run/study-models.js';
import { HELD_OUT_META, planUnits, type Unit } from '../plan/plan.js';
import { missingPaperModels, preflight } from '../plan/preflight.js';
import { pullPaperModel } from '../../models/catalog/paper-models.js';
import { PHASES, type Phase, type UnitRow } from '../../records/records.js';
import { PG_SCHEMA, PostgresStore } from '../store/postgres-store.js';
import { buildTask, correctItems, stampOutput } from '../run/unit-io.js';
import { TOOL_VERSION } from '../../records/version.js';
import { prerequisites } from './prerequisites.js';
import { queueName, queueSettings, startQueue, stopQueue, unfinishedJobs, type UnitJob } from './unit-queue.js';
import { commitUnitJob, recordFailure, recordStart, type WorkerIdentity } from './unit-runs.js';

export interface QueueWorkerOptions {
  /** Units computed at once, each in its own worker process (default 1: in this process). */
  jobs?: number;
  /** ONNX Runtime intra-op threads per unit. */
  threads?: number;
  /** Keep polling for units once none is left, instead of exiting. */
  wait?: boolean;
  /** How often to look for units while none can be claimed (default 2 s). */
  pollMs?: number;
  onUnit?: (row: UnitRow) => void;
  onFailure?: (unit: string, reason: string) => void;
  /** Fetch the paper models this machine lacks into the paths the config names, before starting. */
  pull?: boolean;
  onPull?: (model: string, path: string) => void;
  /** With `wait`: called on every poll that finds the whole queue finished. */
  onIdle?: () => void;
}

export interface QueueWorkerResult {
  store: string;
  host: string;
  /** Units this worker computed and stored; recorded as failed; found already stored by another. */
  computed: number;
  failed: number;
  alreadyDone: number;
  elapsedMs: number;
}

/**
 * `study worker`: claims the study's units from its queue and computes them until none is left (or, with
 * `wait`, until stopped), committing each unit's rows, its done-marker and its job's completion in one
 * transaction. A unit that throws is recorded as failed with the reason and not retried (units are
 * seeded: it would fail again); a unit whose worker died is retried by pg-boss once it expires. Before it
 * claims anything the worker checks that this machine's dataset sample and models are the study's.
 */
export async function runQueueWorker(url: string, options: QueueWorkerOptions = {}): Promise<QueueWorkerResult> {
  const started = performance.now();
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(`jobs must be a positive integer, got ${jobs}`);
  const store = await PostgresStore.open(url, { create: false });
  try {
    const stored = await store.meta('config');
    if (stored === undefined) throw new UserError(`${store.location}: no study was submitted to this database (run robustscope study submit)`);
    const version = await store.meta('toolVersion');
    if (version !== TOOL_VERSION) throw new UserError(`${store.location} holds a study of robustscope ${version}; this worker is ${TOOL_VERSION}: run workers of the same version`);
    const config = parseStudyConfig(JSON.parse(stored), store.location);
    const settings = await queueSettings(store);
    const items = await store.items();
    const models = await store.models();
    if (options.pull) {
      for (const { entry, paper } of missingPaperModels(config)) {
        options.onPull?.(paper.name, entry.name);
        await pullPaperModel(paper.name, { dest: entry.name });
      }
    }
    const local = await preflight(config);
    const heldOut = Number(await store.meta(HELD_OUT_META));
    if (local.items.some((item, i) => item.itemId !== items[i]?.itemId) || local.items.length !== items.length || local.heldOut !== heldOut) {
      throw new UserError(`${config.dataset.name}: this machine's dataset gives another sample than the study in ${store.location} recorded: give it the same dataset`);
    }
    await checkRecordedModels(config, new Map(models.map((m) => [m.name, m.sha256])), store.location);

    const plan = planUnits(config, { sample: items.length, heldOut });
    const byId = new Map(plan.map((u) => [u.id, u]));
    const modelsByName = new Map(models.map((m) => [m.name, m]));
    const me: WorkerIdentity = { host: hostname(), pid: process.pid };
    const counts = { computed: 0, failed: 0, alreadyDone: 0 };
    // The clean pass is complete once a worker may claim attack units: read its results once.
    let correct: ReturnType<typeof correctItems> | undefined;

    const boss = await startQueue(url, { supervise: true, expireSeconds: settings.expireSeconds, connections: 2 + jobs });
    const executor: Executor = jobs > 1 ? workerPool(config, jobs, options.threads ?? Math.max(1, Math.floor(availableParallelism() / jobs))) : await inProcessExecutor(config, options.threads);
    const active = new Map<string, Phase>();
    // Stopped by a signal: hand the units in hand back to the queue at once, rather than after their expiry.
    const handBack = () => {
      const jobs = [...active];
      void store.query(`UPDATE ${PG_SCHEMA}.unit_runs SET finished_at = now(), outcome = 'stopped' WHERE job_id = ANY($1) AND outcome IS NULL`, [jobs.map(([id]) => id)])
        .then(() => Promise.all(jobs.map(([id, phase]) => boss.fail(queueName(phase), id, { message: `worker ${me.host}:${me.pid} was stopped` }))))
        .finally(() => process.exit(130));
    };
    process.once('SIGINT', handBack).once('SIGTERM', handBack);

    const fail = async (job: PgBoss.Job<UnitJob>, phase: Phase, reason: string) => {
      await recordFailure(store, boss, job, phase, reason, me);
      counts.failed++;
      options.onFailure?.(job.data.unit, reason);
    };

    const storedIds = async (ids: readonly string[]) => new Set((await store.query(`SELECT id FROM ${PG_SCHEMA}.units WHERE id = ANY($1)`, [ids])).rows.map((r) => String(r.id)));

    const runJob = async (job: PgBoss.Job<UnitJob>, phase: Phase, unit: Unit) => {
      if ((await storedIds([unit.id])).size > 0) {
        // Stored by a worker whose job had expired meanwhile: nothing left to do.
        await boss.complete(queueName(phase), job.id, { stored: false });
        counts.alreadyDone++;
        return;
      }
      await recordStart(store, job, me);
      const needed = prerequisites(plan, unit, config.dataset.sampling).map((u) => u.id);
      const have = await storedIds(needed);
      const missing = needed.filter((id) => !have.has(id));
      if (missing.length > 0) return fail(job, phase, `needs ${missing.length} unit(s) that failed and are not stored: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}`);

      const cutFromCleanPass = phase === 'attack' || phase === 'clever' || phase === 'budget';
      if (cutFromCleanPass) correct ??= correctItems(store, models);
      const task = await buildTask(store, config, unit, items, modelsByName, cutFromCleanPass ? await correct : undefined);
      let output;
      try {
        output = await executor.run(task);
      } catch (err) {
        if (err instanceof WorkerExitError) {
          await boss.fail(queueName(phase), job.id, { message: err.message });
          throw err;
        }
        if (!(err instanceof UserError)) process.stderr.write(`robustscope: unit ${unit.id} failed: ${err instanceof Error ? err.stack : messageOf(err)}\n`);
        return fail(job, phase, messageOf(err));
      }
      const { marker, rows } = stampOutput(unit, output);
      if (await commitUnitJob(store, boss, job, phase, marker, rows, me)) {
        counts.computed++;
        options.onUnit?.(marker);
      } else {
        counts.alreadyDone++;
      }
    };

    let stopped: { error: unknown } | undefined;
    const lane = async () => {
      while (!stopped) {
        const claimed = await claim(boss);
        if (!claimed) {
          if (await allFinished(boss)) {
            if (!options.wait) return;
            options.onIdle?.();
          }
          await sleep(options.pollMs ?? 2000);
          continue;
        }
        const { job, phase } = claimed;
        active.set(job.id, phase);
        try {
          const unit = byId.get(job.data.unit);
          if (unit) await runJob(job, phase, unit);
          else await fail(job, phase, `not a unit of the study's plan (was the queue filled by another config?)`);
        } catch (error) {
          stopped ??= { error };
        } finally {
          active.delete(job.id);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: executor.slots }, lane));
    } finally {
      process.off('SIGINT', handBack).off('SIGTERM', handBack);
      await executor.close();
      await stopQueue(boss);
    }
    if (stopped) throw stopped.error;
    return { store: store.location, host: me.host, ...counts, elapsedMs: performance.now() - started };
  } finally {
    await store.close();
  }
}

/**
 * The next unit this worker may take: from the first phase with units waiting, provided no earlier phase
 * has units left (waiting, retrying or running elsewhere), since a phase reads the rows of those before it.
 */
export async function claim(boss: PgBoss): Promise<{ job: PgBoss.Job<UnitJob>; phase: Phase } | undefined> {
  for (const phase of PHASES) {
    const [job] = await boss.fetch<UnitJob>(queueName(phase));
    if (job) return { job, phase };
    if ((await unfinishedJobs(boss, phase)) > 0) return undefined;
  }
  return undefined;
}

async function allFinished(boss: PgBoss): Promise<boolean> {
  for (const phase of PHASES) if ((await unfinishedJobs(boss, phase)) > 0) return false;
  return true;
}
