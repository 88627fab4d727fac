import { parseStudyConfig, type StudyConfig, type StudyConfigInput } from '../config-schema.js';
import { UserError } from '../../../core/errors.js';
import { miniPreset } from './mini.js';
import { paperPreset } from './paper.js';

/** Built-in studies, as config objects validated by the same schema as a config file. */
export const STUDY_PRESETS: Readonly<Record<string, () => StudyConfigInput>> = { mini: miniPreset, paper: paperPreset };

export function studyPreset(name: string): StudyConfig {
  const preset = Object.hasOwn(STUDY_PRESETS, name) ? STUDY_PRESETS[name] : undefined;
  if (!preset) throw new UserError(`unknown study preset '${name}'; presets: ${Object.keys(STUDY_PRESETS).join(', ')}`);
  return parseStudyConfig(preset(), `study preset '${name}'`);
}
