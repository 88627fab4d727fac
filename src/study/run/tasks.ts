import type { Unit } from '../plan/plan.js';
import type { AttackRow, CleanRow, ItemRow, Provenance } from '../../records/records.js';
import type { UnitRows } from '../store/study-store.js';

/**
 * What passes between the runner (or a queue worker), which alone reads and writes the store, and the code that computes a
 * unit (in-process or in a worker process): everything a unit needs from the store travels with it, and
 * its rows come back without provenance, which the runner stamps when it commits them.
 */

export type Unstamped<R> = Omit<R, keyof Provenance>;

/** A source model's attack rows (with their images) for the items of a transfer unit. */
export interface TransferSource {
  model: string;
  sha256: string;
  inputShape: [number, number, number];
  rows: AttackRow[];
}

export interface UnitTask {
  unit: Unit;
  /**
   * The items to work on: the shard's items for the clean pass; for attack and CLEVER units the ranks
   * [start, end) of the items the sampling policy keeps (correctly classified); none for held-out accuracy.
   */
  items: ItemRow[];
  /** Transfer units: the target model's clean rows of the shard, and every source's attack rows. */
  transfer?: { targetSha256: string; targetClean: CleanRow[]; sources: TransferSource[] };
}

type Unstamp<U> = U extends { phase: infer P; rows: (infer R)[] } ? { phase: P; rows: Unstamped<R>[] } : never;

export type UnitOutput = Unstamp<UnitRows> & { timeMs: number };
