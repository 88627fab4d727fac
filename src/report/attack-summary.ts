import { aggregateRecords, type AttackAggregate } from '../analysis/aggregate.js';
import type { DistortionNorm } from '../core/lp.js';
import { medianWithInterval, searchesMinimalDistortion, type MedianEstimate } from '../analysis/minimal-distortion.js';
import type { AttackName } from '../attacks/types.js';
import type { AttackRow } from '../records/records.js';
import type { Tagged } from './tagged.js';
import { groupingSettings, settingKey, type Setting, type SettingParts } from './settings.js';
import type { StudyModels } from './study-models.js';

export interface ModelAttackResult {
  /** `aggregate.model` is the model's sha256. */
  aggregate: AttackAggregate;
  /** Attempts that hit NaN or Inf: counted as attempted and not succeeded, and shown so they are not hidden. */
  nonFinite: number;
  /** Median minimal distortion (failures as +Infinity) with its bootstrap interval, per norm the study regresses. */
  median: Record<MedianNorm, MedianEstimate>;
  /** Mean cost per attempted example: gradient and forward calls it took part in, and seconds of wall time. */
  cost: AttackCost;
}

export interface AttackCost {
  gradientCalls: number;
  forwardCalls: number;
  seconds: number;
}

/** The norms medians are computed for: the study's (L2, L∞). */
export const MEDIAN_NORMS = ['l2', 'linf'] as const satisfies readonly DistortionNorm[];
export type MedianNorm = (typeof MEDIAN_NORMS)[number];

export interface AttackSummary {
  setting: Setting;
  /** The attack that ran (the setting's method may be one of its presets). */
  attack: AttackName;
  /** By model sha256, in report model order. */
  byModel: Map<string, ModelAttackResult>;
  /**
   * Whether the attack searches each example's smallest distortion (C&W, EAD, DeepFool, a budget search):
   * only then is a distortion a measure of robustness. A fixed budget's distortion is the budget.
   */
  minimal: boolean;
}

/**
 * Per attack setting and model: attempts, successes, success rate and distortions over successes only, by
 * aggregateRecords (the project's one definition of those numbers). Settings come out in catalog order.
 */
export function summarizeAttacks(rows: readonly Tagged<AttackRow>[], models: StudyModels, seed: number): AttackSummary[] {
  const nonFinite = new Map<string, number>();
  const costs = new Map<string, AttackCost & { attempts: number }>();
  const aggregates = aggregateRecords(
    rows.map(({ row, setting }) => {
      const k = JSON.stringify([setting.key, row.modelSha256]);
      if (row.status === 'non-finite') nonFinite.set(k, (nonFinite.get(k) ?? 0) + 1);
      const cost = costs.get(k) ?? { attempts: 0, gradientCalls: 0, forwardCalls: 0, seconds: 0 };
      cost.attempts++;
      cost.gradientCalls += row.gradientCalls;
      cost.forwardCalls += row.forwardCalls;
      cost.seconds += row.timeMs / 1000;
      costs.set(k, cost);
      return { model: row.modelSha256, attack: row.method, settings: groupingSettings(setting), success: row.status === 'success', l0: row.l0, l1: row.l1, l2: row.l2, linf: row.linf };
    }),
  );
  const bySetting = new Map<string, Map<string, ModelAttackResult>>();
  for (const a of aggregates) {
    const key = settingKey({ method: a.attack, ...(a.settings as Pick<SettingParts, 'params' | 'targetKind'>) });
    const byModel = bySetting.get(key) ?? new Map<string, ModelAttackResult>();
    const k = JSON.stringify([key, a.model]);
    const { attempts, gradientCalls, forwardCalls, seconds } = costs.get(k)!;
    const cost = { gradientCalls: gradientCalls / attempts, forwardCalls: forwardCalls / attempts, seconds: seconds / attempts };
    const median = Object.fromEntries(MEDIAN_NORMS.map((norm) => [norm, medianWithInterval(a.perExample[norm], { seed, stream: `${key} ${a.model} ${norm}` })])) as Record<MedianNorm, MedianEstimate>;
    byModel.set(a.model, { aggregate: a, nonFinite: nonFinite.get(k) ?? 0, median, cost });
    bySetting.set(key, byModel);
  }
  // All rows of a setting ran the same attack; one row per setting says which.
  const oneRowEach = [...new Map(rows.map((r) => [r.setting.key, r])).values()];
  return oneRowEach.map(({ setting, row }) => {
    const byModel = bySetting.get(setting.key)!;
    return { setting, attack: row.attack, minimal: searchesMinimalDistortion(row.attack, setting.params), byModel: new Map(models.ordered.filter((m) => byModel.has(m.sha256)).map((m) => [m.sha256, byModel.get(m.sha256)!])) };
  });
}
