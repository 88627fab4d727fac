import { createHash } from 'node:crypto';
import { canonicalJson } from '../../records/canonical-json.js';
import { UserError } from '../../core/errors.js';
import { graphDepth } from '../../models/graph-depth.js';
import { loadModel } from '../../models/load-model.js';
import { summarize } from '../../models/summary.js';
import { ZOO_ARCHITECTURES } from '../../models/zoo/registry.js';
import type { Manifest } from '../../models/manifest.js';
import type { OnnxClassifier } from '../../runtime/onnx-classifier.js';
import { ZOO_PREFIX, type ModelEntry, type StudyConfig } from '../config/config-schema.js';
import type { ModelRow } from '../../records/records.js';
import type { Unstamped } from './tasks.js';

/** A config's model as a classifier: its manifest and label overrides applied. */
export function loadStudyModel(entry: ModelEntry, threads?: number): Promise<OnnxClassifier<Manifest>> {
  return loadModel(entry.name, { manifest: entry.manifest, labels: entry.labels, threads });
}

/**
 * What the store keeps about a model. A manifest that states the file's sha256 (the paper models') is
 * checked here, so a study never runs on a file other than the one it names, and so is that its exact
 * input gradients compile when the study differentiates it.
 */
export async function describeModel(entry: ModelEntry, classifier: OnnxClassifier<Manifest>, needsGradients: boolean): Promise<Unstamped<ModelRow>> {
  const expected = entry.manifest?.sha256;
  if (expected && expected !== classifier.sha256) {
    throw new UserError(`${entry.name}: the file's sha256 is ${classifier.sha256}, its manifest expects ${expected}; download it again (robustscope models pull)`);
  }
  const summary = await summarize(classifier);
  // Attacks and CLEVER differentiate the model: a node without a gradient stops the study before any unit runs.
  if (needsGradients && !summary.gradients.differentiable) throw new UserError(`${entry.name}: its input gradients do not compile, which the study's attacks and CLEVER need: ${summary.gradients.reason}`);
  const zoo = entry.name.startsWith(ZOO_PREFIX) ? ZOO_ARCHITECTURES.find((a) => ZOO_PREFIX + a.name === entry.name) : undefined;
  return {
    name: entry.name,
    sha256: classifier.sha256,
    family: classifier.manifest.family ?? zoo?.family ?? 'unknown',
    parameters: summary.parameters,
    flopsPerImage: summary.flopsPerImage,
    inputShape: [...classifier.inputShape],
    numClasses: classifier.numClasses,
    identity: modelIdentity(classifier),
    depth: graphDepth(classifier.raw.graph),
  };
}

/** The graph file's sha256, the manifest in force and the label list, hashed together (ModelRow.identity). */
export function modelIdentity(classifier: Pick<OnnxClassifier, 'sha256' | 'manifest' | 'labels' | 'classIds'>): string {
  const { sha256, manifest, labels, classIds } = classifier;
  return createHash('sha256').update(canonicalJson({ sha256, manifest, labels, classIds })).digest('hex');
}

/**
 * Models whose examples are fed to each other must agree on their classes, so that a label or target
 * index means the same class to both. (Input sizes may differ: the transfer metric adapts the images
 * and records how.)
 */
export function checkTransferModels(config: StudyConfig, classifiers: ReadonlyMap<string, OnnxClassifier>): void {
  if (!config.transfer) return;
  const names = config.transfer.models ?? config.models.map((m) => m.name);
  const first = classifiers.get(names[0]!)!;
  for (const name of names.slice(1)) {
    const other = classifiers.get(name)!;
    if (other.numClasses !== first.numClasses || other.classIds.join('\n') !== first.classIds.join('\n')) {
      throw new UserError(`transfer: ${names[0]} and ${name} do not share their classes (${first.numClasses} vs ${other.numClasses} classes, or another class order)`);
    }
  }
}

/**
 * A queue worker's check, before it claims any unit: each model as this machine resolves it (a zoo model
 * by name, a file by path) is the one the study recorded, by sha256, so that one study never mixes two
 * versions of a model. Models are loaded one at a time.
 */
export async function checkRecordedModels(config: StudyConfig, recorded: ReadonlyMap<string, string>, store: string): Promise<void> {
  for (const entry of config.models) {
    const classifier = await loadStudyModel(entry);
    try {
      const expected = recorded.get(entry.name);
      if (expected !== classifier.sha256) {
        throw new UserError(
          `${entry.name}: on this machine its sha256 is ${classifier.sha256}, but the study in ${store} recorded ${expected ?? 'no such model'}; ` +
            'give this machine the same file (or zoo model) the study was submitted with',
        );
      }
    } finally {
      await classifier.dispose();
    }
  }
}
