import { NonFiniteError } from '../../core/errors.js';
import type { StudyConfig } from '../config/config-schema.js';
import type { Unit } from '../plan/plan.js';
import type { ItemRow, ModelRow, UnitRow } from '../../records/records.js';
import { eligibleItems } from '../plan/sampling.js';
import type { StudyStore, UnitRows } from '../store/study-store.js';
import type { UnitOutput, UnitTask } from './tasks.js';
import { transferInputs } from './transfer-units.js';
import { budgetSubsample } from '../../attacks/budget-check.js';
import { TOOL_VERSION } from '../../records/version.js';

/**
 * A unit's way into and out of the store, the same for `study run` and for the queue's workers: what it
 * reads before it runs (its task), and its rows stamped with their provenance for the commit.
 */

/** Per model name, the items its clean pass classified correctly. */
export async function correctItems(store: StudyStore, models: readonly Pick<ModelRow, 'name' | 'sha256'>[]): Promise<Map<string, Set<string>>> {
  const nameOf = new Map(models.map((m) => [m.sha256, m.name]));
  const correct = new Map(models.map((m) => [m.name, new Set<string>()]));
  for (const row of await store.cleanRows()) if (row.correct) correct.get(nameOf.get(row.modelSha256)!)?.add(row.itemId);
  return correct;
}

/**
 * Everything a unit needs from the store. Attack, CLEVER and budget units are cut from the clean pass
 * (`correct`, complete by the time they run); transfer units read the attack rows they transfer.
 */
export async function buildTask(
  store: StudyStore,
  config: StudyConfig,
  unit: Unit,
  items: readonly ItemRow[],
  models: ReadonlyMap<string, Pick<ModelRow, 'sha256' | 'inputShape'>>,
  correct: ReadonlyMap<string, ReadonlySet<string>> | undefined,
): Promise<UnitTask> {
  switch (unit.phase) {
    case 'clean':
      return { unit, items: items.slice(unit.start, unit.end) };
    case 'accuracy':
      return { unit, items: [] };
    case 'attack':
    case 'clever':
      // Shards are ranges of ranks among the model's eligible examples, so `dataset.attacked` counts examples attacked.
      return { unit, items: eligible(config, unit, items, correct).slice(unit.start, unit.end) };
    case 'budget': {
      // The subsample is drawn among the examples the setting attacked, as `attack --check-budget` draws it.
      const attacked = eligible(config, unit, items, correct).slice(0, unit.attacked);
      const chosen = budgetSubsample(config.seed, attacked.map((i) => i.itemId), config.budgetCheck!.count);
      return { unit, items: chosen.slice(unit.start, unit.end).map((e) => attacked[e]!) };
    }
    case 'transfer': {
      const shard = items.slice(unit.start, unit.end);
      return { unit, items: shard, transfer: await transferInputs(store, unit, shard, models) };
    }
  }
}

/** The items the sampling policy keeps for a unit's model, in sample order. */
function eligible(config: StudyConfig, unit: Unit, items: readonly ItemRow[], correct: ReadonlyMap<string, ReadonlySet<string>> | undefined): ItemRow[] {
  if (!correct) throw new Error(`${unit.id}: the clean pass's results are needed first`);
  const kept = eligibleItems(config.dataset.sampling, unit.model, correct);
  return items.filter((i) => kept.has(i.itemId));
}

/**
 * A unit's output, or, when its model produced NaN or Inf where the unit needs finite values, no rows and
 * the reason: such a unit is stored as failed (shown in status and report) instead of stopping the
 * study, and a resumed run does not retry it. Any other error is rethrown.
 */
export async function runOrFail(run: (task: UnitTask) => Promise<UnitOutput>, task: UnitTask): Promise<{ output: UnitOutput; failure: string | null }> {
  try {
    return { output: await run(task), failure: null };
  } catch (err) {
    if (!(err instanceof NonFiniteError)) throw err;
    return { output: { phase: task.unit.phase, rows: [], timeMs: 0 } as UnitOutput, failure: err.message };
  }
}

/** The done-marker and the rows of a computed unit, stamped with this tool version and the time. */
export function stampOutput(unit: Unit, output: UnitOutput, failure: string | null = null): { marker: UnitRow; rows: UnitRows } {
  const stamp = { toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() };
  const marker: UnitRow = { id: unit.id, phase: unit.phase, model: unit.model, method: unit.method, settings: unit.settings, shard: unit.shard, rows: output.rows.length, timeMs: output.timeMs, failure, ...stamp };
  return { marker, rows: { phase: output.phase, rows: output.rows.map((r) => ({ ...r, ...stamp })) } as UnitRows };
}
