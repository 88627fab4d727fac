import type { SamplingPolicy } from '../config/config-schema.js';
import type { Unit } from '../plan/plan.js';

/**
 * The units whose rows a unit reads: an attack or CLEVER unit, every clean unit of its model (of every
 * model under correct-for-all): its shard is a range of ranks among the model's eligible examples, which
 * the whole clean pass decides; a budget unit, those and every attack unit of the setting it checks on its
 * model (the report compares their rows); a transfer unit, its target's clean unit of the same shard and its sources'
 * attack units of the same setting (any shard may hold the source's attack on one of its examples). A
 * worker runs a unit only when these are all stored: otherwise some of its examples would be silently missing.
 */
export function prerequisites(plan: readonly Unit[], unit: Unit, sampling: SamplingPolicy): Unit[] {
  switch (unit.phase) {
    case 'clean':
    case 'accuracy':
      return [];
    case 'attack':
    case 'clever':
      return plan.filter((u) => u.phase === 'clean' && (sampling === 'correct-for-all' || u.model === unit.model));
    case 'budget':
      // Its subsample is cut like an attack unit's, and its rows mean something only beside the base setting's.
      return plan.filter((u) =>
        (u.phase === 'clean' && (sampling === 'correct-for-all' || u.model === unit.model)) ||
        (u.phase === 'attack' && u.model === unit.model && u.method === unit.method && u.settings === unit.setting.base.settings),
      );
    case 'transfer':
      return plan.filter((u) =>
        (u.phase === 'clean' && u.model === unit.model && u.shard === unit.shard) ||
        (u.phase === 'attack' && unit.sources.includes(u.model) && u.method === unit.method && u.settings === unit.settings),
      );
  }
}
