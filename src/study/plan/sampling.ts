import type { Dataset } from '../../data/dataset.js';
import { UserError } from '../../core/errors.js';
import { exampleRng } from '../../core/rng.js';
import type { SamplingPolicy } from '../config/config-schema.js';
import type { ItemRow } from '../../records/records.js';

/**
 * The study's examples: `count` distinct dataset indices drawn with the study's seed (a partial
 * Fisher-Yates shuffle on a stream seeded by the seed and the dataset's name), so the sample depends on
 * nothing else and a resumed run draws exactly the same one.
 */
export function sampleItems(dataset: Dataset, count: number, seed: number): ItemRow[] {
  if (count > dataset.size) {
    throw new UserError(`field 'dataset.count': ${count} examples asked for, but ${dataset.name} has ${dataset.size}`);
  }
  const rng = exampleRng(seed, dataset.name, 'study-sample');
  const pool = Int32Array.from({ length: dataset.size }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(dataset.size - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return Array.from(pool.subarray(0, count), (index, position) => ({
    position,
    index,
    itemId: dataset.id(index),
    classId: dataset.classes[dataset.label(index)]!,
  }));
}

/**
 * The examples attacked on `model` (STUDY.md): those it classifies correctly ('correct-for-each'), or
 * only those every model of the study classifies correctly ('correct-for-all'). An already-wrong example
 * is no evidence of robustness. `correct` maps each model to the item ids its clean pass got right.
 */
export function eligibleItems(policy: SamplingPolicy, model: string, correct: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const own = correct.get(model);
  if (!own) throw new Error(`no clean results for ${model}`);
  if (policy === 'correct-for-each') return new Set(own);
  return new Set([...own].filter((id) => [...correct.values()].every((set) => set.has(id))));
}
