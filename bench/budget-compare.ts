/**
 * One attack setting's per-example outcome against a reference setting's on the same examples: what
 * bench/budget-quality.ts prints for saved runs and bench/cw-budget.ts for the runs it makes.
 */
import { compareBudgets } from '../src/analysis/budget-adequacy.js';
import type { OpenInterval } from '../src/analysis/stats.js';

export interface ExampleOutcome {
  id: string;
  success: boolean;
  /** The compared norm's distortion; meaningful only for a success. */
  distortion: number;
  gradientCalls: number;
  /** Wall time per example (a batch's wall time divided by its size). */
  ms: number;
}

export interface BudgetComparison {
  examples: number;
  gradientCallsPerExample: number;
  secondsPerExample: number;
  /** Mean gradient calls relative to the reference's. */
  callsVsReference: number;
  /**
   * Quantiles of candidate / reference distortion over the examples both made adversarial, with the p90's
   * distribution-free 95% interval; undefined when none did.
   */
  ratio: { median: number; p90: number; max: number; p90Interval: OpenInterval } | undefined;
  /** Successes of the reference the candidate missed, and the reverse. */
  missed: number;
  gained: number;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Compares `candidate` (named `what` in errors) with `reference`; it must hold every reference example. */
export function compareToReference(reference: readonly ExampleOutcome[], candidate: readonly ExampleOutcome[], what: string): BudgetComparison {
  const own = new Map(candidate.map((r) => [r.id, r]));
  const missing = reference.filter((r) => !own.has(r.id)).map((r) => r.id);
  if (missing.length > 0) throw new Error(`${what} lacks examples ${missing.slice(0, 3).join(', ')}: not the reference's examples`);
  const pairs = reference.map((ref) => ({ ref, own: own.get(ref.id)! }));
  // The study's budget comparison, with the reference as the larger budget: what it gained, the candidate missed.
  const c = compareBudgets(pairs.map((p) => ({ base: p.own, larger: p.ref })), true);
  const rows = pairs.map((p) => p.own);
  const calls = mean(rows.map((r) => r.gradientCalls));
  return {
    examples: rows.length,
    gradientCallsPerExample: calls,
    secondsPerExample: mean(rows.map((r) => r.ms)) / 1000,
    callsVsReference: calls / mean(reference.map((r) => r.gradientCalls)),
    ratio: c.compared > 0 ? { median: c.median!, p90: c.p90!, max: c.max!, p90Interval: c.p90Interval } : undefined,
    missed: c.gained,
    gained: c.lost,
  };
}
