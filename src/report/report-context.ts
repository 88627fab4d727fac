import type { AttackRow, BudgetRow, CleanRow, CleverRow, TransferRow, UnitRow } from '../records/records.js';
import type { AttackSummary } from './attack-summary.js';
import type { CleverSummary } from './clever-summary.js';
import type { Section } from './section.js';
import type { SettingCatalog } from './settings.js';
import type { Tagged } from './tagged.js';
import type { StudyModels } from './study-models.js';
import type { Table } from './table.js';
import type { TransferMatrix } from './transfer-matrix.js';

/** What the sections are built from: the stored rows, indexed and summarised once. */
export interface ReportContext {
  title: string;
  toolVersion: string;
  config: unknown;
  /** `budget`: the budget check's re-runs, apart from the attack rows, which they never join. */
  rows: { clean: readonly CleanRow[]; attacks: Tagged<AttackRow>[]; clever: Tagged<CleverRow>[]; transfer: Tagged<TransferRow>[]; budget: readonly BudgetRow[] };
  models: StudyModels;
  settings: SettingCatalog;
  attacks: AttackSummary[];
  clever: CleverSummary[];
  transfer: TransferMatrix[];
  /** Units the model failed (NaN or Inf where finite values were needed), with the reason. */
  failedUnits: readonly Pick<UnitRow, 'model' | 'phase' | 'method' | 'settings' | 'shard' | 'failure'>[];
  /** Seeds the bootstrap of the scaling-law intervals, so a report is a pure function of the store. */
  bootstrapSeed: number;
}

export interface SectionOutput {
  section: Section;
  /** Every table of the section, exported as CSV and JSON, including any too long to show on the page. */
  tables: Table[];
}
