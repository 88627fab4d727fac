import { ols } from '../stats.js';
import { bootstrapInterval, combineVerdicts, intervalVerdict, type Evidence, type Finding } from './verdict.js';

export interface ArchitecturePoint {
  model: string;
  family: string;
  parameters: number;
  /** The model's distortion statistic (a median); only finite, positive values can be used. */
  distortion: number;
}

export interface ArchitectureGroup {
  scope: string;
  points: ArchitecturePoint[];
}

/** 1 - (1 - R²)(n - 1)/(n - k): R² penalised for the k - 1 parameters a predictor spends. */
function adjusted(r2: number, n: number, k: number): number | null {
  return n - k > 0 ? 1 - ((1 - r2) * (n - 1)) / (n - k) : null;
}

/**
 * Adjusted share of the variance of ln(distortion) explained by family (one-way ANOVA, one mean per
 * family) minus that explained by ln(parameter count) (a line): positive when architecture tells models
 * apart better than size. null when either is undefined (one family, one size, too few models).
 */
export function familyMinusSize(points: readonly ArchitecturePoint[]): number | null {
  const n = points.length;
  const y = points.map((p) => Math.log(p.distortion));
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const total = y.reduce((a, v) => a + (v - mean) ** 2, 0);
  const families = [...new Set(points.map((p) => p.family))];
  const sizes = new Set(points.map((p) => p.parameters));
  if (total === 0 || families.length < 2 || sizes.size < 2) return null;
  let between = 0;
  for (const f of families) {
    const ys = y.filter((_, i) => points[i]!.family === f);
    const m = ys.reduce((a, b) => a + b, 0) / ys.length;
    between += ys.length * (m - mean) ** 2;
  }
  const family = adjusted(between / total, n, families.length);
  const size = adjusted(ols(points.map((p) => Math.log(p.parameters)), y).r2, n, 2);
  return family === null || size === null ? null : family - size;
}

/** Finding 2: architecture matters more than size. */
export function architectureFinding(groups: readonly ArchitectureGroup[], seed: number): Finding {
  const evidence: Evidence[] = groups.map((g) => {
    const usable = g.points.filter((p) => Number.isFinite(p.distortion) && p.distortion > 0 && p.parameters > 0);
    const left = g.points.length - usable.length;
    const value = familyMinusSize(usable);
    const interval = value === null ? null : bootstrapInterval(usable, familyMinusSize, { seed, stream: `architecture ${g.scope}` });
    return {
      scope: g.scope,
      statistic: 'adj. R² by family − by size',
      value,
      interval,
      verdict: intervalVerdict(interval),
      basis: `${usable.length} models in ${new Set(usable.map((p) => p.family)).size} families${left > 0 ? `; ${left} without a finite median left out` : ''}`,
    };
  });
  return {
    id: 2,
    claim: 'Architecture matters more than size: the family explains more of a model\u2019s robustness than its parameter count.',
    rule: `Statistic: the adjusted R² of ln(median distortion) explained by family (one mean per family) minus that explained by ln(parameter count) (a line). Per attack and norm: supported when the 95% bootstrap interval (resampling models) of the difference lies above 0, not supported when below 0, inconclusive otherwise.`,
    evidence,
    verdict: combineVerdicts(evidence.map((e) => e.verdict)),
  };
}
