import { canonicalJson } from '../../records/canonical-json.js';
import { resolveAttack } from '../../attacks/registry.js';
import { hasBudget, scaleBudget } from '../../attacks/budget.js';
import type { TargetKind } from '../../core/targets.js';
import type { AttackName, ParamValues } from '../../attacks/types.js';
import type { CleverConfig, StudyConfig } from '../config/config-schema.js';
import { expandGrid } from '../config/grid.js';

/** One attack setting a study runs on every model: an attack or preset, all its parameters, a target kind. */
export interface AttackSetting {
  /** The attack or preset as the config names it: the rows' method. */
  method: string;
  attack: AttackName;
  /** Every parameter, defaults filled in. */
  params: ParamValues;
  targetKind: TargetKind;
  /** Canonical JSON of the parameters and the target kind: the rows' settings. */
  settings: string;
  /** Attack only the first `limit` examples kept for each model; undefined for all (up to `dataset.attacked`). */
  limit: number | undefined;
  /** Whether a transfer uses it (its adversarial images are then kept). */
  transferred: boolean;
}

/**
 * The distinct settings of a config's attack entries, grids expanded, in config order. Two entries that
 * produce the same (method, settings) share one setting, so no row is ever computed twice; it then
 * covers the larger of their example counts.
 */
export function attackSettings(config: StudyConfig): AttackSetting[] {
  const transferred = new Set(config.transfer?.attacks ?? []);
  const byKey = new Map<string, AttackSetting>();
  for (const entry of config.attacks) {
    for (const point of expandGrid(entry.set)) {
      const { attack, params } = resolveAttack(entry.attack, point);
      for (const targetKind of entry.targets) {
        const settings = canonicalJson({ ...params, targetKind });
        const key = JSON.stringify([entry.attack, settings]);
        const seen = byKey.get(key);
        const setting: AttackSetting = {
          method: entry.attack,
          attack: attack.name,
          params,
          targetKind,
          settings,
          limit: !seen ? entry.count : seen.limit === undefined || entry.count === undefined ? undefined : Math.max(seen.limit, entry.count),
          transferred: (seen?.transferred ?? false) || transferred.has(entry.id),
        };
        byKey.set(key, setting);
      }
    }
  }
  return [...byKey.values()];
}

/** The settings of the attack entries a transfer names. */
export function transferSettings(config: StudyConfig): AttackSetting[] {
  return attackSettings(config).filter((s) => s.transferred);
}

/** An attack setting re-run at `factor` times its budget (the study's budget check). */
export interface BudgetSetting {
  base: AttackSetting;
  factor: number;
  /** The larger budget's parameters. */
  params: ParamValues;
  /** Canonical JSON of those and the target kind: the budget rows' settings. */
  settings: string;
}

/** The budget check's settings: every attack setting that has a budget (not FGSM), at the config's factor. */
export function budgetSettings(config: StudyConfig): BudgetSetting[] {
  const check = config.budgetCheck;
  if (!check) return [];
  return attackSettings(config)
    .filter((base) => hasBudget(base.attack))
    .map((base) => {
      const params = scaleBudget(base.attack, base.params, check.factor);
      return { base, factor: check.factor, params, settings: canonicalJson({ ...params, targetKind: base.targetKind }) };
    });
}

/** The settings of a CLEVER unit (all its target kinds) and of one of its rows (one kind). */
export function cleverSettings(clever: CleverConfig, targetKind?: TargetKind): string {
  const { norm, nb, ns, radius } = clever;
  return canonicalJson(targetKind === undefined ? { norm: String(norm), nb, ns, radius, targets: clever.targets } : { norm: String(norm), nb, ns, radius, targetKind });
}
