import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { canonicalJson } from '../../records/canonical-json.js';
import { UserError } from '../../core/errors.js';
import type { OnnxClassifier } from '../../runtime/onnx-classifier.js';
import { configDiff } from '../config/config-diff.js';
import { parseStudyConfig, type StudyConfig, type StudyConfigInput } from '../config/config-schema.js';
import { inProcessExecutor, workerPool } from './executor.js';
import { checkTransferModels, describeModel, loadStudyModel } from './study-models.js';
import { HELD_OUT_META, planUnits, type Unit } from '../plan/plan.js';
import { preflight } from '../plan/preflight.js';
import { PHASES, type ItemRow, type ModelRow, type UnitRow } from '../../records/records.js';
import { eligibleItems } from '../plan/sampling.js';
import { ProgressTracker, writeProgress, type StudyStatus } from '../store/status.js';
import { StudyStore, type UnitRows } from '../store/store.js';
import type { UnitOutput, UnitTask, Unstamped } from './tasks.js';
import { transferInputs } from './transfer-units.js';
import { TOOL_VERSION } from '../../records/version.js';

export const DEFAULT_OUT = 'study';

export interface StudyProgress {
  /** Units this run computes (those not already stored), and how many of them are done. */
  total: number;
  done: number;
  /** The unit just stored; absent in the first call, made before any work. */
  unit?: Pick<UnitRow, 'id' | 'phase' | 'model' | 'method' | 'shard' | 'rows' | 'timeMs'>;
  elapsedMs: number;
  /** Remaining time at this run's average pace so far; null before the first unit. */
  etaMs: number | null;
}

export interface RunStudyOptions {
  /** Output folder; default the config's `out`, else `./study`. */
  out?: string;
  /** Worker processes; default 1 (units then run in this process). Results do not depend on it. */
  jobs?: number;
  onProgress?: (progress: StudyProgress) => void;
}

export interface RunStudyResult {
  out: string;
  /** Units computed by this run, and units found already stored. */
  computed: number;
  skipped: number;
  elapsedMs: number;
  status: StudyStatus;
}

/**
 * Runs a study into its output folder, resuming whatever an earlier run of the same config stored:
 * checks the config against the file system, loads every model once (its sha256 and size go to the
 * store), plans the work units and runs those not yet done, phase by phase (clean, attacks, CLEVER,
 * transfer), storing each unit's rows with its done-marker in one transaction.
 */
export async function runStudy(input: StudyConfigInput | StudyConfig, options: RunStudyOptions = {}): Promise<RunStudyResult> {
  const started = performance.now();
  const config = parseStudyConfig(input, 'study config');
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(`jobs must be a positive integer, got ${jobs}`);
  const out = resolve(options.out ?? config.out ?? DEFAULT_OUT);
  const { items, heldOut } = await preflight(config);
  const models = await describeModels(config);

  const store = StudyStore.open(out, { create: true });
  try {
    recordConfig(store, config);
    recordItems(store, items);
    recordHeldOut(store, heldOut);
    recordModels(store, models);
    const plan = planUnits(config, { sample: items.length, heldOut });
    const stored = store.units();
    const done = new Set(stored.map((u) => u.id));
    const pending = plan.filter((u) => !done.has(u.id));
    const tracker = new ProgressTracker(out, plan, stored);
    const report = progressReporter(pending.length, started, options.onProgress);
    writeProgress(tracker.status(true));
    report(undefined);

    const executor = jobs > 1 ? workerPool(config, jobs, Math.max(1, Math.floor(availableParallelism() / jobs))) : await inProcessExecutor(config);
    try {
      const byName = new Map(models.map((m) => [m.name, m]));
      for (const phase of PHASES) {
        const queue = pending.filter((u) => u.phase === phase);
        if (queue.length === 0) continue;
        // Attack and CLEVER units are cut from the clean pass, which is complete by now.
        const eligible = phase === 'clean' ? undefined : eligibleByModel(config, items, correctItems(store, models));
        await inLanes(executor.slots, queue, async (unit) => {
          const output = await executor.run(buildTask(store, unit, items, byName, eligible));
          const row = commit(store, unit, output);
          tracker.add(row);
          writeProgress(tracker.status(true));
          report(row);
        });
      }
    } finally {
      await executor.close();
    }
    const status = tracker.status(false);
    writeProgress(status);
    return { out, computed: pending.length, skipped: plan.length - pending.length, elapsedMs: performance.now() - started, status };
  } finally {
    store.close();
  }
}

/** Every model loaded once, before anything is written: a model that does not load stops the study here. */
async function describeModels(config: StudyConfig): Promise<Unstamped<ModelRow>[]> {
  const classifiers = new Map<string, OnnxClassifier>();
  try {
    const rows: Unstamped<ModelRow>[] = [];
    for (const entry of config.models) {
      const classifier = await loadStudyModel(entry);
      classifiers.set(entry.name, classifier);
      rows.push(await describeModel(entry, classifier));
    }
    checkTransferModels(config, classifiers);
    const sha = rows.map((r) => r.sha256);
    sha.forEach((s, i) => {
      const first = sha.indexOf(s);
      if (first !== i) throw new UserError(`models ${rows[first]!.name} and ${rows[i]!.name} are the same model (sha256 ${s}); list it once`);
    });
    return rows;
  } finally {
    for (const c of classifiers.values()) await c.dispose();
  }
}

