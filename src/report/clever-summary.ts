import { meanStd, type MeanStd } from '../analysis/stats.js';
import type { CleverRow } from '../records/records.js';
import type { Tagged } from './tagged.js';
import type { Setting } from './settings.js';
import type { StudyModels } from './study-models.js';

export interface ModelClever {
  /** Mean, std and count of the scores, as summarizeClever reports them for a run. */
  score: MeanStd;
  /** Scores whose reverse-Weibull fit was poor, so the sample maximum stood in for the Lipschitz constant. */
  fallbacks: number;
}

export interface CleverSummary {
  setting: Setting;
  /** By model sha256, in report model order. */
  byModel: Map<string, ModelClever>;
}

/**
 * Per CLEVER setting (norm, target kind, sampling parameters) and model. summarizeClever needs the
 * in-memory results with their Weibull fits, which the store does not keep; it is meanStd over the scores,
 * and so is this.
 */
export function summarizeCleverRows(rows: readonly Tagged<CleverRow>[], models: StudyModels): CleverSummary[] {
  const groups = new Map<string, { setting: Setting; byModel: Map<string, { scores: number[]; fallbacks: number }> }>();
  for (const { row, setting } of rows) {
    const g = groups.get(setting.key) ?? { setting, byModel: new Map() };
    const m = g.byModel.get(row.modelSha256) ?? { scores: [], fallbacks: 0 };
    m.scores.push(row.score);
    if (row.usedFallback) m.fallbacks++;
    g.byModel.set(row.modelSha256, m);
    groups.set(setting.key, g);
  }
  return [...groups.values()].map(({ setting, byModel }) => ({
    setting,
    byModel: new Map(
      models.ordered.filter((m) => byModel.has(m.sha256)).map((m) => {
        const { scores, fallbacks } = byModel.get(m.sha256)!;
        return [m.sha256, { score: meanStd(scores), fallbacks }];
      }),
    ),
  }));
}
