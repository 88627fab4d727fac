import { loadExamples } from '../../data/dataset.js';
import { argmax, topK } from '../../runtime/logits.js';
import type { UnitContext } from './unit-context.js';
import type { CleanUnit } from '../plan/plan.js';
import type { CleanRow, ItemRow } from '../../records/records.js';
import type { Unstamped } from './tasks.js';

/** The clean pass of one shard: every sampled example classified once (STUDY.md: clean accuracy first). */
export async function runCleanUnit(ctx: UnitContext, unit: CleanUnit, items: readonly ItemRow[]): Promise<Unstamped<CleanRow>[]> {
  const model = await ctx.model(unit.model);
  const { classifier } = model;
  const x = await loadExamples(ctx.dataset, items.map((i) => i.index), classifier.inputShape, classifier.manifest.resize);
  const logits = await classifier.logits(x, items.length);
  const k = classifier.numClasses;
  return items.map((item, row) => {
    const label = ctx.label(model, item.index);
    const predicted = argmax(logits, k, row);
    return {
      modelSha256: classifier.sha256,
      itemId: item.itemId,
      method: 'clean',
      settings: unit.settings,
      seed: ctx.config.seed,
      label,
      // null: the logits were NaN or Inf (runtime/logits.ts), stored as such and never counted correct.
      predicted,
      correct: predicted === label,
      inTop5: topK(logits, k, row, 5).includes(label),
    };
  });
}
