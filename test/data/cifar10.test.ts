import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { CIFAR10_CLASSES, openCifar10 } from '../../src/data/cifar10.js';
import { loadDataset } from '../../src/data/load-dataset.js';

const PLANE = 32 * 32;
const RECORD = 1 + 3 * PLANE;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);

/**
 * CIFAR-10 records with `labels`; record r has red r + 10, green r + 100, blue r + 200 everywhere except
 * pixel (y 1, x 2), which is pure red, so plane order and row-major layout are both visible.
 */
function records(labels: readonly number[], first = 0): Buffer {
  const buf = Buffer.alloc(labels.length * RECORD);
  labels.forEach((label, k) => {
    const r = first + k;
    const at = k * RECORD;
    buf[at] = label;
    buf.fill(r + 10, at + 1, at + 1 + PLANE);
    buf.fill(r + 100, at + 1 + PLANE, at + 1 + 2 * PLANE);
    buf.fill(r + 200, at + 1 + 2 * PLANE, at + RECORD);
    const p = 1 * 32 + 2;
    buf[at + 1 + p] = 255;
    buf[at + 1 + PLANE + p] = 0;
    buf[at + 1 + 2 * PLANE + p] = 0;
  });
  return buf;
}

let tmp: string;
let n = 0;

/** A fresh folder holding `files` (name -> content). */
async function folder(files: Record<string, Buffer | string>): Promise<string> {
  const dir = join(tmp, `case-${n++}`);
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** A folder with a full train split (two records per batch, labels 0..9) and a three-record test split. */
async function fullFolder(extra: Record<string, Buffer | string> = {}): Promise<string> {
  const files: Record<string, Buffer | string> = { 'test_batch.bin': records([3, 0, 9]), ...extra };
  TRAIN_FILES.forEach((f, k) => (files[f] = records([2 * k, 2 * k + 1], 2 * k)));
  return folder(files);
}

function userError(...fragments: string[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `'${e.message}' lacks '${f}'`);
    return true;
  };
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'robustscope-cifar10-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('openCifar10', () => {
  it('reads the test split with the standard class names', async () => {
    const ds = await openCifar10(await fullFolder());
    assert.equal(ds.size, 3);
    assert.deepEqual(ds.classes, CIFAR10_CLASSES);
    assert.deepEqual([0, 1, 2].map((i) => ds.label(i)), [3, 0, 9]);
    assert.equal(ds.id(2), 'cifar10:test:2');
    assert.throws(() => ds.label(3), RangeError);
  });

  it('puts the red plane in channel 0, row-major, scaled to [0,1]', async () => {
    const ds = await openCifar10(await fullFolder());
    const x = await ds.load([2, 0], 32, 32);
    assert.equal(x.length, 2 * 3 * PLANE);
    const at = (n: number, c: number, y: number, xx: number): number => Math.round(x[n * 3 * PLANE + c * PLANE + y * 32 + xx]! * 255);
    assert.deepEqual([0, 1, 2].map((c) => at(0, c, 0, 0)), [12, 102, 202]);
    assert.deepEqual([0, 1, 2].map((c) => at(0, c, 1, 2)), [255, 0, 0]);
    assert.deepEqual([0, 1, 2].map((c) => at(0, c, 2, 1)), [12, 102, 202]);
    assert.deepEqual([0, 1, 2].map((c) => at(1, c, 31, 31)), [10, 100, 200]);
    assert.equal(x[3 * PLANE + 1 * 32 + 2], 1);
  });

  it('reads the train split across the five batches in order', async () => {
    const ds = await openCifar10(await fullFolder(), { split: 'train' });
    assert.equal(ds.size, 10);
    assert.deepEqual(Array.from({ length: 10 }, (_, i) => ds.label(i)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const x = await ds.load([7], 32, 32);
    assert.equal(Math.round(x[0]! * 255), 17);
    assert.equal(ds.id(7), 'cifar10:train:7');
  });

  it('takes class names from batches.meta.txt, ignoring blank lines', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const ds = await openCifar10(await fullFolder({ 'batches.meta.txt': `${names.join('\n')}\n\n\n` }));
    assert.deepEqual(ds.classes, names);
  });

  it('finds the batches in the folder the archive unpacks into', async () => {
    const dir = await folder({ 'cifar-10-batches-bin/test_batch.bin': records([5]) });
    const ds = await openCifar10(dir);
    assert.equal(ds.label(0), 5);
  });

  it('resamples to other sizes', async () => {
    const ds = await openCifar10(await fullFolder());
    const x = await ds.load([0], 64, 64);
    assert.equal(x.length, 3 * 64 * 64);
    assert.equal(Math.round(x[63 * 64 + 63]! * 255), 10);
  });

  it('reports a missing folder, missing batches, partial records, bad labels and bad meta files', async () => {
    await assert.rejects(openCifar10(join(tmp, 'nowhere')), userError('nowhere', 'not found'));
    const noThird = await folder(Object.fromEntries(TRAIN_FILES.filter((f) => f !== 'data_batch_3.bin').map((f) => [f, records([1])])));
    await assert.rejects(openCifar10(noThird, { split: 'train' }), userError(noThird, 'data_batch_3.bin'));
    await assert.rejects(openCifar10(noThird), userError('test_batch.bin'));
    const truncated = await folder({ 'test_batch.bin': records([1, 2]).subarray(0, 2 * RECORD - 5) });
    await assert.rejects(openCifar10(truncated), userError(join(truncated, 'test_batch.bin'), '3073'));
    const empty = await folder({ 'test_batch.bin': Buffer.alloc(0) });
    await assert.rejects(openCifar10(empty), userError('test_batch.bin', '3073'));
    const badLabel = await folder({ 'test_batch.bin': records([1, 10]) });
    await assert.rejects(openCifar10(badLabel), userError(join(badLabel, 'test_batch.bin'), 'record 1', 'label 10'));
    const badMeta = await fullFolder({ 'batches.meta.txt': 'cat\ndog\n' });
    await assert.rejects(openCifar10(badMeta), userError('batches.meta.txt', '2 class names'));
  });
});

describe('loadDataset: cifar10', () => {
  it('opens cifar10:<dir> as the test split and cifar10:<dir>:train or :test by suffix', async () => {
    const dir = await fullFolder();
    assert.equal((await loadDataset(`cifar10:${dir}`)).size, 3);
    assert.equal((await loadDataset(`cifar10:${dir}:test`)).size, 3);
    assert.equal((await loadDataset(`cifar10:${dir}:train`)).size, 10);
  });

  it('asks for a folder when there is none', async () => {
    await assert.rejects(loadDataset('cifar10:'), userError('cifar10:<dir>'));
    await assert.rejects(loadDataset('cifar10::train'), userError('cifar10:<dir>'));
  });
});
