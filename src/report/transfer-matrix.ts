import { addCounts, countOutcome, emptyTransferCounts, type TransferCounts } from '../analysis/transfer-counts.js';
import type { TransferRow } from '../records/records.js';
import type { Tagged } from './tagged.js';
import type { Setting } from './settings.js';
import type { StudyModel, StudyModels } from './study-models.js';

export interface TransferMatrix {
  setting: Setting;
  /** Every model that is a source or a target in this setting, in report order (grouped by family). */
  models: StudyModel[];
  /** Keyed by cellKey(source sha256, target sha256); off-diagonal pairs with rows only. */
  cells: Map<string, TransferCounts>;
  totals: TransferCounts;
  /** Rows whose source and target are the same model: white-box, not transfer, so left out of the matrix. */
  sameModelRows: number;
}

export const cellKey = (source: string, target: string): string => `${source} ${target}`;

/** One matrix per source setting: rows are source models, columns target models (TransferRow.modelSha256). */
export function transferMatrices(rows: readonly Tagged<TransferRow>[], models: StudyModels): TransferMatrix[] {
  const groups = new Map<string, { setting: Setting; cells: Map<string, TransferCounts>; shas: Set<string>; sameModelRows: number }>();
  for (const { row, setting } of rows) {
    const g = groups.get(setting.key) ?? { setting, cells: new Map(), shas: new Set(), sameModelRows: 0 };
    groups.set(setting.key, g);
    g.shas.add(row.sourceSha256).add(row.modelSha256);
    if (row.sourceSha256 === row.modelSha256) {
      g.sameModelRows++;
      continue;
    }
    const key = cellKey(row.sourceSha256, row.modelSha256);
    const counts = g.cells.get(key) ?? emptyTransferCounts();
    countOutcome(counts, row.outcome);
    g.cells.set(key, counts);
  }
  return [...groups.values()].map(({ setting, cells, shas, sameModelRows }) => {
    const totals = emptyTransferCounts();
    for (const c of cells.values()) addCounts(totals, c);
    return { setting, models: models.ordered.filter((m) => shas.has(m.sha256)), cells, totals, sameModelRows };
  });
}
