import { runAttack } from '../../attacks/registry.js';
import { loadExamples } from '../../data/dataset.js';
import type { UnitContext } from './unit-context.js';
import type { AttackUnit } from '../plan/plan.js';
import type { AttackRow, ItemRow } from '../../records/records.js';
import type { Unstamped } from './tasks.js';

/**
 * One attack setting on one shard of a model's correctly classified examples, as one batch: results do
 * not depend on the batch (attacks are batch-size invariant and seeded per example), so neither shard
 * size nor `--jobs` changes a row.
 */
export async function runAttackUnit(ctx: UnitContext, unit: AttackUnit, items: readonly ItemRow[]): Promise<Unstamped<AttackRow>[]> {
  if (items.length === 0) return [];
  const model = await ctx.model(unit.model);
  const { classifier } = model;
  const { setting } = unit;
  const x = await loadExamples(ctx.dataset, items.map((i) => i.index), classifier.inputShape, classifier.manifest.resize);
  const labels = Int32Array.from(items, (i) => ctx.label(model, i.index));
  const run = await runAttack(setting.method, classifier, { x, n: items.length, labels, ids: items.map((i) => i.itemId) }, {
    params: setting.params,
    target: setting.targetKind,
    seed: ctx.config.seed,
  });
  return run.results.map((r, e) => ({
    modelSha256: classifier.sha256,
    itemId: items[e]!.itemId,
    method: setting.method,
    settings: setting.settings,
    seed: ctx.config.seed,
    attack: run.attack,
    targetKind: setting.targetKind,
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
    adversarial: setting.transferred ? r.adversarial ?? null : null,
  }));
}
