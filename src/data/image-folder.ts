import type { Dirent } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, posix, resolve } from 'node:path';
import { UserError, messageOf } from '../core/errors.js';
import type { Dataset } from './dataset.js';
import { loadImage, type ResizeMode } from './image.js';

/** Extensions sharp's bundled libvips decodes (BMP is not among them). */
const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'];
const LABEL_FILES = ['labels.txt', 'labels.csv'];
/** Enough to keep libuv's 4 default threads busy while bounding how many decoded images sit in memory. */
const DECODE_CONCURRENCY = 4;

export interface ImageFolderOptions {
  /** Labels file for a flat folder; relative entries in it are relative to the image folder. */
  labelsFile?: string;
  /** Default resize mode, used when `load` is not given one. */
  resize?: ResizeMode;
}

/** Images on disk with their class labels; example i is file `id(i)` under `root`. */
export class ImageFolderDataset implements Dataset {
  readonly name: string;
  readonly size: number;

  constructor(
    readonly root: string,
    readonly classes: readonly string[],
    private readonly files: readonly string[],
    private readonly labels: Int32Array,
    private readonly resize: ResizeMode = 'shorter-side-crop',
  ) {
    this.name = basename(root);
    this.size = files.length;
  }

  label(i: number): number {
    return this.labels[this.check(i)]!;
  }

  id(i: number): string {
    return this.files[this.check(i)]!;
  }

  /** Absolute path of example i. */
  path(i: number): string {
    return join(this.root, this.id(i));
  }

  /** `opts.resize` (the model's choice) overrides the folder's default resize mode. */
  async load(
    indices: readonly number[],
    height: number,
    width: number,
    opts: { resize?: ResizeMode } = {},
  ): Promise<Float32Array> {
    const resize = opts.resize ?? this.resize;
    const stride = 3 * height * width;
    const out = new Float32Array(indices.length * stride);
    const paths = indices.map((i) => this.path(i));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const k = next++;
        try {
          out.set(await loadImage(paths[k]!, height, width, { resize }), k * stride);
        } catch (err) {
          next = paths.length; // the batch has failed: stop the other workers from decoding more
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, paths.length) }, worker));
    return out;
  }

  private check(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`${this.name}: example ${i} out of range [0, ${this.size})`);
    }
    return i;
  }
}

/**
 * Opens an image folder in one of two layouts:
 * - A, one sub-folder per class (ImageNet/torchvision style): the folder names are the class ids
 *   (WordNet IDs, names or integer indices); images anywhere below a class folder belong to it.
 * - B, images plus a labels file (`labels.txt` or `labels.csv` in the folder, or `opts.labelsFile`):
 *   one `filename label` or `filename,label` line per example, paths relative to the folder. Examples
 *   keep the file's order; blank lines and `#` comments are skipped, and so is a first line whose
 *   filename has no image extension (a CSV header). Images the file does not list are not used.
 * Classes are sorted (numerically when all are integers), so labels do not depend on directory order.
 */
export async function openImageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<ImageFolderDataset> {
  const root = resolve(dir);
  const info = await stat(root).catch((err: unknown) => {
    throw new UserError(`${dir}: cannot open image folder (${messageOf(err)})`, { cause: err });
  });
  if (!info.isDirectory()) throw new UserError(`${dir}: not a folder`);

  const labelsFile = opts.labelsFile ?? (await findLabelsFile(root, dir));
  const { classes, files, labels } =
    labelsFile === undefined ? await scanClassFolders(root, dir) : await readLabelsFile(root, dir, labelsFile);
  return new ImageFolderDataset(root, classes, files, labels, opts.resize);
}

async function findLabelsFile(root: string, dir: string): Promise<string | undefined> {
  const found: string[] = [];
  for (const p of LABEL_FILES.map((f) => join(root, f))) {
    if (await stat(p).then((s) => s.isFile(), () => false)) found.push(p);
  }
  if (found.length > 1) throw new UserError(`${dir}: has both ${LABEL_FILES.join(' and ')}; keep one`);
  return found[0];
}

interface Listing {
  classes: string[];
  files: string[];
  labels: Int32Array;
}

