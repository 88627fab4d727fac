import type { StudyConfig } from '../config/config-schema.js';
import { PHASES, type Phase, type UnitRow } from '../../records/records.js';
import { attackSettings, budgetSettings, cleverSettings, transferSettings, type AttackSetting, type BudgetSetting } from './unit-settings.js';

/**
 * Work units: model x (held-out accuracy | attack setting | CLEVER | transfer setting | budget check of an
 * attack setting) x shard. A shard is
 * a fixed range, whatever the clean pass finds, so the plan is a function of the config and two sizes
 * alone: a resumed run (and `study status`) plans the same units and skips the ones whose done-marker is
 * stored. Clean and transfer shards are ranges of sample positions; held-out shards, ranges of dataset
 * indices; attack and CLEVER shards, ranges of ranks among the examples the sampling policy keeps for the
 * model (its 1st to 8th correctly classified example, say), which are found when the unit runs, from the
 * stored clean rows.
 */
/** A unit carries the identity its done-marker (UnitRow) is stored under: id, phase, model, method, settings, shard. */
interface UnitBase extends Pick<UnitRow, 'id' | 'phase' | 'model' | 'method' | 'settings' | 'shard'> {
  /** Sample positions, dataset indices or eligible ranks [start, end), by phase. */
  start: number;
  end: number;
}

export interface CleanUnit extends UnitBase {
  phase: 'clean';
}

/** Held-out accuracy: dataset indices [start, end) classified once. */
export interface AccuracyUnit extends UnitBase {
  phase: 'accuracy';
}

export interface AttackUnit extends UnitBase {
  phase: 'attack';
  setting: AttackSetting;
}

export interface CleverUnit extends UnitBase {
  phase: 'clever';
}

/** The images of every source model for one setting and shard, evaluated on one target model. */
export interface TransferUnit extends UnitBase {
  phase: 'transfer';
  setting: AttackSetting;
  sources: string[];
}

/**
 * The budget check of one attack setting on one model: ranks [start, end) of its seeded subsample, drawn
 * among the first `attacked` examples the sampling policy keeps for the model (those the setting attacked).
 */
export interface BudgetUnit extends UnitBase {
  phase: 'budget';
  setting: BudgetSetting;
  attacked: number;
}

export type Unit = CleanUnit | AccuracyUnit | AttackUnit | CleverUnit | TransferUnit | BudgetUnit;

export const CLEAN_SETTINGS = '{}';

/** Images per held-out accuracy unit: classification alone is fast, so units are larger than attack shards. */
export const HELD_OUT_SHARD = 1000;

export interface PlanSizes {
  /** Examples drawn (ItemRows). */
  sample: number;
  /** Dataset images the held-out accuracy is measured on. */
  heldOut: number;
}

/** The store's meta key of the held-out evaluation's size, which `study status` plans with. */
export const HELD_OUT_META = 'heldOutSize';

/** The held-out evaluation's size: the config's, capped by the dataset. */
export function heldOutSize(config: StudyConfig, datasetSize: number): number {
  return config.dataset.heldOut === 'all' ? datasetSize : Math.min(config.dataset.heldOut, datasetSize);
}

/** What planning reads from a study store: the sample drawn and the held-out size recorded at the first run. */
export interface PlannedStore {
  items(): Promise<readonly unknown[]>;
  meta(key: string): Promise<string | undefined>;
}

/** The units of a study whose sample is already stored (status, the queue's submit and workers). */
export async function plannedUnits(config: StudyConfig, store: PlannedStore): Promise<Unit[]> {
  return planUnits(config, { sample: (await store.items()).length, heldOut: Number((await store.meta(HELD_OUT_META)) ?? 0) });
}

/**
 * Phases run in this order: attacks need the clean pass, transfer needs the attacks it transfers; the
 * budget check comes last (its rows are only compared with the attacks' in the report).
 */
export function planUnits(config: StudyConfig, sizes: PlanSizes): Unit[] {
  const models = config.models.map((m) => m.name);
  const sampleSize = sizes.sample;
  const ranges = (end: number, size: number) =>
    Array.from({ length: Math.ceil(end / size) }, (_, shard) => ({ shard, start: shard * size, end: Math.min(end, (shard + 1) * size) }));
  const shards = (limit: number | undefined) => ranges(Math.min(limit ?? sampleSize, sampleSize), config.shardSize);
  // Attack and CLEVER units count eligible examples: at most the sample, and at most `dataset.attacked`.
  const attackedCount = (count: number | undefined) => Math.min(sampleSize, ...[count, config.dataset.attacked].filter((c): c is number => c !== undefined));
  const attacked = (count: number | undefined) => shards(attackedCount(count));
  const unit = <U extends Unit>(fields: Omit<U, 'id'>): U =>
    ({ id: JSON.stringify([fields.phase, fields.model, fields.method, fields.settings, fields.shard]), ...fields }) as U;

  const units: Unit[] = [];
  for (const model of models) {
    for (const s of shards(undefined)) units.push(unit<CleanUnit>({ phase: 'clean', model, method: 'clean', settings: CLEAN_SETTINGS, ...s }));
  }
  for (const model of models) {
    for (const s of ranges(sizes.heldOut, HELD_OUT_SHARD)) units.push(unit<AccuracyUnit>({ phase: 'accuracy', model, method: 'accuracy', settings: CLEAN_SETTINGS, ...s }));
  }
  const settings = attackSettings(config);
  for (const model of models) {
    for (const setting of settings) {
      for (const s of attacked(setting.limit)) {
        units.push(unit<AttackUnit>({ phase: 'attack', model, method: setting.method, settings: setting.settings, setting, ...s }));
      }
    }
  }
  if (config.clever) {
    const settings = cleverSettings(config.clever);
    for (const model of models) {
      for (const s of attacked(config.clever.count)) units.push(unit<CleverUnit>({ phase: 'clever', model, method: 'clever', settings, ...s }));
    }
  }
  if (config.transfer) {
    const among = config.transfer.models ?? models;
    for (const model of among) {
      for (const setting of transferSettings(config)) {
        // Sources attacked different examples (each its own correctly classified ones): every sample position is covered.
        for (const s of shards(undefined)) {
          units.push(unit<TransferUnit>({
            phase: 'transfer', model, method: setting.method, settings: setting.settings, setting, sources: among.filter((m) => m !== model), ...s,
          }));
        }
      }
    }
  }
  if (config.budgetCheck) {
    const { count } = config.budgetCheck;
    for (const model of models) {
      for (const setting of budgetSettings(config)) {
        const attacked = attackedCount(setting.base.limit);
        for (const s of ranges(Math.min(count, attacked), config.shardSize)) {
          units.push(unit<BudgetUnit>({ phase: 'budget', model, method: setting.base.method, settings: setting.settings, setting, attacked, ...s }));
        }
      }
    }
  }
  return units;
}

/** How many of `units` each phase has. */
export function countByPhase(units: readonly Pick<Unit, 'phase'>[]): Record<Phase, number> {
  const counts = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  for (const u of units) counts[u.phase]++;
  return counts;
}
