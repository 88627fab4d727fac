import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { Model } from '../onnx/ir.js';
import { validateModel } from '../onnx/validate.js';
import { OnnxClassifier, type ClassifierOptions } from '../runtime/onnx-classifier.js';
import { manifestFor, parseManifest, sidecarManifestPath, type Manifest, type ManifestInput } from './manifest.js';
import { readLabelList } from '../data/labels.js';
import { SYNTHETIC_CLASSES } from '../data/synthetic.js';
import { zooDir, zooEntry } from './zoo/zoo-manifest.js';
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

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Reads a model by its name: a path to an .onnx file, a TF.js model.json, a frozen TensorFlow GraphDef (.pb),
 * a TensorFlow checkpoint's .index or a .safetensors file (whose manifests name their architecture).
 */
export async function readModelSource(spec: string, override: ManifestInput = {}): Promise<ModelSource> {
  if (spec.startsWith('zoo:')) return readZooModel(spec.slice(4), override);
  const found = manifestFor(spec);
  const manifest = parseManifest({ ...(found.path ? JSON.parse(readFileSync(found.path, 'utf8')) : {}), ...override }, found.path ?? spec);
  let model: Model;
  let hash: string;
  if (/\.(onnx|pb)$/i.test(spec)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(spec);
    } catch (err) {
      throw new UserError(`${spec}: cannot read model file (${messageOf(err)})`);
    }
    if (/\.pb$/i.test(spec)) {
      // Loaded on demand: most runs never touch a TensorFlow graph.
      const { convertTfGraphDef } = await import('./importers/tf-graphdef.js');
      model = convertTfGraphDef(bytes, spec, { output: manifest.tfOutput });
    } else {
      model = decodeModel(bytes, spec);
    }
    hash = sha256(bytes);
  } else if (/\.(index|safetensors)$/i.test(spec)) {
    ({ model, hash } = await readWeightsModel(spec, manifest, found.path));
  } else if (/\.json$/i.test(spec)) {
    // Loaded on demand: most runs never touch a TF.js model.
    const { importTfjsLayers } = await import('./importers/tfjs-layers.js');
    model = await importTfjsLayers(spec);
    hash = sha256(encodeModel(model));
  } else {
    throw new UserError(`${spec}: not a model name; expected a path to an .onnx file, a TF.js model.json, a frozen TensorFlow graph (.pb), a TensorFlow checkpoint (.index), timm weights (.safetensors), or zoo:<name>`);
  }
  validateModel(model, spec);
  return { model, manifest, baseDir: dirname(found.path ?? spec), sha256: hash };
}

/** The architectures whose weights come without a graph, by the file that holds them. */
const WEIGHT_FILES = {
  index: { what: 'a TensorFlow checkpoint', architectures: ['densenet121', 'densenet161', 'densenet169'] },
  safetensors: { what: 'a safetensors file', architectures: ['nasnetalarge'] },
} as const;

/**
 * Weights without a graph (a TensorFlow checkpoint, timm's safetensors) with the network their manifest
 * names. A checkpoint's sha256 covers the index and the data shards, in order.
 */
async function readWeightsModel(spec: string, { architecture, inputSize }: Manifest, manifestPath: string | undefined): Promise<{ model: Model; hash: string }> {
  const kind = spec.toLowerCase().endsWith('.index') ? 'index' : 'safetensors';
  const { what, architectures } = WEIGHT_FILES[kind];
  const where = manifestPath ?? sidecarManifestPath(spec);
  if (!architecture) {
    throw new UserError(`${spec}: ${what} holds weights without the network; name it with the manifest field "architecture" in ${where} (${architectures.join(', ')})`);
  }
  if (!(architectures as readonly string[]).includes(architecture)) {
    throw new UserError(`${where}: manifest field 'architecture': '${architecture}' is not built from ${what}; expected ${architectures.join(', ')}`);
  }
  // Loaded on demand: most runs never touch these formats.
  if (architecture === 'nasnetalarge') {
    const { SafeTensors } = await import('./importers/safetensors.js');
    const { importTimmNasnet, TIMM_NASNETS } = await import('./importers/timm-nasnet.js');
    const weights = SafeTensors.read(spec);
    return { model: importTimmNasnet(weights, TIMM_NASNETS[architecture], inputSize), hash: weights.sha256 };
  }
  const { Checkpoint } = await import('./importers/tf-checkpoint.js');
  const { importSlimDenseNet, SLIM_DENSENETS } = await import('./importers/slim-densenet.js');
  const ckpt = Checkpoint.read(spec);
  return { model: importSlimDenseNet(ckpt, SLIM_DENSENETS[architecture], inputSize), hash: ckpt.sha256 };
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
  const labelFile = opts.labels ?? (typeof src.manifest.labels === 'string' ? resolve(src.baseDir, src.manifest.labels) : undefined);
  const list = labelFile ? await readLabelList(labelFile) : Array.isArray(src.manifest.labels) ? { ids: src.manifest.labels, names: src.manifest.labels } : undefined;
  return OnnxClassifier.create(src.model, src.manifest, { name: src.manifest.name ?? spec, sha256: src.sha256, ids: list?.ids, names: list?.names }, opts);
}
