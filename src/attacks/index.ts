/** The attacks' public API: the registry, presets, the single entry point and target choice. */
export { ATTACKS, PRESETS, TRANSFER_PRESETS, resolveAttack, runAttack, type AttackRun, type ExampleBatch, type Preset, type ResolvedAttack, type RunAttackOptions } from './registry.js';
export { chooseTargets, TARGET_KINDS, type TargetKind } from '../core/targets.js';
export { paramDocs, type ParamDoc } from './params.js';
export type { Attack, AttackName, AttackResult, AttackStatus, ExampleId, ParamValue, ParamValues, RunOptions } from './types.js';
export { checkBudget, type BudgetCheck, type BudgetCheckExample } from './budget-check.js';
export { scaleBudget } from './budget.js';
export { minimisedNorm } from '../analysis/minimal-distortion.js';
