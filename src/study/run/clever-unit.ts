import { parseLpNorm, pNotation } from '../../core/lp.js';
import { loadExamples } from '../../data/dataset.js';
import { clever } from '../../metrics/clever.js';
import type { UnitContext } from './unit-context.js';
import type { CleverUnit } from '../plan/plan.js';
import type { CleverRow, ItemRow } from '../../records/records.js';
import { cleverSettings } from '../plan/unit-settings.js';
import type { Unstamped } from './tasks.js';

/** CLEVER scores of one shard of a model's correctly classified examples, one row per target kind. */
export async function runCleverUnit(ctx: UnitContext, unit: CleverUnit, items: readonly ItemRow[]): Promise<Unstamped<CleverRow>[]> {
  const settings = ctx.config.clever;
  if (!settings) throw new Error('a CLEVER unit in a study without CLEVER settings');
  if (items.length === 0) return [];
  const model = await ctx.model(unit.model);
  const { classifier } = model;
  const x = await loadExamples(ctx.dataset, items.map((i) => i.index), classifier.inputShape, classifier.manifest.resize);
  const labels = items.map((i) => ctx.label(model, i.index));
  const { nb, ns, radius, targets } = settings;
  const norm = parseLpNorm(settings.norm)!;
  const results = await clever(classifier, x, items.length, labels, { norm, nb, ns, radius, targets, seed: ctx.config.seed, ids: items.map((i) => i.itemId) });
  return results.flatMap((result, e) =>
    targets.map((targetKind) => {
      const s = result.scores[targetKind]!;
      return {
        modelSha256: classifier.sha256,
        itemId: items[e]!.itemId,
        method: 'clever' as const,
        settings: cleverSettings(settings, targetKind),
        seed: ctx.config.seed,
        norm: pNotation(norm),
        targetKind,
        label: result.label,
        target: s.target,
        score: s.score,
        lipschitz: s.lipschitz,
        g0: s.g0,
        radius,
        usedFallback: s.fit.usedFallback,
        ksPValue: s.fit.ksPValue,
      };
    }),
  );
}
