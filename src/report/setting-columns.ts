import type { Setting } from './settings.js';
import type { StudyModel } from './study-models.js';
import type { Column, Row } from './table.js';

/** The leading columns of a table with a row per attack setting and model: the setting, its parameters (exported), the model, its family. */
export const SETTING_MODEL_COLUMNS: readonly Column[] = [
  { key: 'setting', label: 'attack setting', kind: 'text' },
  { key: 'settings', label: 'parameters', kind: 'code', exportOnly: true },
  { key: 'model', label: 'model', kind: 'text' },
  { key: 'family', label: 'family', kind: 'text' },
];

/** The cells of SETTING_MODEL_COLUMNS. */
export function settingModelCells(setting: Setting, model: Pick<StudyModel, 'name' | 'family'>): Row {
  return { setting: setting.label, settings: JSON.stringify(setting.params), model: model.name, family: model.family };
}
