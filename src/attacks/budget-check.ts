import { compareBudgets, type BudgetComparison } from '../analysis/budget-adequacy.js';
import type { LpNorm } from '../core/lp.js';
import { exampleRng } from '../core/rng.js';
import type { DifferentiableClassifier } from '../runtime/classifier-types.js';
import { minimisedNorm } from '../analysis/minimal-distortion.js';
import { scaleBudget } from './budget.js';
import { runAttack, type AttackRun, type ExampleBatch } from './registry.js';
import type { AttackResult, ExampleId } from './types.js';

/** One example of the subsample: its result at the budget and at `factor` times it. */
export interface BudgetCheckExample {
  id: ExampleId;
  base: AttackResult;
  larger: AttackResult;
  /** Distortion at the budget / distortion at the larger one, when both succeeded (above 1: the budget fell short). */
  ratio: number | undefined;
}

/** The comparison (analysis/budget-adequacy.ts) with the examples it was made on. */
export interface BudgetCheck extends Omit<BudgetComparison, 'ratios'> {
  factor: number;
  /** The norm compared; undefined for attacks that only seek success (then only successes count). */
  norm: LpNorm | undefined;
  examples: BudgetCheckExample[];
}

/**
 * Budget adequacy: re-runs a seeded subsample of `examples` examples of a run at `factor` times its budget
 * (scaleBudget) and compares per example. The subsample is the examples whose per-example stream draws the
 * smallest numbers, so it depends on the seed and the ids, not on their order. Results are per example
 * (attacks are batch-invariant), so the base results are reused rather than re-run.
 */
export async function checkBudget(run: AttackRun, classifier: DifferentiableClassifier, batch: ExampleBatch, options: { examples: number; factor?: number; slots?: number }): Promise<BudgetCheck> {
  const factor = options.factor ?? 4;
  const norm = minimisedNorm(run.attack, run.params);
  const larger = scaleBudget(run.attack, run.params, factor);
  const chosen = budgetSubsample(run.seed, batch.ids, options.examples);
  const size = batch.x.length / batch.n;
  const x = new Float32Array(chosen.length * size);
  chosen.forEach((e, i) => x.set(batch.x.subarray(e * size, (e + 1) * size), i * size));
  const rerun = await runAttack(run.attack, classifier, { x, n: chosen.length, labels: Int32Array.from(chosen, (e) => batch.labels[e]!), ids: chosen.map((e) => batch.ids[e]!) }, {
    params: larger,
    target: run.target,
    seed: run.seed,
    slots: options.slots,
  });
  const outcome = (r: AttackResult) => ({ success: r.success, distortion: norm && r.success ? r.distortion![norm] : null });
  const comparison = compareBudgets(chosen.map((e, i) => ({ base: outcome(run.results[e]!), larger: outcome(rerun.results[i]!) })), norm !== undefined);
  const examples = chosen.map((e, i): BudgetCheckExample => ({ id: batch.ids[e]!, base: run.results[e]!, larger: rerun.results[i]!, ratio: comparison.ratios[i] }));
  const { ratios: _, ...summary } = comparison;
  return { factor, norm, examples, ...summary };
}

/**
 * The seeded subsample of a budget check: the positions (ascending) of the `count` ids whose per-example
 * stream draws the smallest numbers, so it depends on the seed and the ids, not on their order, and a
 * study and `attack --check-budget` pick the same examples from the same ones.
 */
export function budgetSubsample(seed: number, ids: readonly ExampleId[], count: number): number[] {
  const draw = ids.map((id, e) => ({ e, u: exampleRng(seed, id, 'budget-check').uniform() }));
  return draw.sort((a, b) => a.u - b.u || a.e - b.e).slice(0, count).map((d) => d.e).sort((a, b) => a - b);
}
