import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError, messageOf } from '../../core/errors.js';
import type { Model } from '../../onnx/ir.js';
import type { Manifest } from '../manifest.js';

/** A model file handed to its format's importer, with the manifest that describes it. */
export interface ModelFile {
  path: string;
  manifest: Manifest;
  /** Where the manifest is, or would be: errors about its fields name this file. */
  manifestPath: string;
}

/** What an importer returns: the model as ONNX, and the sha256 that identifies its source. */
export interface ImportedModel {
  model: Model;
  sha256: string;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The bytes of a model file; an unreadable file is an error naming it. */
export function readModelBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read model file (${messageOf(err)})`);
  }
}

/**
 * The network a weights-only file (`what`, e.g. 'a TensorFlow checkpoint') holds the weights of, as its
 * manifest's "architecture" names it: having no graph, the file cannot say, so a missing or foreign name is
 * an error naming the manifest.
 */
export function architectureOf<A extends string>(file: ModelFile, what: string, architectures: readonly A[]): A {
  const { architecture } = file.manifest;
  if (!architecture) {
    throw new UserError(`${file.path}: ${what} holds weights without the network; name it with the manifest field "architecture" in ${file.manifestPath} (${architectures.join(', ')})`);
  }
  if (!(architectures as readonly string[]).includes(architecture)) {
    throw new UserError(`${file.manifestPath}: manifest field 'architecture': '${architecture}' is not built from ${what}; expected ${architectures.join(', ')}`);
  }
  return architecture as A;
}
