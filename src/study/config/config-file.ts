import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UserError, messageOf } from '../../core/errors.js';
import { parseJsonStrict } from '../../core/strict-json.js';
import { parseStudyConfig, type StudyConfig } from './config-schema.js';

/** Reads and validates a study config file: JSON (`.json`) or YAML (anything else; YAML reads JSON too). */
export function readStudyConfigFile(path: string): StudyConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`${path}: cannot read the study config (${messageOf(err)})`);
  }
  let value: unknown;
  try {
    value = path.toLowerCase().endsWith('.json') ? parseJsonStrict(text) : parseYaml(text);
  } catch (err) {
    throw new UserError(`${path}: not valid ${path.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'} (${messageOf(err)})`);
  }
  return parseStudyConfig(value, path);
}
