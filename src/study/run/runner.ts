import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { UserError } from '../../core/errors.js';
import { parseStudyConfig, type StudyConfig, type StudyConfigInput } from '../config/config-schema.js';
import { inProcessExecutor, workerPool } from './executor.js';
import { countByPhase, planUnits } from '../plan/plan.js';
import { preflight } from '../plan/preflight.js';
import { submitStudy } from '../queue/submit.js';
import { runQueueWorker } from '../queue/queue-worker.js';
import { PHASES, type Phase, type UnitRow } from '../../records/records.js';
import { emptyPaces, estimateRemaining } from '../store/eta.js';
import { describeModels, recordStudy } from './record-study.js';
import { ProgressTracker, studyStatus, writeProgress, type StudyStatus } from '../store/status.js';
import { isPostgresUrl } from '../store/postgres-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { buildTask, correctItems, runOrFail, stampOutput } from './unit-io.js';

export const DEFAULT_OUT = 'study';

export interface StudyProgress {
  /** Units this run computes (those not already stored), and how many of them are done. */
  total: number;
  done: number;
  /** The unit just stored; absent in the first call, made before any work. */
  unit?: Pick<UnitRow, 'id' | 'phase' | 'model' | 'method' | 'shard' | 'rows' | 'timeMs'>;
  elapsedMs: number;
  /** Remaining time at each phase's pace in this run so far (estimateRemaining); null before the first unit. */
  etaMs: number | null;
  /** Phases with units left of which this run finished none yet: etaMs leaves them out. */
  etaExcludes: Phase[];
}

export interface RunStudyOptions {
  /** Output folder of the SQLite store (and of the report); default the config's `out`, else `./study`. */
  out?: string;
  /**
   * A `postgres://` URL: the study is submitted to that database's queue and worked on by this machine
   * (with any other workers pointed at it) instead of running into the folder's SQLite store.
   */
  store?: string;
  /** Worker processes; default 1 (units then run in this process). Results do not depend on it. */
  jobs?: number;
  onProgress?: (progress: StudyProgress) => void;
  /** Told of a damaged store repaired on open, and of each unit the model failed (stored as failed). */
  onWarning?: (message: string) => void;
}

export interface RunStudyResult {
  /** Where the results are: the output folder, or the database URL (without its password). */
  store: string;
  /** Units computed by this run, and units found already stored. */
  computed: number;
  skipped: number;
  elapsedMs: number;
  status: StudyStatus;
}

/**
 * Runs a study into its store, resuming whatever an earlier run of the same config stored: checks the
 * config against the file system, loads every model once (its sha256 and size go to the store), plans
 * the work units and runs those not yet done, phase by phase (clean, attacks, CLEVER, transfer), storing
 * each unit's rows with its done-marker in one transaction.
 */
export async function runStudy(input: StudyConfigInput | StudyConfig, options: RunStudyOptions = {}): Promise<RunStudyResult> {
  const config = parseStudyConfig(input, 'study config');
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(`jobs must be a positive integer, got ${jobs}`);
  if (options.store !== undefined && isPostgresUrl(options.store)) return runOnQueue(config, options.store, jobs, options.onProgress);
  return runLocally(config, resolve(options.store ?? options.out ?? config.out ?? DEFAULT_OUT), jobs, options.onProgress, options.onWarning);
}

