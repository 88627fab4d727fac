import { parse as parseYaml } from 'yaml';
import { messageOf } from './errors.js';

/**
 * JSON.parse that refuses a duplicate key: JSON.parse silently keeps the last one, so a field edited
 * twice in a config or manifest would take whichever came last. The duplicate check reads the text once
 * more with the YAML parser (JSON is YAML), which reports where the repeated key is.
 */
export function parseJsonStrict(text: string): unknown {
  const value: unknown = JSON.parse(text);
  try {
    parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    if (/keys must be unique/i.test(messageOf(err))) throw new SyntaxError(`duplicate key: ${messageOf(err)}`);
    // Any other YAML complaint about valid JSON is no concern of a JSON file.
  }
  return value;
}
