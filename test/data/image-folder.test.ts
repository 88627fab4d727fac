import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { loadImage } from '../../src/data/image.js';
import { openImageFolder, sortClassIds } from '../../src/data/image-folder.js';
import { alignLabels, readLabelList } from '../../src/data/labels.js';
import { fixture } from '../helpers/fixtures.js';

const PELICAN = fixture('images', 'imagenet', 'wonnx-pelican.jpeg');
const EAGLE = fixture('images', 'imagenet', 'wonnx-bald_eagle.jpeg');
const EAGLE2 = fixture('images', 'imagenet', 'darknet-eagle.jpg');
const DIGIT = (d: number): string => fixture('images', 'mnist', `${d}.jpg`);

let tmp: string;
let n = 0;

/** A fresh folder populated with `files` (relative path -> fixture to copy, or text content). */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = join(tmp, `case-${n++}`);
  await mkdir(dir, { recursive: true });
  for (const [rel, src] of Object.entries(files)) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    if (src.startsWith('/')) await copyFile(src, path);
    else await writeFile(path, src);
  }
  return dir;
}

function userError(...fragments: string[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `'${e.message}' lacks '${f}'`);
    assert.ok(!e.message.includes('\n'));
    return true;
  };
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'robustscope-folder-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('openImageFolder, layout A (one sub-folder per class)', () => {
  it('lists classes and images in sorted order, skipping hidden and non-image files', async () => {
    const dir = await folder({
      'n02051845/pelican.jpeg': PELICAN,
      'n01614925/wonnx.jpeg': EAGLE,
      'n01614925/Darknet.JPG': EAGLE2,
      'n01614925/juvenile/more.jpg': EAGLE2,
      'n01614925/.DS_Store': 'x',
      'n01614925/notes.txt': 'x',
      '.git/config': 'x',
    });
    const ds = await openImageFolder(dir);
    assert.deepEqual(ds.classes, ['n01614925', 'n02051845']);
    assert.equal(ds.size, 4);
    const ids = Array.from({ length: ds.size }, (_, i) => ds.id(i));
    assert.deepEqual(ids, [
      'n01614925/Darknet.JPG',
      'n01614925/juvenile/more.jpg',
      'n01614925/wonnx.jpeg',
      'n02051845/pelican.jpeg',
    ]);
    assert.deepEqual(Array.from({ length: ds.size }, (_, i) => ds.label(i)), [0, 0, 0, 1]);
    assert.equal(ds.name, dir.split('/').pop());
    assert.equal(ds.path(3), join(dir, 'n02051845', 'pelican.jpeg'));

    const { ids: synsets } = await readLabelList(fixture('labels', 'imagenet-synset.txt'));
    assert.deepEqual([...alignLabels(ds.classes, { classIds: synsets, numClasses: 1000 })], [22, 144]);
  });

  it('loads a batch in the order asked, equal to loading each file', async () => {
    const dir = await folder({ 'b/pelican.jpeg': PELICAN, 'a/eagle.jpeg': EAGLE, 'c/0.jpg': DIGIT(0) });
    const ds = await openImageFolder(dir);
    const [h, w] = [24, 20];
    const batch = await ds.load([2, 0, 1, 2, 1], h, w);
    assert.equal(batch.length, 5 * 3 * h * w);
    const expected = [DIGIT(0), EAGLE, PELICAN, DIGIT(0), PELICAN];
    for (const [k, path] of expected.entries()) {
      const one = await loadImage(path, h, w);
      assert.deepEqual(batch.subarray(k * one.length, (k + 1) * one.length), one);
    }
    assert.equal((await ds.load([], h, w)).length, 0);
    assert.throws(() => ds.label(3), RangeError);
    await assert.rejects(ds.load([0, 7], h, w), RangeError);
  });

  it('uses the folder\'s resize mode unless load is given one', async () => {
    const dir = await folder({ 'x/p.jpeg': PELICAN });
    const stretch = await loadImage(PELICAN, 8, 8, { resize: 'stretch' });
    const crop = await loadImage(PELICAN, 8, 8);
    assert.notDeepEqual(stretch, crop);
    const stretched = await openImageFolder(dir, { resize: 'stretch' });
    assert.deepEqual(await stretched.load([0], 8, 8), stretch);
    assert.deepEqual(await stretched.load([0], 8, 8, { resize: 'shorter-side-crop' }), crop);
    const byDefault = await openImageFolder(dir);
    assert.deepEqual(await byDefault.load([0], 8, 8), crop);
    assert.deepEqual(await byDefault.load([0], 8, 8, { resize: 'stretch' }), stretch);
  });

  it('sorts integer class folders numerically and follows symlinked class folders', async () => {
    const dir = await folder({ '10/a.jpg': DIGIT(0), '2/a.jpg': DIGIT(3), '1/a.jpg': DIGIT(5) });
    await symlink(join(dir, '1'), join(dir, '7'));
    const ds = await openImageFolder(dir);
    assert.deepEqual(ds.classes, ['1', '2', '7', '10']);
    assert.deepEqual(Array.from({ length: ds.size }, (_, i) => ds.id(i)), ['1/a.jpg', '2/a.jpg', '7/a.jpg', '10/a.jpg']);
    assert.deepEqual([...alignLabels(ds.classes, { classIds: [], numClasses: 11 })], [1, 2, 7, 10]);
  });

  it('rejects a missing folder, an empty one, loose images and class folders without images', async () => {
    const missing = join(tmp, 'does-not-exist');
    await assert.rejects(openImageFolder(missing), userError(missing));
    const file = await folder({ 'f.jpg': PELICAN });
    await assert.rejects(openImageFolder(join(file, 'f.jpg')), userError('not a folder'));
    const empty = await folder({});
    await assert.rejects(openImageFolder(empty), userError(empty, 'no class sub-folders or images'));
    const flat = await folder({ 'a.jpg': PELICAN });
    await assert.rejects(openImageFolder(flat), userError(flat, 'labels file'));
    const mixed = await folder({ 'cls/a.jpg': PELICAN, 'stray.png': DIGIT(0) });
    await assert.rejects(openImageFolder(mixed), userError(mixed, 'stray.png'));
    const hollow = await folder({ 'cls/readme.txt': 'x' });
    await assert.rejects(openImageFolder(hollow), userError(hollow, 'no images'));
  });

  it('reports an undecodable image with its path when loading', async () => {
    const dir = await folder({ 'cls/bad.jpg': 'not a jpeg' });
    const ds = await openImageFolder(dir);
    await assert.rejects(ds.load([0], 8, 8), userError(join(dir, 'cls', 'bad.jpg'), 'cannot decode image'));
  });
});

