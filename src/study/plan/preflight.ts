import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Dataset } from '../../data/dataset.js';
import { loadDataset } from '../../data/load-dataset.js';
import { UserError, messageOf } from '../../core/errors.js';
import { readZooManifest, zooDir } from '../../models/zoo/zoo-manifest.js';
import { ZOO_PREFIX, type ModelEntry, type StudyConfig } from '../config/config-schema.js';
import type { ItemRow } from '../../records/records.js';
import { heldOutSize } from './plan.js';
import { sampleItems } from './sampling.js';
import { findPaperModel, PAPER_LABELS, type PaperModel } from '../../models/catalog/paper-models.js';

/**
 * Everything about a config that needs the file system, checked before any work is done or any file
 * written: that each model file (and label list) is there, that the dataset opens and holds enough
 * examples. Missing models are all named at once, with how to get each.
 */
export async function preflight(config: StudyConfig): Promise<{ dataset: Dataset; items: ItemRow[]; heldOut: number }> {
  const missing = config.models.flatMap((entry, i) => missingModel(entry, i));
  for (const [path, users] of missingLabelLists(config.models)) {
    const pulled = basename(path) === PAPER_LABELS.file ? ' (robustscope models pull <paper model> fetches it)' : '';
    missing.push(`label list ${path} (of ${users.join(', ')}): not found; one class id per line, in logit order${pulled}`);
  }
  if (missing.length > 0) {
    throw new UserError(`${missing.length} file${missing.length === 1 ? '' : 's'} the study needs ${missing.length === 1 ? 'is' : 'are'} missing:\n  ${missing.join('\n  ')}`);
  }
  let dataset: Dataset;
  try {
    dataset = await loadDataset(config.dataset.name, { labelsFile: config.dataset.labels });
  } catch (err) {
    throw new UserError(`field 'dataset.name': ${messageOf(err)}`, { cause: err });
  }
  return { dataset, items: sampleItems(dataset, config.dataset.count, config.seed), heldOut: heldOutSize(config, dataset.size) };
}

function missingModel(entry: ModelEntry, i: number): string[] {
  if (entry.name.startsWith(ZOO_PREFIX)) {
    const name = entry.name.slice(ZOO_PREFIX.length);
    const trained = readZooManifest().models.find((m) => m.name === name);
    return trained && existsSync(join(zooDir(), trained.file)) ? [] : [`models[${i}] ${entry.name}: not trained yet: robustscope zoo train --model ${name}`];
  }
  if (existsSync(entry.name)) return [];
  const { url, sha256, member } = entry.manifest ?? {};
  const paper = paperModelOf(entry);
  const how = paper
    ? `get it with: robustscope models pull ${paper.name} --out ${entry.name}`
    : url
    ? `get it with: robustscope models pull ${url}${sha256 ? ` --sha256 ${sha256}` : ''}${member ? ` --member ${member}` : ''} --out ${entry.name}`
    : 'no download URL is recorded for it yet: export the model to ONNX and save it there';
  return [`models[${i}] ${entry.name}: ${how}`];
}

/**
 * The paper model a config entry names by its table name and file: `robustscope models pull <name> --out
 * <file>` fetches it, writes its manifest and the class list beside it.
 */
export function paperModelOf(entry: ModelEntry): PaperModel | undefined {
  const name = entry.manifest?.name;
  const paper = name === undefined ? undefined : findPaperModel(name);
  return paper && basename(entry.name) === paper.file ? paper : undefined;
}

/** The config's paper models whose file is not on this machine. */
export function missingPaperModels(config: StudyConfig): { entry: ModelEntry; paper: PaperModel }[] {
  return config.models.flatMap((entry) => {
    const paper = paperModelOf(entry);
    return paper && !existsSync(entry.name) ? [{ entry, paper }] : [];
  });
}

/** Label lists named by a config's model entries that are not there, each once with the models using it. */
function missingLabelLists(entries: readonly ModelEntry[]): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  entries.forEach((entry, i) => {
    const listed = entry.manifest?.labels;
    const path = entry.labels ?? (typeof listed === 'string' ? resolve(dirname(entry.name), listed) : undefined);
    if (path && !existsSync(path)) missing.set(path, [...(missing.get(path) ?? []), `models[${i}]`]);
  });
  return missing;
}
