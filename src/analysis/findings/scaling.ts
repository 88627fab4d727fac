import { combineVerdicts, intervalVerdict, type Evidence, type Finding, type Verdict } from './verdict.js';

/** A fitted scaling law of one attack setting and norm (from fitScalingLaw). */
export interface ScalingFitSummary {
  scope: string;
  slope: number;
  /** Bootstrap interval of the slope. */
  interval: [number, number];
  r2: number;
  models: number;
  /** What the fit regresses, e.g. "median distortion". */
  statistic: string;
}

/** Below this R² a line through the models explains less than half of their spread: not a law. */
export const MIN_R2 = 0.5;

export function scalingVerdict(fit: Pick<ScalingFitSummary, 'interval' | 'r2'>): Verdict {
  const direction = intervalVerdict(fit.interval);
  if (direction === 'supported' && fit.r2 < MIN_R2) return 'inconclusive';
  return direction;
}

/**
 * Finding 1: distortion grows linearly in ln(top-1 error), i.e. more accurate models are less robust. The
 * slope must be positive with an interval above 0 and the line must explain at least half the variance.
 */
export function scalingFinding(fits: readonly ScalingFitSummary[]): Finding {
  const evidence: Evidence[] = fits.map((f) => ({
    scope: f.scope,
    statistic: `slope, ${f.statistic} fit`,
    value: f.slope,
    interval: f.interval,
    verdict: scalingVerdict(f),
    basis: `${f.models} models, R² ${f.r2.toFixed(2)}`,
  }));
  return {
    id: 1,
    claim: 'Distortion grows linearly in ln(top-1 error): more accurate models are less robust (a linear scaling law).',
    rule: `Statistic: the slope of distortion (median over every attacked example, failures as +∞; and the study’s mean over successes) on ln(top-1 error) across models. Per attack, norm and statistic: supported when the slope's 95% bootstrap interval lies above 0 and R² ≥ ${MIN_R2}; not supported when the interval lies below 0; inconclusive otherwise (the interval contains 0, or the line explains less than half the variance).`,
    evidence,
    verdict: combineVerdicts(evidence.map((e) => e.verdict)),
  };
}
