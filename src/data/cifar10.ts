import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError, messageOf } from '../core/errors.js';
import type { Dataset } from './dataset.js';
import type { ResizeMode } from './image.js';
import { resampleBatch } from './resample.js';

/** Class names in label order, as in the official `batches.meta.txt`. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

export type Cifar10Split = 'train' | 'test';

const SIDE = 32;
/** One label byte, then the 32x32 red, green and blue planes. */
const RECORD = 1 + 3 * SIDE * SIDE;
const BATCHES: Readonly<Record<Cifar10Split, readonly string[]>> = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
};
const META = 'batches.meta.txt';
/** The folder the official archive (cifar-10-binary.tar.gz) unpacks into. */
const ARCHIVE_FOLDER = 'cifar-10-batches-bin';

/** A CIFAR-10 split held in memory as its batch files (30 MB per 10,000 examples). */
export class Cifar10Dataset implements Dataset {
  readonly name: string;
  readonly size: number;

  constructor(
    readonly root: string,
    readonly split: Cifar10Split,
    readonly classes: readonly string[],
    private readonly batches: readonly Uint8Array[],
  ) {
    this.name = `cifar10:${split}`;
    this.size = batches.reduce((n, b) => n + b.length / RECORD, 0);
  }

  label(i: number): number {
    const [batch, at] = this.locate(i);
    return batch[at]!;
  }

  id(i: number): string {
    return `cifar10:${this.split}:${this.check(i)}`;
  }

  /** Sizes other than 32x32 are resampled bilinearly (see resampleToCanonical); `resize` applies to those only. */
  async load(
    indices: readonly number[],
    height: number,
    width: number,
    opts: { resize?: ResizeMode } = {},
  ): Promise<Float32Array> {
    const imageOf = (i: number) => {
      const [batch, at] = this.locate(i);
      return batch.subarray(at + 1, at + RECORD);
    };
    return resampleBatch(indices, imageOf, 'chw', SIDE, height, width, opts.resize);
  }

  /** The batch holding example i and the offset of its record. */
  private locate(i: number): [Uint8Array, number] {
    let rest = this.check(i);
    for (const b of this.batches) {
      const n = b.length / RECORD;
      if (rest < n) return [b, rest * RECORD];
      rest -= n;
    }
    throw new Error('unreachable: index checked against size');
  }

  private check(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`${this.name}: example ${i} out of range [0, ${this.size})`);
    }
    return i;
  }
}

/**
 * Opens the CIFAR-10 binary version (cifar-10-binary.tar.gz) in `dir`, or in its `cifar-10-batches-bin`
 * sub-folder, which is where the archive unpacks. The train split reads `data_batch_1.bin` ..
 * `data_batch_5.bin` in that order, the test split (default) `test_batch.bin`. Class names come from
 * `batches.meta.txt` when present, else the standard ten.
 */
export async function openCifar10(dir: string, opts: { split?: Cifar10Split } = {}): Promise<Cifar10Dataset> {
  const split = opts.split ?? 'test';
  if (split !== 'train' && split !== 'test') throw new UserError(`cifar10: unknown split '${String(split)}'; use train or test`);
  let root = resolve(dir);
  if (!(await isDirectory(root))) throw new UserError(`${dir}: CIFAR-10 folder not found`);
  if (!(await isFile(join(root, BATCHES[split][0]!))) && (await isDirectory(join(root, ARCHIVE_FOLDER)))) {
    root = join(root, ARCHIVE_FOLDER);
  }
  const missing: string[] = [];
  for (const f of BATCHES[split]) if (!(await isFile(join(root, f)))) missing.push(f);
  if (missing.length > 0) {
    throw new UserError(`${dir}: missing CIFAR-10 ${split} batch file(s) ${missing.join(', ')} (the binary version, cifar-10-binary.tar.gz)`);
  }
  const classes = await readClassNames(join(root, META));
  const batches = await Promise.all(BATCHES[split].map((f) => readBatch(join(root, f), classes.length)));
  return new Cifar10Dataset(root, split, classes, batches);
}

async function readBatch(path: string, numClasses: number): Promise<Uint8Array> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read CIFAR-10 batch (${messageOf(err)})`, { cause: err });
  }
  if (data.length === 0 || data.length % RECORD !== 0) {
    throw new UserError(`${path}: ${data.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records (truncated, or not the binary version?)`);
  }
  for (let r = 0; r < data.length / RECORD; r++) {
    const label = data[r * RECORD]!;
    if (label >= numClasses) {
      throw new UserError(`${path}: record ${r} has label ${label}, expected 0..${numClasses - 1} (CIFAR-100 or a corrupt file?)`);
    }
  }
  return data;
}

/** One name per non-empty line; the official file ends in blank lines. */
async function readClassNames(path: string): Promise<readonly string[]> {
  if (!(await isFile(path))) return CIFAR10_CLASSES;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(`${path}: cannot read class names (${messageOf(err)})`, { cause: err });
  }
  const names = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (names.length !== CIFAR10_CLASSES.length) {
    throw new UserError(`${path}: ${names.length} class names, expected ${CIFAR10_CLASSES.length} (one per line)`);
  }
  return names;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}
