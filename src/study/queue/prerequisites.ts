import type { SamplingPolicy } from '../config/config-schema.js';
import type { Unit } from '../plan/plan.js';

/**
 * The units whose rows a unit reads: an attack or CLEVER unit, the clean unit of its shard (of every
 * model under correct-for-all, whose eligible examples depend on them all); a transfer unit, its target's
 * clean unit and its sources' attack units of the same setting and shard. A worker runs a unit only when
 * these are all stored: otherwise some of its examples would be silently missing.
 */
export function prerequisites(plan: readonly Unit[], unit: Unit, sampling: SamplingPolicy): Unit[] {
  const sameShard = (u: Unit) => u.shard === unit.shard;
  switch (unit.phase) {
    case 'clean':
      return [];
    case 'attack':
    case 'clever':
      return plan.filter((u) => u.phase === 'clean' && sameShard(u) && (sampling === 'correct-for-all' || u.model === unit.model));
    case 'transfer':
      return plan.filter((u) =>
        sameShard(u) &&
        ((u.phase === 'clean' && u.model === unit.model) ||
          (u.phase === 'attack' && unit.sources.includes(u.model) && u.method === unit.method && u.settings === unit.settings)),
      );
  }
}
