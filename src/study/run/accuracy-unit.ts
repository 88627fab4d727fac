import { loadExamples } from '../../data/dataset.js';
import { argmax, topK } from '../../runtime/logits.js';
import type { AccuracyUnit } from '../plan/plan.js';
import type { AccuracyRow } from '../../records/records.js';
import type { UnitContext } from './unit-context.js';
import type { Unstamped } from './tasks.js';

/** Images loaded and classified at once: bounds memory (ImageNet models take 299x299 inputs). */
const BATCH = 100;

/**
 * One shard of a model's held-out evaluation: dataset images [start, end) classified once, stored as
 * counts. The study's accuracy comes from the whole split, not from the few hundred attacked examples,
 * so that its interval is narrow and a model with no error on the sample still has a measured error.
 */
export async function runAccuracyUnit(ctx: UnitContext, unit: AccuracyUnit): Promise<Unstamped<AccuracyRow>[]> {
  const model = await ctx.model(unit.model);
  const { classifier } = model;
  const k = classifier.numClasses;
  let correct = 0;
  let inTop5 = 0;
  for (let from = unit.start; from < unit.end; from += BATCH) {
    const indices = Array.from({ length: Math.min(BATCH, unit.end - from) }, (_, i) => from + i);
    const x = await loadExamples(ctx.dataset, indices, classifier.inputShape, classifier.manifest.resize);
    const logits = await classifier.logits(x, indices.length);
    indices.forEach((index, row) => {
      const label = ctx.label(model, index);
      if (argmax(logits, k, row) === label) correct++;
      if (topK(logits, k, row, 5).includes(label)) inTop5++;
    });
  }
  return [{
    modelSha256: classifier.sha256,
    itemId: `${ctx.dataset.name}[${unit.start},${unit.end})`,
    method: 'accuracy',
    settings: unit.settings,
    seed: ctx.config.seed,
    start: unit.start,
    end: unit.end,
    evaluated: unit.end - unit.start,
    correct,
    inTop5,
  }];
}
