/**
 * Writes TensorFlow V2 checkpoints for tests: an index table in LevelDB's format (prefix-compressed keys,
 * restart points, several data blocks, an index block, the footer) and data shards, as TensorFlow's
 * BundleWriter lays them out. The table reader itself is checked against LevelDB (sstable.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { maskedCrc32c } from '../../src/models/importers/sstable.js';
import { checkpointShards } from '../../src/models/importers/tf-checkpoint.js';
import { BundleEntryProto, BundleHeaderProto } from '../../src/models/importers/tf-graphdef-schema.js';

export interface CkptTensor { name: string; dims: number[]; data: Float32Array | BigInt64Array }

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80); }
  out.push(n);
  return out;
};

/** One block: entries with keys sharing prefixes, a restart point every `restartEvery` entries, its trailer. */
function block(entries: { key: Uint8Array; value: Uint8Array }[], restartEvery: number): Uint8Array {
  const bytes: number[] = [];
  const restarts: number[] = [];
  let last: Uint8Array = new Uint8Array(0);
  entries.forEach(({ key, value }, k) => {
    let shared = 0;
    if (k % restartEvery === 0) restarts.push(bytes.length);
    else while (shared < last.length && shared < key.length && last[shared] === key[shared]) shared++;
    bytes.push(...varint(shared), ...varint(key.length - shared), ...varint(value.length), ...key.subarray(shared), ...value);
    last = key;
  });
  const tail = new DataView(new ArrayBuffer(4 * restarts.length + 4));
  restarts.forEach((r, i) => tail.setUint32(4 * i, r, true));
  tail.setUint32(4 * restarts.length, restarts.length, true);
  const contents = Uint8Array.from([...bytes, ...new Uint8Array(tail.buffer)]);
  const type = Uint8Array.of(0);
  const crc = new DataView(new ArrayBuffer(4));
  crc.setUint32(0, maskedCrc32c(contents, type), true);
  return Uint8Array.from([...contents, ...type, ...new Uint8Array(crc.buffer)]);
}

/** A table of `entries` (sorted here by key bytes), cut into blocks of about `blockBytes`. */
export function tableBytes(entries: { key: Uint8Array; value: Uint8Array }[], blockBytes = 256, restartEvery = 4): Uint8Array {
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.key, b.key));
  const out: number[] = [];
  const index: { key: Uint8Array; value: Uint8Array }[] = [];
  let pending: typeof sorted = [];
  let size = 0;
  const flush = () => {
    if (!pending.length) return;
    const b = block(pending, restartEvery);
    index.push({ key: pending[pending.length - 1]!.key, value: Uint8Array.from([...varint(out.length), ...varint(b.length - 5)]) });
    out.push(...b);
    pending = [];
    size = 0;
  };
  for (const e of sorted) {
    pending.push(e);
    size += e.key.length + e.value.length;
    if (size >= blockBytes) flush();
  }
  flush();
  const meta = block([], restartEvery);
  const metaHandle = [...varint(out.length), ...varint(meta.length - 5)];
  out.push(...meta);
  const idx = block(index, 1);
  const indexHandle = [...varint(out.length), ...varint(idx.length - 5)];
  out.push(...idx);
  const footer = new Uint8Array(48);
  footer.set([...metaHandle, ...indexHandle]);
  new DataView(footer.buffer).setBigUint64(40, 0xdb4775248b80fb57n, true);
  out.push(...footer);
  return Uint8Array.from(out);
}

/** Writes `<prefix>.index` and its data shards; tensors go round-robin into `shards` shards. Returns the index path. */
export function writeCheckpoint(prefix: string, tensors: CkptTensor[], shards = 1): string {
  mkdirSync(dirname(prefix), { recursive: true });
  const indexPath = `${prefix}.index`;
  const data: Uint8Array[][] = Array.from({ length: shards }, () => []);
  const used = new Array<number>(shards).fill(0);
  const entries = tensors.map((t, k) => {
    const shard = k % shards;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const entry = BundleEntryProto.encode(BundleEntryProto.fromObject({
      dtype: t.data instanceof Float32Array ? 1 : 9, shape: { dim: t.dims.map((size) => ({ size })) },
      shard_id: shard, offset: used[shard], size: bytes.length, crc32c: maskedCrc32c(bytes),
    })).finish();
    data[shard]!.push(bytes);
    used[shard]! += bytes.length;
    return { key: new TextEncoder().encode(t.name), value: entry };
  });
  const header = BundleHeaderProto.encode(BundleHeaderProto.fromObject({ num_shards: shards, endianness: 0, version: { producer: 1 } })).finish();
  writeFileSync(indexPath, tableBytes([{ key: new Uint8Array(0), value: header }, ...entries]));
  checkpointShards(indexPath, shards).forEach((f, k) => writeFileSync(f, Buffer.concat(data[k]!)));
  return indexPath;
}