/** The folder's config, stored by the first run; a later run must bring the same one. */
function recordConfig(store: StudyStore, config: StudyConfig): void {
  // The output folder is where the study is, not what it is.
  const canonical = canonicalJson({ ...config, out: undefined });
  const stored = store.meta('config');
  if (stored === undefined) {
    store.putMeta({ config: canonical, toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() });
    return;
  }
  if (stored !== canonical) {
    const diff = configDiff(JSON.parse(stored), JSON.parse(canonical));
    throw new UserError(
      `${store.dir} holds a study with another config; a resumed run must use the same one. Differences (stored -> given):\n  ${diff.join('\n  ')}\n` +
        'Run the original config to finish it, or give another --out folder for the new one.',
    );
  }
  const version = store.meta('toolVersion');
  if (version !== TOOL_VERSION) {
    throw new UserError(`${store.dir} was started with robustscope ${version}, this is ${TOOL_VERSION}: finish it with ${version}, or give another --out folder`);
  }
}

/** The sample depends only on the config and the dataset: a difference means the dataset changed. */
function recordItems(store: StudyStore, items: readonly ItemRow[]): void {
  const stored = store.items();
  if (stored.length === 0) {
    store.putItems(items);
    return;
  }
  const differs = items.findIndex((item, i) => stored[i]?.itemId !== item.itemId || stored[i]?.index !== item.index);
  if (stored.length !== items.length || differs >= 0) {
    throw new UserError(`the dataset's sample differs from the one ${store.dir} was started with (position ${differs >= 0 ? differs : Math.min(stored.length, items.length)}): has the dataset changed?`);
  }
}

/** The held-out evaluation's size, like the sample, depends only on the config and the dataset. */
function recordHeldOut(store: StudyStore, size: number): void {
  const stored = store.meta(HELD_OUT_META);
  if (stored === undefined) store.putMeta({ [HELD_OUT_META]: String(size) });
  else if (Number(stored) !== size) throw new UserError(`the held-out evaluation has ${size} images, ${store.dir} was started with ${stored}: has the dataset changed?`);
}

function recordModels(store: StudyStore, models: readonly Unstamped<ModelRow>[]): void {
  const stored = new Map(store.models().map((m) => [m.name, m]));
  for (const m of models) {
    const before = stored.get(m.name);
    if (before && before.sha256 !== m.sha256) {
      throw new UserError(`${m.name} changed since ${store.dir} was started (sha256 ${before.sha256} -> ${m.sha256}); restore the original file, or give another --out folder`);
    }
  }
  const stamp = { toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() };
  store.putModels(models.filter((m) => !stored.has(m.name)).map((m) => ({ ...m, ...stamp })));
}

/** Per model name, the items its clean pass classified correctly. */
function correctItems(store: StudyStore, models: readonly Unstamped<ModelRow>[]): Map<string, Set<string>> {
  const nameOf = new Map(models.map((m) => [m.sha256, m.name]));
  const correct = new Map(models.map((m) => [m.name, new Set<string>()]));
  for (const row of store.cleanRows()) if (row.correct) correct.get(nameOf.get(row.modelSha256)!)?.add(row.itemId);
  return correct;
}

/** Per model, the sampled items the sampling policy keeps for it, in sample order: attack shards are ranges of these. */
function eligibleByModel(config: StudyConfig, items: readonly ItemRow[], correct: ReadonlyMap<string, ReadonlySet<string>>): Map<string, ItemRow[]> {
  return new Map(config.models.map(({ name }) => {
    const eligible = eligibleItems(config.dataset.sampling, name, correct);
    return [name, items.filter((i) => eligible.has(i.itemId))];
  }));
}

function buildTask(
  store: StudyStore,
  unit: Unit,
  items: readonly ItemRow[],
  models: ReadonlyMap<string, Unstamped<ModelRow>>,
  eligible: ReadonlyMap<string, readonly ItemRow[]> | undefined,
): UnitTask {
  switch (unit.phase) {
    case 'clean':
      return { unit, items: items.slice(unit.start, unit.end) };
    case 'accuracy':
      return { unit, items: [] };
    case 'attack':
    case 'clever':
      return { unit, items: eligible!.get(unit.model)!.slice(unit.start, unit.end) };
    case 'transfer': {
      const shard = items.slice(unit.start, unit.end);
      return { unit, items: shard, transfer: transferInputs(store, unit, shard, models) };
    }
  }
}

function commit(store: StudyStore, unit: Unit, output: UnitOutput): UnitRow {
  const stamp = { toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() };
  const row: UnitRow = { id: unit.id, phase: unit.phase, model: unit.model, method: unit.method, settings: unit.settings, shard: unit.shard, rows: output.rows.length, timeMs: output.timeMs, ...stamp };
  store.commitUnit(row, { phase: output.phase, rows: output.rows.map((r) => ({ ...r, ...stamp })) } as UnitRows);
  return row;
}

function progressReporter(total: number, started: number, onProgress: RunStudyOptions['onProgress']): (unit: UnitRow | undefined) => void {
  let done = 0;
  // The pace is measured over units only, not over loading the models.
  const first = performance.now();
  return (unit) => {
    if (unit) done++;
    const now = performance.now();
    onProgress?.({
      total,
      done,
      ...(unit ? { unit: { id: unit.id, phase: unit.phase, model: unit.model, method: unit.method, shard: unit.shard, rows: unit.rows, timeMs: unit.timeMs } } : {}),
      elapsedMs: now - started,
      etaMs: done > 0 ? ((now - first) / done) * (total - done) : null,
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

