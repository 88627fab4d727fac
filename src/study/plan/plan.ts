import type { StudyConfig } from '../config/config-schema.js';
import type { UnitRow } from '../../records/records.js';
import { attackSettings, cleverSettings, transferSettings, type AttackSetting } from './unit-settings.js';

/**
 * Work units: model x (attack setting | CLEVER | transfer setting) x shard of the sample. A shard is a
 * fixed range of sample positions, whatever the clean pass finds, so the plan is a function of the
 * config and the sample size alone: a resumed run (and `study status`) plans the same units and skips
 * the ones whose done-marker is stored. Which examples of a shard a unit actually attacks (the correctly
 * classified ones) is decided when it runs, from the stored clean rows.
 */
/** A unit carries the identity its done-marker (UnitRow) is stored under: id, phase, model, method, settings, shard. */
interface UnitBase extends Pick<UnitRow, 'id' | 'phase' | 'model' | 'method' | 'settings' | 'shard'> {
  /** Sample positions [start, end). */
  start: number;
  end: number;
}

export interface CleanUnit extends UnitBase {
  phase: 'clean';
}

export interface AttackUnit extends UnitBase {
  phase: 'attack';
  setting: AttackSetting;
}

export interface CleverUnit extends UnitBase {
  phase: 'clever';
}

/** The images of every source model for one setting and shard, evaluated on one target model. */
export interface TransferUnit extends UnitBase {
  phase: 'transfer';
  setting: AttackSetting;
  sources: string[];
}

export type Unit = CleanUnit | AttackUnit | CleverUnit | TransferUnit;

export const CLEAN_SETTINGS = '{}';

/** Phases run in this order: attacks need the clean pass, transfer needs the attacks it transfers. */
export function planUnits(config: StudyConfig, sampleSize: number): Unit[] {
  const models = config.models.map((m) => m.name);
  const shards = (limit: number | undefined) => {
    const end = Math.min(limit ?? sampleSize, sampleSize);
    return Array.from({ length: Math.ceil(end / config.shardSize) }, (_, shard) => ({
      shard,
      start: shard * config.shardSize,
      end: Math.min(end, (shard + 1) * config.shardSize),
    }));
  };
  const unit = <U extends Unit>(fields: Omit<U, 'id'>): U =>
    ({ id: JSON.stringify([fields.phase, fields.model, fields.method, fields.settings, fields.shard]), ...fields }) as U;

  const units: Unit[] = [];
  for (const model of models) {
    for (const s of shards(undefined)) units.push(unit<CleanUnit>({ phase: 'clean', model, method: 'clean', settings: CLEAN_SETTINGS, ...s }));
  }
  const settings = attackSettings(config);
  for (const model of models) {
    for (const setting of settings) {
      for (const s of shards(setting.limit)) {
        units.push(unit<AttackUnit>({ phase: 'attack', model, method: setting.method, settings: setting.settings, setting, ...s }));
      }
    }
  }
  if (config.clever) {
    const settings = cleverSettings(config.clever);
    for (const model of models) {
      for (const s of shards(config.clever.count)) units.push(unit<CleverUnit>({ phase: 'clever', model, method: 'clever', settings, ...s }));
    }
  }
  if (config.transfer) {
    const among = config.transfer.models ?? models;
    for (const model of among) {
      for (const setting of transferSettings(config)) {
        for (const s of shards(setting.limit)) {
          units.push(unit<TransferUnit>({
            phase: 'transfer', model, method: setting.method, settings: setting.settings, setting, sources: among.filter((m) => m !== model), ...s,
          }));
        }
      }
    }
  }
  return units;
}
