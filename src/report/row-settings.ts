import type { AttackRow, CleverRow, TransferRow } from '../records/records.js';
import { parseParams, type SettingParts } from './settings.js';

/**
 * The setting each kind of row belongs to. Rows repeat a handful of settings strings thousands of times,
 * so each string is parsed once.
 */
export class RowSettings {
  private readonly parsed = new Map<string, Record<string, unknown>>();

  attack(row: AttackRow): SettingParts {
    return { method: row.method, params: this.parse(row.settings, `attack row ${row.method} of ${row.itemId}`), targetKind: row.targetKind };
  }

  clever(row: CleverRow): SettingParts {
    return { method: row.method, params: this.parse(row.settings, `CLEVER row of ${row.itemId}`), targetKind: row.targetKind, norm: row.norm };
  }

  /** A transfer row's settings are its source attack's, so its heatmap and the attack table name the setting alike. */
  transfer(row: TransferRow): SettingParts {
    return { method: row.sourceMethod, params: this.parse(row.settings, `transfer row ${row.sourceMethod} of ${row.itemId}`), targetKind: row.targetKind };
  }

  private parse(json: string, what: string): Record<string, unknown> {
    let v = this.parsed.get(json);
    if (!v) {
      v = parseParams(json, what);
      this.parsed.set(json, v);
    }
    return v;
  }
}
