import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { UserError } from '../../../src/core/errors.js';
import { maskedCrc32c, readTable } from '../../../src/models/importers/sstable.js';
import { exampleRng } from '../../../src/core/rng.js';
import { tableBytes } from '../../helpers/tf-checkpoint.js';

const scratch = mkdtempSync(join(tmpdir(), 'robustscope-sstable-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Keys like a checkpoint's (long shared prefixes) and values of varied length, some empty. */
function sampleEntries(count: number): { key: Buffer; value: Buffer }[] {
  const rng = exampleRng(3, 'sstable', 'entries');
  return Array.from({ length: count }, (_, k) => ({
    key: Buffer.from(`densenet/dense_block${k % 4}/conv_block${k}/x${k % 2 + 1}/BatchNorm/moving_${k % 3 ? 'mean' : 'variance'}`),
    value: Buffer.from(Array.from({ length: Math.floor(rng.uniform() * 300) }, () => Math.floor(rng.uniform() * 256))),
  }));
}

const sortedByKey = <T extends { key: Uint8Array }>(xs: T[]) => [...xs].sort((a, b) => Buffer.compare(a.key, b.key));

test('reads a table LevelDB itself wrote (several data blocks, prefix-compressed keys, a bloom filter block)', async (t) => {
  const dir = join(scratch, 'leveldb');
  const db = new ClassicLevel<Buffer, Buffer>(dir, { compression: false, keyEncoding: 'buffer', valueEncoding: 'buffer' });
  const written = sampleEntries(400);
  await db.open();
  for (const { key, value } of written) await db.put(key, value);
  await db.compactRange(Buffer.from([0]), Buffer.from([255]));
  await db.close();
  const files = readdirSync(dir).filter((f) => f.endsWith('.ldb'));
  assert.equal(files.length, 1, `one table file, got ${files.join(', ')}`);
  const bytes = readFileSync(join(dir, files[0]!));
  const read = readTable(bytes, files[0]!);
  t.diagnostic(`${files[0]}: ${bytes.length} bytes, ${read.length} entries`);
  // LevelDB's own tables append an 8-byte (sequence << 8 | type) tag to each key; type 1 is a value.
  assert.equal(read.length, written.length);
  const expected = sortedByKey(written);
  read.forEach((e, k) => {
    assert.equal(e.key[e.key.length - 8], 1, `entry ${k} is a value record`);
    assert.deepEqual(Buffer.from(e.key.subarray(0, -8)), expected[k]!.key);
    assert.deepEqual(Buffer.from(e.value), expected[k]!.value);
  });
});

test('reads back what the test writer wrote, at several block sizes and restart intervals', () => {
  const written = sampleEntries(120);
  for (const [blockBytes, restart] of [[64, 1], [512, 16], [1 << 20, 4]] as const) {
    const read = readTable(tableBytes(written, blockBytes, restart), 'writer.index');
    assert.deepEqual(read.map((e) => Buffer.from(e.key).toString()), sortedByKey(written).map((e) => e.key.toString()));
    assert.deepEqual(read.map((e) => Buffer.from(e.value)), sortedByKey(written).map((e) => e.value));
  }
});

test('masked CRC-32C matches LevelDB\'s (crc32c("123456789") = 0xe3069283, then rotated and offset)', () => {
  const crc = 0xe3069283;
  assert.equal(maskedCrc32c(Buffer.from('1234'), Buffer.from('56789')), ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('a corrupt, truncated or compressed table is an error naming the file', () => {
  const good = tableBytes(sampleEntries(50), 256, 4);
  const flipped = Uint8Array.from(good);
  flipped[10]! ^= 0x40;
  assert.throws(() => readTable(flipped, 'bad.index'), (e: unknown) => e instanceof UserError && /bad\.index: .*CRC-32C check \(corrupt file\)/.test(e.message));
  assert.throws(() => readTable(good.subarray(0, good.length - 3), 'short.index'), (e: unknown) => e instanceof UserError && /short\.index: .*no table magic number/.test(e.message));
  assert.throws(() => readTable(new Uint8Array(10), 'tiny.index'), /tiny\.index: .*shorter than the 48-byte footer/);
  // One entry ('a' → 'b'): the data block is 3 length bytes, the key and value, one restart offset and the
  // restart count (13 bytes), so its compression byte is byte 13.
  const snappy = tableBytes([{ key: Buffer.from('a'), value: Buffer.from('b') }]);
  assert.equal(readTable(snappy, 'one.index').length, 1);
  snappy[13] = 1;
  assert.throws(() => readTable(snappy, 'snappy.index'), /snappy\.index: .*compressed \(type 1, 1 = Snappy\)/);
});
