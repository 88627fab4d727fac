import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/core/errors.js';
import { Checkpoint } from '../../../src/models/importers/tf-checkpoint.js';
import { writeCheckpoint, type CkptTensor } from '../../helpers/tf-checkpoint.js';

const scratch = mkdtempSync(join(tmpdir(), 'robustscope-ckpt-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const TENSORS: CkptTensor[] = [
  { name: 'net/conv1/weights', dims: [3, 3, 2, 4], data: Float32Array.from({ length: 72 }, (_, k) => Math.sin(k) * 0.5) },
  { name: 'global_step', dims: [], data: BigInt64Array.of(123456n) },
  { name: 'net/BatchNorm/gamma', dims: [4], data: Float32Array.of(1, -2.5, 3e-8, 4e20) },
  { name: 'net/logits/biases', dims: [5], data: Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5) },
];

const userError = (pattern: RegExp) => (e: unknown) => e instanceof UserError && pattern.test(e.message);

test('reads every float variable of a two-shard checkpoint bit for bit, with the shapes it records', () => {
  const index = writeCheckpoint(join(scratch, 'two', 'model.ckpt'), TENSORS, 2);
  const ckpt = Checkpoint.read(index);
  assert.deepEqual(ckpt.names(), ['global_step', 'net/BatchNorm/gamma', 'net/conv1/weights', 'net/logits/biases']);
  for (const t of TENSORS.filter((x) => x.data instanceof Float32Array)) {
    assert.deepEqual(ckpt.float(t.name, t.dims), t.data);
    assert.deepEqual(ckpt.dims(t.name), t.dims);
  }
  const hash = createHash('sha256');
  for (const f of ['index', 'data-00000-of-00002', 'data-00001-of-00002']) hash.update(readFileSync(join(scratch, 'two', `model.ckpt.${f}`)));
  assert.equal(ckpt.sha256, hash.digest('hex'));
});

test('asking for a variable the checkpoint lacks, with another shape or type, names it', () => {
  const ckpt = Checkpoint.read(writeCheckpoint(join(scratch, 'ask', 'model.ckpt'), TENSORS));
  assert.throws(() => ckpt.float('net/conv2/weights', [1]), userError(/model\.ckpt\.index: the checkpoint has no variable 'net\/conv2\/weights'/));
  assert.throws(() => ckpt.float('net/conv1/weights', [3, 3, 4, 2]), userError(/variable 'net\/conv1\/weights' has shape \[3,3,2,4\], expected \[3,3,4,2\]/));
  assert.throws(() => ckpt.float('global_step', []), userError(/variable 'global_step' has TensorFlow type 9, expected float32/));
});

test('a corrupt or missing data shard is an error naming the file and the variable', () => {
  const prefix = join(scratch, 'bad', 'model.ckpt');
  const index = writeCheckpoint(prefix, TENSORS, 2);
  const shard = `${prefix}.data-00000-of-00002`;
  const bytes = readFileSync(shard);
  bytes[5]! ^= 1;
  writeFileSync(shard, bytes);
  assert.throws(() => Checkpoint.read(index), userError(/variable 'net\/conv1\/weights' fails its CRC-32C check in .*data-00000-of-00002 \(corrupt file\)/));
  truncateSync(shard, 100);
  assert.throws(() => Checkpoint.read(index), userError(/variable '.*' runs past the end of .*data-00000-of-00002 \(truncated\?\)/));
  rmSync(shard);
  assert.throws(() => Checkpoint.read(index), userError(/data-00000-of-00002: cannot read the checkpoint data shard/));
  assert.throws(() => Checkpoint.read(join(scratch, 'none.index')), userError(/none\.index: cannot read the checkpoint index/));
  writeFileSync(join(scratch, 'graph.index'), Buffer.alloc(100, 1));
  assert.throws(() => Checkpoint.read(join(scratch, 'graph.index')), userError(/graph\.index: not a readable TensorFlow table/));
});
