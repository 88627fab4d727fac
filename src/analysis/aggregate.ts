import { DISTORTION_NORMS, type DistortionNorm } from '../core/lp.js';
import { canonicalJson } from '../records/canonical-json.js';
import { meanStd, type MeanStd } from './stats.js';


/** One attacked example. Failures may carry anything (or nothing) as distortions: they are never read. */
export interface AttackRecord {
  model: string;
  attack: string;
  /** The attack's parameters (budget, target kind, ...): records with different settings are never pooled. */
  settings: Readonly<Record<string, unknown>>;
  success: boolean;
  l0?: number | null;
  l1?: number | null;
  l2?: number | null;
  linf?: number | null;
}

export interface AttackAggregate {
  model: string;
  attack: string;
  settings: Readonly<Record<string, unknown>>;
  attempted: number;
  succeeded: number;
  /** succeeded / attempted. */
  successRate: number;
  /** Over successful examples only, as in the study: a failure has no adversarial example to measure. */
  distortion: Record<DistortionNorm, MeanStd>;
  /**
   * Every attempt's distortion in record order, a failure as +Infinity (no adversarial example within the
   * attack's budget): what failure-robust statistics (median, robustness curve) are computed from.
   */
  perExample: Record<DistortionNorm, number[]>;
}

/**
 * Per (model, attack, settings): attempts, successes, success rate and the mean/std of each distortion norm
 * over the successes. Groups come out in the order of their first record. A success without a finite value
 * for every norm is an upstream bug and throws, rather than turning a mean into NaN.
 */
export function aggregateRecords(records: Iterable<AttackRecord>): AttackAggregate[] {
  const groups = new Map<string, { first: AttackRecord; attempted: number; norms: Record<DistortionNorm, number[]>; perExample: Record<DistortionNorm, number[]> }>();
  for (const r of records) {
    const key = JSON.stringify([r.model, r.attack, canonicalJson(r.settings)]);
    let g = groups.get(key);
    if (!g) {
      g = { first: r, attempted: 0, norms: { l0: [], l1: [], l2: [], linf: [] }, perExample: { l0: [], l1: [], l2: [], linf: [] } };
      groups.set(key, g);
    }
    g.attempted++;
    if (!r.success) {
      for (const norm of DISTORTION_NORMS) g.perExample[norm].push(Infinity);
      continue;
    }
    for (const norm of DISTORTION_NORMS) {
      const v = r[norm];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`a successful ${r.attack} record of ${r.model} has ${norm} = ${String(v)}`);
      }
      g.norms[norm].push(v);
      g.perExample[norm].push(v);
    }
  }
  return [...groups.values()].map(({ first, attempted, norms, perExample }) => {
    const succeeded = norms.l2.length;
    return {
      model: first.model,
      attack: first.attack,
      settings: first.settings,
      attempted,
      succeeded,
      successRate: succeeded / attempted,
      distortion: { l0: meanStd(norms.l0), l1: meanStd(norms.l1), l2: meanStd(norms.l2), linf: meanStd(norms.linf) },
      perExample,
    };
  });
}
