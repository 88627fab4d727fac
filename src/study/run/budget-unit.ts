import type { UnitContext } from './unit-context.js';
import type { BudgetUnit } from '../plan/plan.js';
import type { BudgetRow, ItemRow } from '../../records/records.js';
import { attackItems } from './attack-unit.js';
import type { Unstamped } from './tasks.js';

/**
 * The budget check of one attack setting on one shard of its seeded subsample: the examples attacked again
 * at the larger budget, exactly as an attack unit would (same seed, same per-example streams), so the
 * report can compare each row with the base setting's row of the same example.
 */
export async function runBudgetUnit(ctx: UnitContext, unit: BudgetUnit, items: readonly ItemRow[]): Promise<Unstamped<BudgetRow>[]> {
  const { base, factor, params, settings } = unit.setting;
  const rows = await attackItems(ctx, unit.model, { method: base.method, params, targetKind: base.targetKind, settings, keepImages: false }, items);
  return rows.map(({ adversarial: _image, ...row }) => ({ ...row, baseSettings: base.settings, factor }));
}