async function runLocally(config: StudyConfig, out: string, jobs: number, onProgress: RunStudyOptions['onProgress'], onWarning: RunStudyOptions['onWarning']): Promise<RunStudyResult> {
  const started = performance.now();
  const { items, heldOut } = await preflight(config);
  const models = await describeModels(config);

  const store = SqliteStore.open(out, { create: true });
  try {
    const { units: damaged, orphanRows } = store.repaired;
    if (damaged.length > 0 || orphanRows > 0) {
      onWarning?.(`${store.path}: repaired a damaged store: ${damaged.length} unit(s) marked done had lost rows and ${orphanRows} row(s) belonged to no done unit; those units run again`);
    }
    await recordStudy(store, config, { items, heldOut }, models);
    const plan = planUnits(config, { sample: items.length, heldOut });
    const stored = await store.units();
    const done = new Set(stored.map((u) => u.id));
    const pending = plan.filter((u) => !done.has(u.id));
    const tracker = new ProgressTracker(out, plan, stored);
    const report = progressReporter(countByPhase(pending), started, onProgress);
    writeProgress(tracker.status(true));
    report(undefined);

    const executor = jobs > 1 ? workerPool(config, jobs, Math.max(1, Math.floor(availableParallelism() / jobs))) : await inProcessExecutor(config);
    try {
      const byName = new Map(models.map((m) => [m.name, m]));
      for (const phase of PHASES) {
        const queue = pending.filter((u) => u.phase === phase);
        if (queue.length === 0) continue;
        // Attack and CLEVER units are cut from the clean pass, which is complete by now.
        const correct = phase === 'clean' ? undefined : await correctItems(store, models);
        await inLanes(executor.slots, queue, async (unit) => {
          const task = await buildTask(store, config, unit, items, byName, correct);
          tracker.start();
          const { output, failure } = await runOrFail((t) => executor.run(t), task);
          const { marker, rows } = stampOutput(unit, output, failure);
          await store.commitUnit(marker, rows);
          if (failure !== null) onWarning?.(`${unit.model}: ${unit.phase} unit ${unit.method} shard ${unit.shard} failed (stored as failed, the study goes on): ${failure}`);
          tracker.add(marker);
          writeProgress(tracker.status(true));
          report(marker);
        });
      }
    } finally {
      await executor.close();
    }
    const status = tracker.status(false);
    writeProgress(status);
    return { store: out, computed: pending.length, skipped: plan.length - pending.length, elapsedMs: performance.now() - started, status };
  } finally {
    await store.close();
  }
}

/** `study run --store postgres://...`: submit (a no-op if already submitted), work until none is left. */
async function runOnQueue(config: StudyConfig, url: string, jobs: number, onProgress: RunStudyOptions['onProgress']): Promise<RunStudyResult> {
  const started = performance.now();
  const submitted = await submitStudy(config, url);
  const report = progressReporter(submitted.queuedByPhase, started, onProgress);
  report(undefined);
  const worked = await runQueueWorker(url, { jobs, onUnit: (row) => report(row) });
  const status = await studyStatus(url);
  return { store: submitted.store, computed: worked.computed, skipped: submitted.done, elapsedMs: performance.now() - started, status };
}

function progressReporter(unfinished: Record<Phase, number>, started: number, onProgress: RunStudyOptions['onProgress']): (unit: UnitRow | undefined) => void {
  const paces = emptyPaces();
  for (const p of PHASES) paces[p].unfinished = unfinished[p];
  const total = PHASES.reduce((sum, p) => sum + unfinished[p], 0);
  let done = 0;
  // The pace is measured over units only, not over loading the models.
  const first = performance.now();
  return (unit) => {
    if (unit) {
      done++;
      paces[unit.phase].unfinished--;
      paces[unit.phase].finished++;
      paces[unit.phase].finishedMs += unit.timeMs;
    }
    const now = performance.now();
    const { etaMs, untimed } = estimateRemaining(paces, now - first);
    onProgress?.({
      total,
      done,
      ...(unit ? { unit: { id: unit.id, phase: unit.phase, model: unit.model, method: unit.method, shard: unit.shard, rows: unit.rows, timeMs: unit.timeMs } } : {}),
      elapsedMs: now - started,
      etaMs,
      etaExcludes: untimed,
    });
  };
}

/** Runs `work` over the queue with `lanes` at a time; after a failure no new item starts, and it is rethrown. */
async function inLanes<T>(lanes: number, queue: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(lanes, queue.length) }, async () => {
      while (!failure && next < queue.length) {
        const item = queue[next++]!;
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
}
