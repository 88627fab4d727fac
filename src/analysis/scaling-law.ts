import { exampleRng } from '../core/rng.js';
import { UserError } from '../core/errors.js';
import type { DistortionNorm } from '../core/lp.js';
import { canonicalJson } from '../records/canonical-json.js';
import type { AttackAggregate } from './aggregate.js';
import { ols, percentileInterval, type LinearFit } from './stats.js';

/**
 * The study's "linear scaling law": across models, mean distortion = slope * ln(top-1 error) + intercept.
 * With 18 models the fit's uncertainty matters as much as the fit, so each coefficient (and R^2) comes with
 * a bootstrap percentile interval: models are resampled with replacement, the line refitted, and the
 * central `level` of the refits reported. Resamples whose models all share one error (no line through
 * them) are skipped and not counted in `resamples`.
 */
export interface ScalingPoint {
  model: string;
  /** In (0, 1]. */
  top1Error: number;
  distortion: number;
}

export interface ScalingLaw extends LinearFit {
  models: string[];
  ci: { level: number; slope: [number, number]; intercept: [number, number]; r2: [number, number] };
  /** Bootstrap refits behind the intervals. */
  resamples: number;
}

export interface ScalingLawOptions {
  seed: number;
  /** Default 2000. */
  resamples?: number;
  /** Default 0.95. */
  level?: number;
  /** Names the bootstrap's random stream, so each regression's intervals do not depend on the others. */
  stream?: string;
}

export function fitScalingLaw(points: readonly ScalingPoint[], opts: ScalingLawOptions): ScalingLaw {
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  for (const p of points) {
    if (!(p.top1Error > 0 && p.top1Error <= 1)) throw new UserError(`model ${p.model}: top-1 error ${p.top1Error} is not in (0, 1]`);
    if (!Number.isFinite(p.distortion)) throw new UserError(`model ${p.model}: mean distortion ${p.distortion} is not finite`);
  }
  const x = points.map((p) => Math.log(p.top1Error));
  const y = points.map((p) => p.distortion);
  if (new Set(x).size < 2) {
    const models = points.map((p) => p.model).join(', ');
    throw new UserError(`a scaling law needs at least 2 models with different top-1 errors; got ${points.length}: ${models}`);
  }
  const fit = ols(x, y);

  const rng = exampleRng(opts.seed, opts.stream ?? '', 'bootstrap');
  const slopes: number[] = [];
  const intercepts: number[] = [];
  const r2s: number[] = [];
  const bx: number[] = new Array(points.length);
  const by: number[] = new Array(points.length);
  for (let b = 0; b < resamples; b++) {
    for (let k = 0; k < points.length; k++) {
      const pick = rng.int(points.length);
      bx[k] = x[pick]!;
      by[k] = y[pick]!;
    }
    if (new Set(bx).size < 2) continue;
    const f = ols(bx, by);
    slopes.push(f.slope);
    intercepts.push(f.intercept);
    r2s.push(f.r2);
  }
  const interval = (v: number[], estimate: number): [number, number] => (v.length > 0 ? percentileInterval(v, level) : [estimate, estimate]);
  return {
    ...fit,
    models: points.map((p) => p.model),
    ci: { level, slope: interval(slopes, fit.slope), intercept: interval(intercepts, fit.intercept), r2: interval(r2s, fit.r2) },
    resamples: slopes.length,
  };
}

/** What a scaling law regresses for one model and norm; null when the model has no value (it is then excluded). */
export type ModelStatistic = (aggregate: AttackAggregate, norm: DistortionNorm) => number | null;

/** The study's statistic: the mean distortion over successful examples. */
export const meanOverSuccesses: ModelStatistic = (a, norm) => a.distortion[norm].mean;

export interface ScalingLawEntry {
  attack: string;
  settings: Readonly<Record<string, unknown>>;
  norm: DistortionNorm;
  /** null when fewer than 2 models with different errors had successes to measure. */
  law: ScalingLaw | null;
  /** Models left out because their statistic has no finite value (no success to average, a median of +Infinity). */
  excluded: string[];
}

/**
 * One scaling law per (attack, settings) and norm (by default L2 and L-inf, as in the study), from
 * per-model aggregates and each model's top-1 error, of a per-model statistic (by default the study's
 * mean over successes).
 */
export function scalingLaws(
  aggregates: readonly AttackAggregate[],
  top1Error: ReadonlyMap<string, number>,
  opts: ScalingLawOptions & { norms?: readonly DistortionNorm[]; statistic?: ModelStatistic },
): ScalingLawEntry[] {
  const statistic = opts.statistic ?? meanOverSuccesses;
  const groups = new Map<string, AttackAggregate[]>();
  for (const a of aggregates) {
    const key = JSON.stringify([a.attack, canonicalJson(a.settings)]);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const entries: ScalingLawEntry[] = [];
  for (const [key, group] of groups) {
    for (const norm of opts.norms ?? ['l2', 'linf']) {
      const points: ScalingPoint[] = [];
      const excluded: string[] = [];
      for (const a of group) {
        const error = top1Error.get(a.model);
        if (error === undefined) throw new UserError(`no top-1 error given for model ${a.model}`);
        const distortion = statistic(a, norm);
        if (distortion === null || !Number.isFinite(distortion)) excluded.push(a.model);
        else points.push({ model: a.model, top1Error: error, distortion });
      }
      const fittable = new Set(points.map((p) => p.top1Error)).size >= 2;
      const law = fittable ? fitScalingLaw(points, { ...opts, stream: `${opts.stream ?? ''}${key} ${norm}` }) : null;
      entries.push({ attack: group[0]!.attack, settings: group[0]!.settings, norm, law, excluded });
    }
  }
  return entries;
}
