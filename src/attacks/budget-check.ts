import { quantileSorted } from 'simple-statistics';
import type { LpNorm } from '../core/lp.js';
import { exampleRng } from '../core/rng.js';
import type { DifferentiableClassifier } from '../runtime/classifier-types.js';
import { minimisedNorm, scaleBudget } from './budget.js';
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

export interface BudgetCheck {
  factor: number;
  /** The norm compared; undefined for attacks that only seek success (then only successes count). */
  norm: LpNorm | undefined;
  examples: BudgetCheckExample[];
  /** Examples that succeeded at both budgets (the ratios' sample). */
  compared: number;
  median: number | undefined;
  p90: number | undefined;
  max: number | undefined;
  /** Successes the larger budget found that the budget missed, and the reverse. */
  gained: number;
  lost: number;
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
  const draw = batch.ids.map((id, e) => ({ e, u: exampleRng(run.seed, id, 'budget-check').uniform() }));
  const chosen = draw.sort((a, b) => a.u - b.u).slice(0, options.examples).map((d) => d.e).sort((a, b) => a - b);
  const size = batch.x.length / batch.n;
  const x = new Float32Array(chosen.length * size);
  chosen.forEach((e, i) => x.set(batch.x.subarray(e * size, (e + 1) * size), i * size));
  const rerun = await runAttack(run.attack, classifier, { x, n: chosen.length, labels: Int32Array.from(chosen, (e) => batch.labels[e]!), ids: chosen.map((e) => batch.ids[e]!) }, {
    params: larger,
    target: run.target,
    seed: run.seed,
    slots: options.slots,
  });
  const examples = chosen.map((e, i): BudgetCheckExample => {
    const base = run.results[e]!;
    const big = rerun.results[i]!;
    const ratio = norm && base.success && big.success ? distortionRatio(base.distortion![norm], big.distortion![norm]) : undefined;
    return { id: batch.ids[e]!, base, larger: big, ratio };
  });
  const ratios = examples.flatMap((r) => (r.ratio === undefined ? [] : [r.ratio])).sort((a, b) => a - b);
  const at = (p: number) => (ratios.length > 0 ? quantileSorted(ratios, p) : undefined);
  return {
    factor,
    norm,
    examples,
    compared: ratios.length,
    median: at(0.5),
    p90: at(0.9),
    max: ratios.at(-1),
    gained: examples.filter((r) => !r.base.success && r.larger.success).length,
    lost: examples.filter((r) => r.base.success && !r.larger.success).length,
  };
}

/** a / b, where equal distortions (zero included: an example adversarial as it stands) are a ratio of 1. */
function distortionRatio(a: number, b: number): number {
  return a === b ? 1 : a / b;
}
