import { evaluateTransfer } from '../../metrics/transfer.js';
import type { UnitContext } from './unit-context.js';
import type { TransferUnit } from '../plan/plan.js';
import type { ItemRow, ModelRow, TransferRow } from '../../records/records.js';
import type { StudyStore } from '../store/study-store.js';
import type { UnitTask, Unstamped } from './tasks.js';

/**
 * Transferability over the study's model pairs: the source models' stored attack rows of one setting and
 * shard, evaluated on one target model by the transfer metric (src/metrics/transfer.ts), which defines
 * the outcomes and adapts image sizes. Every source attempt gets a row, so both exclusions (a failed
 * source attack, an example the target model gets wrong even clean) are counted, never dropped.
 */

/** What the unit needs from the store: the target's clean rows and each source's attack rows with images. */
export async function transferInputs(
  store: StudyStore,
  unit: TransferUnit,
  items: readonly ItemRow[],
  models: ReadonlyMap<string, Pick<ModelRow, 'sha256' | 'inputShape'>>,
): Promise<NonNullable<UnitTask['transfer']>> {
  const itemIds = items.map((i) => i.itemId);
  const wanted = new Set(itemIds);
  const target = models.get(unit.model)!;
  return {
    targetSha256: target.sha256,
    targetClean: (await store.cleanRows({ modelSha256: target.sha256 })).filter((r) => wanted.has(r.itemId)),
    sources: await Promise.all(unit.sources.map(async (name) => {
      const { sha256, inputShape } = models.get(name)!;
      return { model: name, sha256, inputShape, rows: await store.attackRows({ modelSha256: sha256, method: unit.method, settings: unit.settings, itemIds, images: true }) };
    })),
  };
}

export async function runTransferUnit(ctx: UnitContext, unit: TransferUnit, inputs: NonNullable<UnitTask['transfer']>): Promise<Unstamped<TransferRow>[]> {
  const clean = new Map(inputs.targetClean.map((r) => [r.itemId, r]));
  const { classifier } = await ctx.model(unit.model);
  const targeted = unit.setting.targetKind !== 'untargeted';
  const rows: Unstamped<TransferRow>[] = [];
  for (const source of inputs.sources) {
    // A source that attacked none of the shard's examples (they were not among its correctly classified ones).
    if (source.rows.length === 0) continue;
    const attempts = source.rows.map((attack) => {
      const targetClean = clean.get(attack.itemId);
      if (!targetClean) throw new Error(`no clean row of ${unit.model} for ${attack.itemId}`);
      return { adversarial: attack.status === 'success' ? attack.adversarial : null, label: targetClean.label, target: attack.target, targetCleanCorrect: targetClean.correct };
    });
    const { results, adaptation } = await evaluateTransfer(classifier, attempts, source.inputShape, targeted);
    results.forEach((result, i) => {
      const attack = source.rows[i]!;
      rows.push({
        modelSha256: inputs.targetSha256,
        itemId: attack.itemId,
        method: 'transfer',
        settings: unit.settings,
        seed: ctx.config.seed,
        sourceMethod: unit.method,
        sourceSha256: source.sha256,
        targetKind: unit.setting.targetKind,
        label: attempts[i]!.label,
        target: attack.target,
        ...result,
        adaptation,
      });
    });
  }
  return rows;
}
