import type { OpenInterval } from '../analysis/stats.js';
import type { Setting } from './settings.js';
import type { StudyModel } from './study-models.js';
import type { Column, Row } from './table.js';

/** The leading columns of a table with a row per attack setting: the setting and its parameters (exported). */
export const SETTING_COLUMNS: readonly Column[] = [
  { key: 'setting', label: 'attack setting', kind: 'text' },
  { key: 'settings', label: 'parameters', kind: 'code', exportOnly: true },
];

/** The leading columns of a table with a row per attack setting and model: SETTING_COLUMNS, the model, its family. */
export const SETTING_MODEL_COLUMNS: readonly Column[] = [
  ...SETTING_COLUMNS,
  { key: 'model', label: 'model', kind: 'text' },
  { key: 'family', label: 'family', kind: 'text' },
];

/**
 * Distribution-free 95% intervals of a median and a p90 ratio (quantileInterval), each to sit beside its
 * statistic; a caption says that an end is — when too few examples bound it.
 */
export const QUANTILE_INTERVAL_COLUMNS: readonly Column[] = [
  { key: 'medianLow', label: 'median 95% low', kind: 'change' },
  { key: 'medianHigh', label: 'median 95% high', kind: 'change' },
  { key: 'p90Low', label: 'p90 95% low', kind: 'change' },
  { key: 'p90High', label: 'p90 95% high', kind: 'change' },
];

/** The cells of QUANTILE_INTERVAL_COLUMNS. */
export function quantileIntervalCells(median: OpenInterval, p90: OpenInterval): Row {
  return { medianLow: median.low ?? null, medianHigh: median.high ?? null, p90Low: p90.low ?? null, p90High: p90.high ?? null };
}

/** The columns of `columns` with the interval columns of each ratio (medianRatio, p90Ratio) right after it. */
export function withQuantileIntervals(columns: readonly Column[]): Column[] {
  return columns.flatMap((c) => [c, ...QUANTILE_INTERVAL_COLUMNS.filter((i) => c.key.endsWith('Ratio') && i.key.startsWith(c.key.replace('Ratio', '')))]);
}

/** The cells of SETTING_COLUMNS. */
export function settingCells(setting: Setting): Row {
  return { setting: setting.label, settings: JSON.stringify(setting.params) };
}

/** The cells of SETTING_MODEL_COLUMNS. */
export function settingModelCells(setting: Setting, model: Pick<StudyModel, 'name' | 'family'>): Row {
  return { ...settingCells(setting), model: model.name, family: model.family };
}
