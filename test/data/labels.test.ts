import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { alignLabels, readLabelList } from '../../src/data/labels.js';
import { fixture } from '../helpers/fixtures.js';

describe('readLabelList', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'robustscope-labels-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the synset file: WordNet IDs and first synonyms', async () => {
    const { ids, names } = await readLabelList(fixture('labels', 'imagenet-synset.txt'));
    assert.equal(ids.length, 1000);
    assert.equal(names.length, 1000);
    assert.equal(ids[0], 'n01440764');
    assert.equal(names[0], 'tench');
    assert.equal(names[2], 'great white shark');
    assert.equal(names[144], 'pelican');
    assert.equal(names[22], 'bald eagle');
    assert.equal(ids[999], 'n15075141');
    assert.equal(new Set(ids).size, 1000);
  });

  it('reads the simple-labels JSON array in the same order', async () => {
    const { ids, names } = await readLabelList(fixture('labels', 'imagenet-simple-labels.json'));
    assert.equal(names.length, 1000);
    assert.equal(names[0], 'tench');
    assert.equal(names[144], 'pelican');
    assert.deepEqual(ids, names);
  });

  it('reads id-only and name-only lists (darknet)', async () => {
    const labels = await readLabelList(fixture('labels', 'darknet-imagenet.labels.list'));
    assert.equal(labels.ids[0], 'n02119789');
    assert.equal(labels.names[0], 'n02119789');
    const short = await readLabelList(fixture('labels', 'darknet-imagenet.shortnames.list'));
    assert.equal(short.ids[0], 'kit fox');
    assert.equal(short.names[1], 'English setter');
    assert.equal(short.ids.length, labels.ids.length);
  });

  it('reads a Keras class index object and tolerates CRLF and a trailing blank line', async () => {
    const keras = join(dir, 'imagenet_class_index.json');
    await writeFile(keras, JSON.stringify({ 1: ['n01443537', 'goldfish'], 0: ['n01440764', 'tench'] }));
    assert.deepEqual(await readLabelList(keras), { ids: ['n01440764', 'n01443537'], names: ['tench', 'goldfish'] });
    const crlf = join(dir, 'crlf.txt');
    await writeFile(crlf, 'n01440764 tench, Tinca tinca\r\ncat\r\n\r\n');
    assert.deepEqual(await readLabelList(crlf), { ids: ['n01440764', 'cat'], names: ['tench', 'cat'] });
  });

  it('rejects an empty line inside a list, a non-list JSON and a missing file, naming the file', async () => {
    const gap = join(dir, 'gap.txt');
    await writeFile(gap, 'a\n\nb\n');
    await assert.rejects(readLabelList(gap), (e: unknown) => e instanceof UserError && e.message.startsWith(`${gap}:2:`));
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"a": 1}');
    await assert.rejects(readLabelList(bad), (e: unknown) => e instanceof UserError && e.message.startsWith(bad));
    const holes = join(dir, 'holes.json');
    await writeFile(holes, '{"0": "a", "2": "c"}');
    await assert.rejects(readLabelList(holes), (e: unknown) => e instanceof UserError && e.message.includes('class 1'));
    const missing = join(dir, 'missing.txt');
    await assert.rejects(readLabelList(missing), (e: unknown) => e instanceof UserError && e.message.startsWith(missing));
  });
});

describe('alignLabels', () => {
  it('maps WordNet IDs to their line in the synset file', async () => {
    const { ids } = await readLabelList(fixture('labels', 'imagenet-synset.txt'));
    const model = { classIds: ids, numClasses: 1000 };
    // tench is line 1, pelican line 145, bald eagle line 23.
    const map = alignLabels(['n01440764', 'n02051845', 'n01614925'], model);
    assert.deepEqual([...map], [0, 144, 22]);
    assert.ok(map instanceof Int32Array);
  });

  it('shifts by one for a 1001-class model with background first', async () => {
    const { ids } = await readLabelList(fixture('labels', 'imagenet-synset.txt'));
    const map = alignLabels(['n01440764', 'n02051845'], { classIds: ['background', ...ids], numClasses: 1001 });
    assert.deepEqual([...map], [1, 145]);
  });

  it('maps integer class ids by value when they are not model ids', () => {
    const model = { classIds: ['tench', 'goldfish', 'shark'], numClasses: 3 };
    assert.deepEqual([...alignLabels(['0', '2', '1'], model)], [0, 2, 1]);
  });

  it('prefers id matches when the model ids are digits themselves', () => {
    const model = { classIds: ['9', '8', '7', '6', '5', '4', '3', '2', '1', '0'], numClasses: 10 };
    assert.deepEqual([...alignLabels(['0', '1', '9'], model)], [9, 8, 0]);
  });

  it('rejects unmatched classes, listing the first ones', async () => {
    const { ids } = await readLabelList(fixture('labels', 'imagenet-synset.txt'));
    const model = { classIds: ids, numClasses: 1000 };
    const classes = ['n01440764', 'cat', 'dog', 'n99999999', 'a', 'b', 'c', 'd'];
    assert.throws(
      () => alignLabels(classes, model),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.startsWith('7 of 8 dataset classes') &&
        e.message.includes('below 1000: cat, dog, n99999999, a, b, ... (7 in all);'),
    );
    assert.throws(
      () => alignLabels(['3', '1000', '1200'], model),
      (e: unknown) => e instanceof UserError && e.message.includes('below 1000: 1000, 1200;'),
    );
  });
});

describe('alignLabels for a model without a label list', () => {
  it('maps by position when the class counts agree, and refuses otherwise', () => {
    assert.deepEqual([...alignLabels(['cat', 'dog', 'eel'], { classIds: [], numClasses: 3 })], [0, 1, 2]);
    assert.throws(() => alignLabels(['cat', 'dog'], { classIds: [], numClasses: 3 }), /no label list and 3 classes, the dataset 2/);
  });
});
