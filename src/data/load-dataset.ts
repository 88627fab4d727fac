import { existsSync, statSync } from 'node:fs';
import type { Dataset } from './dataset.js';
import { openCifar10 } from './cifar10.js';
import { openImageFolder } from './image-folder.js';
import { openSynthetic } from './synthetic/dataset.js';
import { UserError } from '../core/errors.js';

export interface LoadDatasetOptions {
  /** Labels file for a flat image folder. */
  labelsFile?: string;
}

const SYNTHETIC = /^synthetic(?::(train|test))?$/;
const SPLIT_SUFFIX = /:(train|test)$/;

/**
 * Opens a dataset by its spec, tried in this order:
 * - `synthetic`, `synthetic:test`, `synthetic:train`: the built-in procedural dataset (test split by default);
 * - `cifar10:<dir>`, `cifar10:<dir>:test`, `cifar10:<dir>:train`: CIFAR-10 binary batches in <dir>, test split
 *   by default. Only a trailing `:train` or `:test` is read as the split, so <dir> may itself hold colons;
 * - an image folder (one sub-folder per class, or flat with a labels file).
 * The built-in names win over a folder of the same name: write `./synthetic` for the folder.
 */
export async function loadDataset(spec: string, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  const synthetic = SYNTHETIC.exec(spec);
  if (synthetic !== null) return openSynthetic({ split: synthetic[1] as 'train' | 'test' | undefined });
  if (spec.startsWith('cifar10:')) {
    const rest = spec.slice('cifar10:'.length);
    const split = SPLIT_SUFFIX.exec(rest)?.[1] as 'train' | 'test' | undefined;
    const dir = split === undefined ? rest : rest.slice(0, -(split.length + 1));
    if (dir === '') throw new UserError(`${spec}: name the CIFAR-10 folder, as in cifar10:<dir> or cifar10:<dir>:train`);
    return openCifar10(dir, { split });
  }
  if (existsSync(spec) && statSync(spec).isDirectory()) return openImageFolder(spec, { labelsFile: opts.labelsFile });
  throw new UserError(
    `${spec}: not a dataset; expected synthetic[:train|:test], cifar10:<dir>[:train|:test] or an image folder`,
  );
}
