import { UserError } from '../core/errors.js';
import type { CleanRow, ModelRow } from '../records/records.js';

/** A model as the report shows it: its stored row plus what the clean pass measured. */
export interface StudyModel {
  sha256: string;
  /** The model row's name, with the start of its hash appended when two stored models share a name. */
  name: string;
  family: string;
  parameters: number;
  flopsPerImage: number;
  /** Clean rows of the model; 0 when the store has none. */
  cleanEvaluated: number;
  cleanCorrect: number;
  /** Clean examples whose logits were NaN or Inf (counted as wrong). */
  cleanNonFinite: number;
  /** Clean top-1 accuracy: from the clean rows, else the model row's top1, else null (unknown). */
  accuracy: number | null;
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
export function indexModels(models: readonly ModelRow[], clean: readonly CleanRow[]): StudyModels {
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
    bySha.set(m.sha256, {
      sha256: m.sha256,
      name: nameCount.get(m.name)! > 1 ? `${m.name} (${m.sha256.slice(0, 8)})` : m.name,
      family: m.family,
      parameters: m.parameters,
      flopsPerImage: m.flopsPerImage,
      cleanEvaluated: c.evaluated,
      cleanCorrect: c.correct,
      cleanNonFinite: c.nonFinite,
      accuracy: c.evaluated > 0 ? c.correct / c.evaluated : (m.top1 ?? null),
    });
  }
  for (const sha of counts.keys()) lookup(bySha, sha);
  const families = [...new Set(models.map((m) => m.family))];
  const ordered = families.flatMap((f) => [...bySha.values()].filter((m) => m.family === f));
  return { ordered, families, get: (sha) => lookup(bySha, sha) };
}

function lookup(bySha: ReadonlyMap<string, StudyModel>, sha256: string): StudyModel {
  const m = bySha.get(sha256);
  if (!m) throw new UserError(`the store has rows for model sha256 ${sha256}, which is not among its models`);
  return m;
}