describe('openImageFolder, layout B (flat folder + labels file)', () => {
  it('reads labels.txt: examples in file order, classes sorted numerically', async () => {
    const dir = await folder({
      'p.jpeg': PELICAN,
      'e.jpeg': EAGLE,
      'sub/digit 0.jpg': DIGIT(0),
      'unlisted.jpg': DIGIT(3),
      'labels.txt': '# comment\ne.jpeg 22\n\np.jpeg\t144\r\nsub/digit 0.jpg 3\n',
    });
    const ds = await openImageFolder(dir);
    assert.deepEqual(ds.classes, ['3', '22', '144']);
    assert.equal(ds.size, 3);
    assert.deepEqual(Array.from({ length: 3 }, (_, i) => ds.id(i)), ['e.jpeg', 'p.jpeg', 'sub/digit 0.jpg']);
    assert.deepEqual(Array.from({ length: 3 }, (_, i) => ds.label(i)), [1, 2, 0]);
    const batch = await ds.load([1], 16, 16);
    assert.deepEqual(batch, await loadImage(PELICAN, 16, 16));
  });

  it('reads labels.csv with a header, WordNet-ID labels and quoted fields', async () => {
    const dir = await folder({
      'p.jpeg': PELICAN,
      'e.jpeg': EAGLE,
      'labels.csv': 'filename,label\n"p.jpeg",n02051845\ne.jpeg, n01614925\n',
    });
    const ds = await openImageFolder(dir);
    assert.deepEqual(ds.classes, ['n01614925', 'n02051845']);
    assert.deepEqual([ds.id(0), ds.id(1)], ['p.jpeg', 'e.jpeg']);
    assert.deepEqual([ds.label(0), ds.label(1)], [1, 0]);
  });

  it('takes an explicit labels file from elsewhere, paths relative to the image folder', async () => {
    const dir = await folder({ 'imgs/a.jpg': DIGIT(7), 'imgs/b.jpg': DIGIT(5), 'gt.txt': './b.jpg 5\na.jpg 7\n' });
    const ds = await openImageFolder(join(dir, 'imgs'), { labelsFile: join(dir, 'gt.txt') });
    assert.deepEqual(ds.classes, ['5', '7']);
    assert.deepEqual([ds.id(0), ds.id(1)], ['b.jpg', 'a.jpg']);
    assert.equal(ds.name, 'imgs');
  });

  it('rejects malformed lines, missing and duplicate files, naming the file and line', async () => {
    const malformed = await folder({ 'a.jpg': DIGIT(0), 'labels.txt': 'a.jpg 0\nonlyone\n' });
    await assert.rejects(openImageFolder(malformed), userError(`${join(malformed, 'labels.txt')}:2:`, 'onlyone'));
    const threeFields = await folder({ 'a.jpg': DIGIT(0), 'labels.csv': 'a.jpg,0,extra\n' });
    await assert.rejects(openImageFolder(threeFields), userError(`${join(threeFields, 'labels.csv')}:1:`));
    const missing = await folder({ 'a.jpg': DIGIT(0), 'labels.txt': 'a.jpg 0\n\nb.jpg 1\n' });
    await assert.rejects(openImageFolder(missing), userError(`${join(missing, 'labels.txt')}:3:`, 'b.jpg not found'));
    const twice = await folder({ 'a.jpg': DIGIT(0), 'labels.txt': 'a.jpg 0\na.jpg 1\n' });
    await assert.rejects(openImageFolder(twice), userError(':2:', 'line 1'));
    const both = await folder({ 'a.jpg': DIGIT(0), 'labels.txt': 'a.jpg 0\n', 'labels.csv': 'a.jpg,0\n' });
    await assert.rejects(openImageFolder(both), userError(both, 'keep one'));
    const headerOnly = await folder({ 'a.jpg': DIGIT(0), 'labels.csv': 'filename,label\n' });
    await assert.rejects(openImageFolder(headerOnly), userError('no labelled images'));
    const absent = join(tmp, 'absent-labels.txt');
    await assert.rejects(openImageFolder(headerOnly, { labelsFile: absent }), userError(absent));
  });
});

describe('sortClassIds', () => {
  it('is numeric for integers and code-unit order otherwise', () => {
    assert.deepEqual(sortClassIds(['10', '9', '100', '0']), ['0', '9', '10', '100']);
    assert.deepEqual(sortClassIds(['b', 'B', 'a', '10', '9']), ['10', '9', 'B', 'a', 'b']);
  });
});
