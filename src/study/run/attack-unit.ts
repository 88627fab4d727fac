import { runAttack } from '../../attacks/registry.js';
import type { AttackName, ParamValues } from '../../attacks/types.js';
import type { TargetKind } from '../../core/targets.js';
import { loadExamples } from '../../data/dataset.js';
import type { UnitContext } from './unit-context.js';
import type { AttackUnit } from '../plan/plan.js';
import type { AttackRow, ItemRow } from '../../records/records.js';
import type { Unstamped } from './tasks.js';

/** What an attack runs with on a model's examples: the method as the config names it, all parameters, a target kind. */
export interface AttackRun {
  method: string;
  params: ParamValues;
  targetKind: TargetKind;
  /** Canonical JSON of the parameters and the target kind: the rows' settings. */
  settings: string;
  /** Keep the adversarial images of successes (a transferred setting). */
  keepImages: boolean;
}

/**
 * One attack setting on one shard of a model's correctly classified examples, as one batch: results do
 * not depend on the batch (attacks are batch-size invariant and seeded per example), so neither shard
 * size nor `--jobs` changes a row.
 */
export async function runAttackUnit(ctx: UnitContext, unit: AttackUnit, items: readonly ItemRow[]): Promise<Unstamped<AttackRow>[]> {
  const { setting } = unit;
  return attackItems(ctx, unit.model, { ...setting, keepImages: setting.transferred }, items);
}

/** Attacks `items` on `model` and returns one attack row per item, in order (the budget check runs it too). */
export async function attackItems(ctx: UnitContext, modelName: string, run: AttackRun, items: readonly ItemRow[]): Promise<Unstamped<AttackRow>[]> {
  if (items.length === 0) return [];
  const model = await ctx.model(modelName);
  const { classifier } = model;
  const x = await loadExamples(ctx.dataset, items.map((i) => i.index), classifier.inputShape, classifier.manifest.resize);
  const labels = Int32Array.from(items, (i) => ctx.label(model, i.index));
  const result = await runAttack(run.method, classifier, { x, n: items.length, labels, ids: items.map((i) => i.itemId) }, {
    params: run.params,
    target: run.targetKind,
    seed: ctx.config.seed,
  });
  const attack: AttackName = result.attack;
  return result.results.map((r, e) => ({
    modelSha256: classifier.sha256,
    itemId: items[e]!.itemId,
    method: run.method,
    settings: run.settings,
    seed: ctx.config.seed,
    attack,
    targetKind: run.targetKind,
    label: r.label,
    target: r.target ?? null,
    status: r.status,
    predicted: r.predicted ?? null,
    l0: r.distortion?.l0 ?? null,
    l1: r.distortion?.l1 ?? null,
    l2: r.distortion?.l2 ?? null,
    linf: r.distortion?.linf ?? null,
    eps: r.eps ?? null,
    c: r.c ?? null,
    iterations: r.iterations,
    gradientCalls: r.gradientCalls,
    forwardCalls: r.forwardCalls,
    timeMs: r.timeMs,
    adversarial: run.keepImages ? r.adversarial ?? null : null,
  }));
}