/** Layout A. */
async function scanClassFolders(root: string, dir: string): Promise<Listing> {
  const top = await listDir(root, dir);
  const classDirs: string[] = [];
  const looseImages: string[] = [];
  for (const e of top) {
    if (await isDirectory(root, e)) classDirs.push(e.name);
    else if (isImageFile(e.name)) looseImages.push(e.name);
  }
  if (classDirs.length === 0) {
    throw new UserError(
      looseImages.length > 0
        ? `${dir}: images without class sub-folders need a labels file (${LABEL_FILES.join(' or ')}, ` +
            `one 'filename label' line per image)`
        : `${dir}: no class sub-folders or images found`,
    );
  }
  if (looseImages.length > 0) {
    throw new UserError(
      `${dir}: ${looseImages.length} image(s) beside the class sub-folders (e.g. ${looseImages[0]}); ` +
        `move them into a class folder`,
    );
  }
  const classes = sortClassIds(classDirs);
  const files: string[] = [];
  const labels: number[] = [];
  for (const [c, name] of classes.entries()) {
    for (const f of await listImagesBelow(root, name, dir)) {
      files.push(f);
      labels.push(c);
    }
  }
  if (files.length === 0) {
    throw new UserError(`${dir}: no images in its class folders (extensions: ${IMAGE_EXTENSIONS.join(' ')})`);
  }
  return { classes, files, labels: Int32Array.from(labels) };
}

/** Layout B. */
async function readLabelsFile(root: string, dir: string, labelsFile: string): Promise<Listing> {
  let text: string;
  try {
    text = await readFile(labelsFile, 'utf8');
  } catch (err) {
    throw new UserError(`${labelsFile}: cannot read labels file (${messageOf(err)})`, { cause: err });
  }
  const onDisk = new Set(await listImagesBelow(root, '', dir, () => true));
  const files: string[] = [];
  const labelIds: string[] = [];
  const seen = new Map<string, number>();
  let firstEntry = true;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${labelsFile}:${i + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = splitLabelLine(line);
    if (fields === undefined) {
      throw new UserError(`${where}: expected 'filename label' or 'filename,label', got '${line}'`);
    }
    const [name, label] = fields;
    const header = firstEntry && !isImageFile(name);
    firstEntry = false;
    if (header) return;
    const file = posix.normalize(name.replace(/\\/g, '/')).replace(/^\/+/, '');
    if (!onDisk.has(file)) throw new UserError(`${where}: ${name} not found in ${dir}`);
    const before = seen.get(file);
    if (before !== undefined) throw new UserError(`${where}: ${name} is already labelled on line ${before}`);
    seen.set(file, i + 1);
    files.push(file);
    labelIds.push(label);
  });
  if (files.length === 0) throw new UserError(`${labelsFile}: no labelled images`);
  const classes = sortClassIds([...new Set(labelIds)]);
  const index = new Map(classes.map((c, i) => [c, i]));
  return { classes, files, labels: Int32Array.from(labelIds, (l) => index.get(l)!) };
}

/** `filename,label` (exactly two fields) or `filename label` (split at the last blank, so names may hold spaces). */
function splitLabelLine(line: string): [string, string] | undefined {
  let fields: string[];
  if (line.includes(',')) {
    fields = line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    if (fields.length !== 2) return undefined;
  } else {
    const m = /^(.*\S)\s+(\S+)$/.exec(line);
    if (m === null) return undefined;
    fields = [m[1]!, m[2]!];
  }
  const [name, label] = fields as [string, string];
  return name === '' || label === '' ? undefined : [name, label];
}

/** Integer ids in numeric order (2 before 10), anything else in code-unit order (locale-independent). */
export function sortClassIds(ids: readonly string[]): string[] {
  const sorted = [...ids];
  if (sorted.every((s) => /^\d+$/.test(s))) return sorted.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : 1));
  return sorted.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Image files below `root/sub`, recursively, as sorted '/'-separated paths relative to root. */
async function listImagesBelow(
  root: string,
  sub: string,
  dir: string,
  keep: (name: string) => boolean = isImageFile,
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await listDir(join(root, rel), dir)) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (await isDirectory(join(root, rel), e)) await walk(child);
      else if (keep(e.name)) out.push(child);
    }
  };
  await walk(sub);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Entries of a folder without hidden ones (.DS_Store, .git, ...). */
async function listDir(path: string, dir: string): Promise<Dirent[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  } catch (err) {
    throw new UserError(`${dir}: cannot list ${path} (${messageOf(err)})`, { cause: err });
  }
}

/** Follows symbolic links, since class folders are often linked in from a shared copy of a dataset. */
async function isDirectory(parent: string, e: Dirent): Promise<boolean> {
  if (!e.isSymbolicLink()) return e.isDirectory();
  return stat(join(parent, e.name)).then((s) => s.isDirectory(), () => false);
}

function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
