import { wilsonInterval, type Proportion } from '../analysis/proportion.js';
import { UserError } from '../core/errors.js';
import type { AccuracyRow, CleanRow, ModelRow } from '../records/records.js';

/** A model as the report shows it: its stored row plus what the clean pass measured. */
export interface StudyModel {
  sha256: string;
  /** The model row's name, with the start of its hash appended when two stored models share a name. */
  name: string;
  family: string;
  parameters: number;
  flopsPerImage: number;
  depth: number;
  /** Clean rows of the model (the attacked sample's clean pass); 0 when the store has none. */
  cleanEvaluated: number;
  cleanCorrect: number;
  /** Clean examples whose logits were NaN or Inf (counted as wrong). */
  cleanNonFinite: number;
  /** Top-1 accuracy on the held-out evaluation (the whole split) with its Wilson interval; null without one. */
  heldOut: Proportion | null;
  /** Top-1 accuracy: held-out, else from the clean rows, else the model row's top1, else null (unknown). */
  accuracy: number | null;
  /**
   * The top-1 error a scaling law is fitted at: 1 - accuracy, except that an error of exactly 0 measured on
   * the held-out split (ln 0 has no value) is fitted at the midpoint of its Wilson interval; null without an
   * accuracy.
   */
  fitError: number | null;
}

export interface StudyModels {
  /** Grouped by family (families in order of first appearance), models in stored order within a family. */
  ordered: StudyModel[];
  families: string[];
  /** The model of a row's hash; an unknown hash means the store is inconsistent, which no report can fix. */
  get(sha256: string): StudyModel;
}

/**
 * Indexes the models of a study. Ordering by family everywhere (tables, chart axes, heatmaps) puts
 * related architectures side by side, where the study's transfer findings (within-family transfer) show.
 */
export function indexModels(models: readonly ModelRow[], clean: readonly CleanRow[], accuracy: readonly AccuracyRow[] = []): StudyModels {
  const heldOut = new Map<string, { evaluated: number; correct: number }>();
  for (const r of accuracy) {
    const c = heldOut.get(r.modelSha256) ?? { evaluated: 0, correct: 0 };
    c.evaluated += r.evaluated;
    c.correct += r.correct;
    heldOut.set(r.modelSha256, c);
  }
  const counts = new Map<string, { evaluated: number; correct: number; nonFinite: number }>();
  for (const r of clean) {
    const c = counts.get(r.modelSha256) ?? { evaluated: 0, correct: 0, nonFinite: 0 };
    c.evaluated++;
    if (r.correct) c.correct++;
    if (r.predicted === null) c.nonFinite++;
    counts.set(r.modelSha256, c);
  }
  const nameCount = new Map<string, number>();
  for (const m of models) nameCount.set(m.name, (nameCount.get(m.name) ?? 0) + 1);
  const bySha = new Map<string, StudyModel>();
  for (const m of models) {
    if (bySha.has(m.sha256)) throw new UserError(`model ${m.name}: sha256 ${m.sha256} is stored twice`);
    const c = counts.get(m.sha256) ?? { evaluated: 0, correct: 0, nonFinite: 0 };
    const h = heldOut.get(m.sha256);
    const held = h && h.evaluated > 0 ? wilsonInterval(h.correct, h.evaluated) : null;
    const accuracy = held?.estimate ?? (c.evaluated > 0 ? c.correct / c.evaluated : (m.top1 ?? null));
    bySha.set(m.sha256, {
      sha256: m.sha256,
      name: nameCount.get(m.name)! > 1 ? `${m.name} (${m.sha256.slice(0, 8)})` : m.name,
      family: m.family,
      parameters: m.parameters,
      flopsPerImage: m.flopsPerImage,
      depth: m.depth,
      cleanEvaluated: c.evaluated,
      cleanCorrect: c.correct,
      cleanNonFinite: c.nonFinite,
      heldOut: held,
      accuracy,
      fitError: accuracy === null ? null : held && held.successes === held.trials ? 1 - held.center : accuracy < 1 ? 1 - accuracy : null,
    });
  }
  for (const sha of [...counts.keys(), ...heldOut.keys()]) lookup(bySha, sha);
  const families = [...new Set(models.map((m) => m.family))];
  const ordered = families.flatMap((f) => [...bySha.values()].filter((m) => m.family === f));
  return { ordered, families, get: (sha) => lookup(bySha, sha) };
}

function lookup(bySha: ReadonlyMap<string, StudyModel>, sha256: string): StudyModel {
  const m = bySha.get(sha256);
  if (!m) throw new UserError(`the store has rows for model sha256 ${sha256}, which is not among its models`);
  return m;
}
