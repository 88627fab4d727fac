import { existsSync, statSync } from 'node:fs';
import type { Dataset } from './dataset.js';
import { openImageFolder } from './image-folder.js';
import { UserError } from '../errors.js';

export interface LoadDatasetOptions {
  /** Labels file for a flat image folder. */
  labelsFile?: string;
}

/** Opens a dataset by its name: an image folder (one sub-folder per class, or flat with a labels file). */
export async function loadDataset(spec: string, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  if (existsSync(spec) && statSync(spec).isDirectory()) return openImageFolder(spec, { labelsFile: opts.labelsFile });
  throw new UserError(`${spec}: not a dataset; expected an image folder`);
}
