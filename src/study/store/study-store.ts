import type { AccuracyRow, AttackRow, BudgetRow, CleanRow, CleverRow, ItemRow, ModelRow, Phase, TransferRow, UnitRow } from '../../records/records.js';
import type { UnitRows } from './schema.js';

export type { UnitRows } from './schema.js';

export interface AttackRowFilter {
  modelSha256?: string;
  method?: string;
  settings?: string;
  itemIds?: readonly string[];
  /** Load the adversarial images too (default false: they are large). */
  images?: boolean;
}

/**
 * Where a study's results live, whatever the engine: the embedded SQLite file of an output folder, or a
 * PostgreSQL database that workers on many machines share. The runner, the queue's workers, status and
 * the report read and write only through this. Both engines keep the same tables (schema.ts) and the same
 * rule: a unit's rows and its done-marker are committed in one transaction, so a unit is either wholly
 * stored or not at all. Reads return rows in the order they were stored.
 */
export interface StudyStore {
  /** The folder or the database URL (without its password), for messages. */
  readonly location: string;
  meta(key: string): Promise<string | undefined>;
  /** Sets several keys in one transaction (a run's config goes in with its tool version, or not at all). */
  putMeta(values: Readonly<Record<string, string>>): Promise<void>;
  items(): Promise<ItemRow[]>;
  /** The models in config order, with their clean top-1 accuracy on the sample once the clean pass has run. */
  models(): Promise<ModelRow[]>;
  units(): Promise<UnitRow[]>;
  cleanRows(filter?: { modelSha256?: string }): Promise<CleanRow[]>;
  /** Held-out accuracy counts, one row per model and shard of the evaluation split. */
  accuracyRows(filter?: { modelSha256?: string }): Promise<AccuracyRow[]>;
  attackRows(filter?: AttackRowFilter): Promise<AttackRow[]>;
  cleverRows(filter?: { modelSha256?: string }): Promise<CleverRow[]>;
  /** The budget check's re-runs at a larger budget (never among attackRows). */
  budgetRows(filter?: { modelSha256?: string }): Promise<BudgetRow[]>;
  transferRows(filter?: { modelSha256?: string; sourceSha256?: string }): Promise<TransferRow[]>;
  /** Rows per evidence table. */
  rowCounts(): Promise<Record<Phase, number>>;
  putItems(items: readonly ItemRow[]): Promise<void>;
  putModels(models: readonly ModelRow[]): Promise<void>;
  /**
   * A unit's rows and its done-marker, in one transaction. Returns false, storing nothing, when the unit
   * is already stored (another worker finished it first: its rows are the same, as units are seeded).
   */
  commitUnit(unit: UnitRow, result: UnitRows): Promise<boolean>;
  close(): Promise<void>;
}
