import { quantileSorted } from 'simple-statistics';
import { quantileInterval, type OpenInterval } from './stats.js';

/**
 * Budget adequacy (issue 17): the same examples attacked at an attack setting's budget and at a multiple
 * of it, compared per example. The ratio is the distortion at the budget over the distortion at the larger
 * one, on the examples both made adversarial: above 1, the budget stopped short of what more steps find.
 * The `attack --check-budget` command and the study's report both compute it here.
 */

/** One attempt's outcome as the comparison needs it: success, and the distortion in the compared norm. */
export interface BudgetOutcome {
  success: boolean;
  /** In the compared norm; ignored for a failure. */
  distortion: number | null;
}

export interface BudgetComparison {
  /** Per example, in input order: the ratio where both succeeded and a norm is compared, else undefined. */
  ratios: (number | undefined)[];
  /** Examples that succeeded at both budgets (the ratios' sample). */
  compared: number;
  median: number | undefined;
  p90: number | undefined;
  /**
   * Distribution-free 95% intervals of the median and the p90 (order statistics of the ratios): how far the
   * few examples a budget check re-runs pin them down; with fewer than 36 the p90's upper end is open.
   */
  medianInterval: OpenInterval;
  p90Interval: OpenInterval;
  max: number | undefined;
  /** Successes the larger budget found that the budget missed, and the reverse. */
  gained: number;
  lost: number;
}

/**
 * Compares each example's outcome at the budget with its outcome at the larger budget. Without a norm (an
 * attack that only seeks success within a fixed ball) only successes are compared.
 */
export function compareBudgets(pairs: readonly { base: BudgetOutcome; larger: BudgetOutcome }[], compareDistortion: boolean): BudgetComparison {
  const ratios = pairs.map(({ base, larger }) =>
    compareDistortion && base.success && larger.success ? distortionRatio(finite(base.distortion), finite(larger.distortion)) : undefined,
  );
  const sorted = ratios.flatMap((r) => (r === undefined ? [] : [r])).sort((a, b) => a - b);
  return {
    ratios,
    compared: sorted.length,
    median: quantileOrNone(sorted, 0.5),
    p90: quantileOrNone(sorted, 0.9),
    medianInterval: quantileInterval(sorted, 0.5),
    p90Interval: quantileInterval(sorted, 0.9),
    max: sorted.at(-1),
    gained: pairs.filter((p) => !p.base.success && p.larger.success).length,
    lost: pairs.filter((p) => p.base.success && !p.larger.success).length,
  };
}

/** The rule for an adequate budget: median ratio within 1%, p90 within 5%, no success gained. */
export const BUDGET_RULE = { median: 1.01, p90: 1.05 } as const;

/**
 * Whether a comparison meets the rule: 'meets', 'falls short', or 'unassessed' when distortions were to be
 * compared but no example succeeded at both budgets (nothing to measure them on). Without a compared norm,
 * the rule is no success gained.
 */
export function budgetVerdict(c: BudgetComparison, compareDistortion: boolean): 'meets' | 'falls short' | 'unassessed' {
  if (c.gained > 0) return 'falls short';
  if (!compareDistortion) return 'meets';
  if (c.median === undefined || c.p90 === undefined) return 'unassessed';
  return c.median <= BUDGET_RULE.median && c.p90 <= BUDGET_RULE.p90 ? 'meets' : 'falls short';
}

/** a / b, where equal distortions (zero included: an example adversarial as it stands) are a ratio of 1. */
export function distortionRatio(a: number, b: number): number {
  return a === b ? 1 : a / b;
}

/** The p-quantile of ascending values (simple-statistics' interpolation), undefined for none. */
export function quantileOrNone(sorted: readonly number[], p: number): number | undefined {
  return sorted.length > 0 ? quantileSorted(sorted as number[], p) : undefined;
}

function finite(d: number | null): number {
  if (d === null || !(d >= 0)) throw new Error(`compareBudgets: a success without a distortion (${d})`);
  return d;
}
