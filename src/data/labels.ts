import { readFile } from 'node:fs/promises';
import { UserError, messageOf } from '../core/errors.js';

/** A model's class list: entry i describes logit i. `ids` align datasets, `names` are for people. */
export interface LabelList {
  ids: string[];
  names: string[];
}

const WORDNET_ID = /^n\d{8}$/;
const INTEGER = /^\d+$/;

/**
 * Reads a class list, one class per logit, from
 * - a text file with one line per class: `n01440764 tench, Tinca tinca` (Caffe synset_words: id is the
 *   WordNet ID, name the first synonym), `n01440764` alone, or any other line (`kit fox`), which is both
 *   id and name. Trailing empty lines are ignored; an empty line inside would shift every later class, so
 *   it is an error.
 * - a JSON file: an array of names (`imagenet-simple-labels.json`), an array of `[id, name]` pairs, or an
 *   object keyed by index `{"0": ["n01440764", "tench"], ...}` (Keras `imagenet_class_index.json`), whose
 *   values may also be plain names.
 */
export async function readLabelList(path: string): Promise<LabelList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(`${path}: cannot read label list (${messageOf(err)})`, { cause: err });
  }
  const list = path.toLowerCase().endsWith('.json') ? parseJsonLabels(text, path) : parseTextLabels(text, path);
  if (list.ids.length === 0) throw new UserError(`${path}: label list is empty`);
  return list;
}

function parseTextLabels(text: string, path: string): LabelList {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const ids: string[] = [];
  const names: string[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') throw new UserError(`${path}:${i + 1}: empty line in a label list (one class per line)`);
    const [first, ...rest] = line.split(/\s+/);
    if (WORDNET_ID.test(first!)) {
      const name = rest.join(' ').split(',')[0]!.trim();
      ids.push(first!);
      names.push(name === '' ? first! : name);
    } else {
      ids.push(line);
      names.push(line);
    }
  });
  return { ids, names };
}

function parseJsonLabels(text: string, path: string): LabelList {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: invalid JSON (${messageOf(err)})`, { cause: err });
  }
  let entries: unknown[];
  if (Array.isArray(value)) {
    entries = value;
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (!keys.every((k) => INTEGER.test(k))) {
      throw new UserError(`${path}: a label object must be keyed by class index ("0", "1", ...)`);
    }
    entries = [];
    for (const k of keys) entries[Number(k)] = (value as Record<string, unknown>)[k];
  } else {
    throw new UserError(`${path}: expected a JSON array of class names or an object keyed by class index`);
  }
  const ids: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (typeof e === 'string') {
      ids.push(e);
      names.push(e);
    } else if (Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string') {
      ids.push(e[0]);
      names.push(e[1]);
    } else {
      throw new UserError(`${path}: class ${i} must be a name or an [id, name] pair, got ${JSON.stringify(e) ?? 'nothing'}`);
    }
  }
  return { ids, names };
}

/**
 * Maps each dataset class index to the model's logit index.
 * By id when every dataset class is among the model's class ids (so a 1001-class model with a
 * "background" entry first lines up by itself); otherwise, when every dataset class is an integer
 * string, by that integer, which must be below numClasses; otherwise a model without class ids (no label
 * list) is taken to use the dataset's class order, which needs the class counts to agree.
 */
export function alignLabels(
  datasetClasses: readonly string[],
  model: { classIds: readonly string[]; numClasses: number },
): Int32Array {
  const logitOf = new Map<string, number>();
  model.classIds.forEach((id, i) => {
    if (!logitOf.has(id)) logitOf.set(id, i);
  });
  if (datasetClasses.every((c) => logitOf.has(c))) {
    return Int32Array.from(datasetClasses, (c) => logitOf.get(c)!);
  }
  const allIntegers = datasetClasses.every((c) => INTEGER.test(c));
  if (allIntegers && datasetClasses.every((c) => Number(c) < model.numClasses)) {
    return Int32Array.from(datasetClasses, Number);
  }
  if (model.classIds.length === 0) {
    if (datasetClasses.length === model.numClasses) return Int32Array.from(datasetClasses, (_, i) => i);
    throw new UserError(`the model has no label list and ${model.numClasses} classes, the dataset ${datasetClasses.length}; give the model's labels (--labels FILE or its manifest)`);
  }
  const unmatched = allIntegers
    ? datasetClasses.filter((c) => Number(c) >= model.numClasses)
    : datasetClasses.filter((c) => !logitOf.has(c));
  const shown = unmatched.slice(0, 5).join(', ') + (unmatched.length > 5 ? `, ... (${unmatched.length} in all)` : '');
  throw new UserError(
    `${unmatched.length} of ${datasetClasses.length} dataset classes match neither a model class id nor ` +
      `an integer index below ${model.numClasses}: ${shown}; name the classes by the model's class ids ` +
      `(e.g. ${model.classIds.slice(0, 2).join(', ')}) or by logit index`,
  );
}
