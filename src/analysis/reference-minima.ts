import { distortionRatio, quantileOrNone } from './budget-adequacy.js';
import { quantileInterval, type OpenInterval } from './stats.js';

/**
 * Reference minima (issue 17, AttackBench's optimality idea): for every attacked example, the smallest
 * distortion any minimal-distortion attack of the study found, per norm; each attack is then measured by
 * its distance to that reference. A weak attack, or a model whose gradients mislead one attack, shows up as
 * a large distance or as failures where another attack succeeded, instead of passing as robustness.
 */

export const REFERENCE_NORMS = ['l1', 'l2', 'linf'] as const;
export type ReferenceNorm = (typeof REFERENCE_NORMS)[number];

/** One attempt of a minimal-distortion attack setting on one example of one model. */
export interface MinimalAttempt {
  model: string;
  example: string;
  /** The reference is per target kind: a targeted attack's success is also misclassification, but a
   * harder one, so it would set no fair reference for the untargeted attacks, nor they for it. */
  targetKind: string;
  /** The attack setting (any key that tells settings apart). */
  setting: string;
  success: boolean;
  /** Distortions of a success; ignored for a failure. */
  distortion: Readonly<Record<ReferenceNorm, number | null>>;
}

/** An example's reference: the smallest successful distortion per norm and the setting that found it; +Infinity and null when no attack succeeded. */
export interface ReferenceMinimum {
  model: string;
  example: string;
  targetKind: string;
  minimum: Record<ReferenceNorm, number>;
  foundBy: Record<ReferenceNorm, string | null>;
}

/** The reference minima of every (model, example, target kind) the attempts cover, in order of first appearance. */
export function referenceMinima(attempts: readonly MinimalAttempt[]): ReferenceMinimum[] {
  const byExample = new Map<string, ReferenceMinimum>();
  for (const a of attempts) {
    const key = exampleKey(a);
    let ref = byExample.get(key);
    if (!ref) {
      ref = { model: a.model, example: a.example, targetKind: a.targetKind, minimum: { l1: Infinity, l2: Infinity, linf: Infinity }, foundBy: { l1: null, l2: null, linf: null } };
      byExample.set(key, ref);
    }
    if (!a.success) continue;
    for (const norm of REFERENCE_NORMS) {
      const d = a.distortion[norm];
      if (d === null || !(d >= 0)) throw new Error(`referenceMinima: a success of ${a.setting} on ${a.example} has no ${norm} distortion (${d})`);
      if (d < ref.minimum[norm]) {
        ref.minimum[norm] = d;
        ref.foundBy[norm] = a.setting;
      }
    }
  }
  return [...byExample.values()];
}

/** One setting's distance to the reference on one model, or pooled over every model, in the norm it minimises. */
export interface ReferenceDistance {
  /** The model; null when pooled. */
  model: string | null;
  /** Models with an example in the group. */
  models: number;
  setting: string;
  norm: ReferenceNorm;
  /** Examples the setting attempted that some attack broke (the shares' denominator). */
  examples: number;
  /** Examples where the setting succeeded (so a reference exists): the ratios' sample. */
  compared: number;
  /** Median and 90th percentile of distortion / reference over `compared`; at least 1; undefined when none. */
  median: number | undefined;
  p90: number | undefined;
  /** Distribution-free 95% intervals of the median and the p90 (order statistics of the ratios). */
  medianInterval: OpenInterval;
  p90Interval: OpenInterval;
  /** Examples where the setting is within `tolerance` of the reference (ratio at most 1 + tolerance). */
  within: number;
  /** Examples where the setting failed while another attack succeeded. */
  missed: number;
}

/** Within 1% of the reference counts as having found it. */
export const REFERENCE_TOLERANCE = 0.01;

/**
 * Each setting's distance to the reference minima, per model (or with `pooled`, over the examples of every
 * model), in the norm `normOf(setting)` it minimises. The reference of an example is taken over every
 * attempt given (all minimal-distortion settings of the study), so it includes the setting's own result:
 * a ratio is never below 1, and a setting that alone broke an example is at the reference there.
 */
export function distancesToReference(attempts: readonly MinimalAttempt[], normOf: (setting: string) => ReferenceNorm, tolerance = REFERENCE_TOLERANCE, pooled = false): ReferenceDistance[] {
  const references = new Map(referenceMinima(attempts).map((r) => [exampleKey(r), r]));
  const groups = new Map<string, { model: string | null; models: Set<string>; setting: string; ratios: number[]; examples: number; missed: number }>();
  for (const a of attempts) {
    const norm = normOf(a.setting);
    const reference = references.get(exampleKey(a))!.minimum[norm];
    if (reference === Infinity) continue;
    const model = pooled ? null : a.model;
    const key = JSON.stringify([model, a.setting]);
    const group = groups.get(key) ?? { model, models: new Set<string>(), setting: a.setting, ratios: [], examples: 0, missed: 0 };
    groups.set(key, group);
    group.models.add(a.model);
    group.examples++;
    if (a.success) group.ratios.push(distortionRatio(a.distortion[norm]!, reference));
    else group.missed++;
  }
  return [...groups.values()].map(({ model, models, setting, ratios, examples, missed }) => {
    const sorted = ratios.sort((x, y) => x - y);
    return {
      model, models: models.size, setting, norm: normOf(setting), examples, compared: sorted.length,
      median: quantileOrNone(sorted, 0.5), p90: quantileOrNone(sorted, 0.9), medianInterval: quantileInterval(sorted, 0.5), p90Interval: quantileInterval(sorted, 0.9),
      within: sorted.filter((r) => r <= 1 + tolerance).length, missed,
    };
  });
}

function exampleKey(a: { model: string; example: string; targetKind: string }): string {
  return JSON.stringify([a.model, a.example, a.targetKind]);
}
