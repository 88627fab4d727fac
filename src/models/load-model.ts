import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeModel } from '../onnx/codec.js';
import type { Model } from '../onnx/ir.js';
import { validateModel } from '../onnx/validate.js';
import { OnnxClassifier, type ClassifierOptions } from '../runtime/onnx-classifier.js';
import { parseManifest, readManifestJson, type Manifest, type ManifestInput } from './manifest.js';
import { describeFormats, importerFor, sidecarManifestPath } from './importers/registry.js';
import { sha256 } from './importers/model-file.js';
import { readLabelList } from '../data/labels.js';
import { SYNTHETIC_CLASSES } from '../data/synthetic/definition.js';
import { zooDir, zooEntry } from './zoo/zoo-manifest.js';
import { confinedPath } from './confined-path.js';
import { UserError, messageOf } from '../core/errors.js';

export interface LoadModelOptions extends ClassifierOptions {
  /** Manifest fields that override the sidecar manifest. */
  manifest?: ManifestInput;
  /** A label list file that overrides the manifest's. */
  labels?: string;
}

export interface ModelSource {
  model: Model;
  manifest: Manifest;
  /** Folder that relative paths in the manifest are resolved against. */
  baseDir: string;
  sha256: string;
}

/** What a model argument may be, as the CLI help and errors say it. */
export const MODEL_NAMES = `a path to ${describeFormats()}, or zoo:<name>`;

/** Reads a model by its name: a path to a file of a format in the importer registry, or zoo:<name>. */
export async function readModelSource(spec: string, override: ManifestInput = {}): Promise<ModelSource> {
  if (spec.startsWith('zoo:')) return readZooModel(spec.slice(4), override);
  const importer = importerFor(spec);
  if (!importer) throw new UserError(`${spec}: not a model name; expected ${MODEL_NAMES}`);
  const { manifest, path } = readSidecarManifest(spec, override);
  const { model, sha256 } = await importer.read({ path: spec, manifest, manifestPath: path ?? sidecarManifestPath(spec) });
  validateModel(model, spec);
  return { model, manifest, baseDir: dirname(path ?? spec), sha256 };
}

/** The sidecar manifest with `override` merged over its fields, validated once; the defaults when there is none. */
function readSidecarManifest(spec: string, override: ManifestInput): { manifest: Manifest; path?: string } {
  const path = sidecarManifestPath(spec);
  if (!existsSync(path)) return { manifest: parseManifest(override, spec) };
  const raw = readManifestJson(path);
  // Only an object takes overrides; anything else fails validation as it stands.
  const merged = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...raw, ...override } : raw;
  return { manifest: parseManifest(merged, path), path };
}

/** A trained zoo model: its file is checked against the sha256 its manifest entry records. */
function readZooModel(name: string, override: ManifestInput): ModelSource {
  const entry = zooEntry(name);
  const path = join(zooDir(), entry.file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`zoo:${name}: cannot read ${path} (${messageOf(err)})`);
  }
  const hash = sha256(bytes);
  if (hash !== entry.sha256) throw new UserError(`zoo:${name}: ${path} does not match the sha256 in the zoo manifest (corrupt or replaced file)`);
  const model = decodeModel(bytes, path);
  validateModel(model, path);
  const manifest = parseManifest({ name: `zoo:${name}`, family: entry.family, labels: [...SYNTHETIC_CLASSES], outputs: 'logits', ...override }, `zoo:${name}`);
  return { model, manifest, baseDir: zooDir(), sha256: hash };
}

/** Loads a model as a Classifier in canonical space (preprocessing inside the graph, logits out). */
export async function loadModel(spec: string, opts: LoadModelOptions = {}): Promise<OnnxClassifier<Manifest>> {
  const src = await readModelSource(spec, opts.manifest);
  const labelFile = opts.labels ?? (typeof src.manifest.labels === 'string' ? confinedPath(src.baseDir, src.manifest.labels, `${spec}: manifest field 'labels'`) : undefined);
  const list = labelFile ? await readLabelList(labelFile) : Array.isArray(src.manifest.labels) ? { ids: src.manifest.labels, names: src.manifest.labels } : undefined;
  return OnnxClassifier.create(src.model, src.manifest, { name: src.manifest.name ?? spec, sha256: src.sha256, ids: list?.ids, names: list?.names }, opts);
}
