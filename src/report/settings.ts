import { canonicalJson } from '../records/canonical-json.js';
import { UserError } from '../core/errors.js';

/**
 * What makes two rows comparable: the method (attack, preset, 'clever'), its parameters, the target kind
 * and, for CLEVER, the norm. Rows carry the target kind (and CLEVER's norm) in their own fields as well as,
 * usually, in the parameters; keying on the fields too means no store layout can pool two target kinds.
 */
export interface SettingParts {
  method: string;
  params: Readonly<Record<string, unknown>>;
  targetKind: string;
  norm?: string;
}

export interface Setting extends SettingParts {
  key: string;
  /** Short and unique among the report's settings: the method, norm, target kind and the parameters that tell it apart. */
  label: string;
  /** File-name-safe and unique: position and label. */
  slug: string;
}

/** The settings object rows are grouped by (as `AttackRecord.settings` for aggregateRecords). */
export function groupingSettings(parts: SettingParts): Record<string, unknown> {
  return parts.norm === undefined ? { params: parts.params, targetKind: parts.targetKind } : { params: parts.params, targetKind: parts.targetKind, norm: parts.norm };
}

/** Equal for equal settings whatever the key order; matches scalingLaws' grouping key. */
export function settingKey(parts: SettingParts): string {
  return JSON.stringify([parts.method, canonicalJson(groupingSettings(parts))]);
}

/** A row's stored parameters (canonical JSON), with an error naming the row when the store holds something else. */
export function parseParams(json: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new UserError(`${what}: stored settings are not JSON: ${json.slice(0, 80)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${what}: stored settings are not a JSON object: ${json.slice(0, 80)}`);
  return value as Record<string, unknown>;
}

export const NORM_NAMES: Readonly<Record<string, string>> = { '1': 'L1', '2': 'L2', inf: 'L∞' };

export interface SettingCatalog {
  /** In order of first appearance. */
  list: Setting[];
  get(parts: SettingParts): Setting;
}

/** The distinct settings of `parts`, labelled. Attack, CLEVER and transfer rows share one catalog, so a transfer
 * heatmap and the attack table name the same source setting alike. */
export function catalogSettings(parts: Iterable<SettingParts>): SettingCatalog {
  const distinct = new Map<string, SettingParts>();
  for (const p of parts) {
    const key = settingKey(p);
    if (!distinct.has(key)) distinct.set(key, p);
  }
  const entries = [...distinct.entries()];
  const list = entries.map(([key, p], index): Setting => {
    const siblings = entries.map(([, q]) => q).filter((q) => q.method === p.method && q.norm === p.norm);
    const distinguishing = differingKeys(siblings).map((k) => `${k}=${display(p.params[k])}`);
    const label = [p.method === 'clever' ? 'CLEVER' : p.method, p.norm === undefined ? undefined : (NORM_NAMES[p.norm] ?? p.norm), p.targetKind, ...distinguishing]
      .filter((s) => s !== undefined)
      .join(' · ');
    const slug = `${index + 1}-${label.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-|-$/g, '')}`;
    return { ...p, key, label, slug };
  });
  const byKey = new Map(list.map((s) => [s.key, s]));
  return {
    list,
    get: (parts) => {
      const s = byKey.get(settingKey(parts));
      if (!s) throw new Error(`setting ${settingKey(parts)} is not in the catalog`);
      return s;
    },
  };
}

/**
 * Parameters whose values differ among settings of one method. A parameter that only restates the target
 * kind or norm is left out: the label names those already.
 */
function differingKeys(siblings: readonly SettingParts[]): string[] {
  const keys = [...new Set(siblings.flatMap((s) => Object.keys(s.params)))].sort();
  return keys.filter((k) => {
    const values = new Set(siblings.map((s) => JSON.stringify(s.params[k])));
    const restates = siblings.every((s) => String(s.params[k]) === s.targetKind || String(s.params[k]) === s.norm);
    return values.size > 1 && !restates;
  });
}

function display(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? 'unset' : JSON.stringify(v);
}
