/**
 * Reads a TensorFlow checkpoint in the V2 "tensor bundle" format: `<prefix>.index`, a table mapping each
 * variable's name to its dtype, shape and place in a data shard, and the shards `<prefix>.data-NNNNN-of-NNNNN`
 * holding the raw little-endian values. A checkpoint holds weights only; the network they belong to is
 * built in code (see slim-densenet.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError, messageOf } from '../../core/errors.js';
import { maskedCrc32c, readTable } from './sstable.js';
import { BundleEntryProto, BundleHeaderProto, int64, shapeDims, TfType, type TfShapeMsg } from './tf-graphdef-schema.js';

interface Entry { dtype: number; dims: number[]; bytes: Uint8Array }

/** `<prefix>.index` → `<prefix>`. */
const prefixOf = (indexPath: string): string => indexPath.replace(/\.index$/, '');

/** The data shard files of a checkpoint with `count` shards (TensorFlow's naming). */
export function checkpointShards(indexPath: string, count: number): string[] {
  const pad = (k: number) => String(k).padStart(5, '0');
  return Array.from({ length: count }, (_, k) => `${prefixOf(indexPath)}.data-${pad(k)}-of-${pad(count)}`);
}

const readBytes = (path: string, what: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserError(`${path}: cannot read the checkpoint ${what} (${messageOf(err)})`);
  }
};

export class Checkpoint {
  private constructor(
    /** The .index file, named in errors. */
    readonly source: string,
    /** Of the index's and then the shards' bytes, in order: the checkpoint's identity in records. */
    readonly sha256: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Reads the index at `indexPath` and its data shards, checking every tensor's CRC-32C. */
  static read(indexPath: string): Checkpoint {
    const fail = (m: string): never => { throw new UserError(`${indexPath}: ${m}`); };
    const index = readBytes(indexPath, 'index');
    const table = readTable(index, indexPath);
    const decode = <T>(type: typeof BundleEntryProto, value: Uint8Array, what: string): T => {
      try {
        return type.toObject(type.decode(value), { defaults: true, longs: Number }) as T;
      } catch (err) {
        return fail(`${what} is not a tensor bundle record (${messageOf(err)})`);
      }
    };
    const [first, ...rest] = table;
    if (!first || first.key.length !== 0) fail('has no bundle header (not a TensorFlow V2 checkpoint index)');
    const header = decode<{ num_shards: number; endianness: number }>(BundleHeaderProto, first!.value, 'the header');
    if (header.endianness !== 0) fail('was written big-endian; only little-endian checkpoints are read');
    const files = checkpointShards(indexPath, header.num_shards);
    const shards = files.map((f) => readBytes(f, 'data shard'));
    const entries = new Map<string, Entry>();
    for (const { key, value } of rest) {
      const name = new TextDecoder().decode(key);
      const e = decode<{ dtype: number; shape?: TfShapeMsg; shard_id: number; offset: unknown; size: unknown; crc32c: number; slices: unknown[] }>(
        BundleEntryProto, value, `the entry of '${name}'`);
      if (e.slices.length > 0) fail(`variable '${name}' is partitioned into slices, which is not supported`);
      const shard = shards[e.shard_id] ?? fail(`variable '${name}' lies in shard ${e.shard_id} of ${shards.length}`);
      const offset = int64(e.offset);
      const size = int64(e.size);
      if (offset + size > shard.length) fail(`variable '${name}' runs past the end of ${files[e.shard_id]} (truncated?)`);
      const bytes = shard.subarray(offset, offset + size);
      if (maskedCrc32c(bytes) !== e.crc32c) fail(`variable '${name}' fails its CRC-32C check in ${files[e.shard_id]} (corrupt file)`);
      entries.set(name, { dtype: e.dtype, dims: shapeDims(e.shape) ?? [], bytes });
    }
    const hash = createHash('sha256').update(index);
    for (const shard of shards) hash.update(shard);
    return new Checkpoint(indexPath, hash.digest('hex'), entries);
  }

  /** Variable names, in the index's (sorted) order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The float32 variable `name`, which must have shape `dims` (TensorFlow's layout). */
  float(name: string, dims: number[]): Float32Array {
    const e = this.entries.get(name);
    if (!e) throw new UserError(`${this.source}: the checkpoint has no variable '${name}' (not this network's checkpoint?)`);
    if (e.dtype !== TfType.FLOAT) throw new UserError(`${this.source}: variable '${name}' has TensorFlow type ${e.dtype}, expected float32 (1)`);
    if (e.dims.join(',') !== dims.join(',')) {
      throw new UserError(`${this.source}: variable '${name}' has shape [${e.dims.join(',')}], expected [${dims.join(',')}]`);
    }
    const count = dims.reduce((a, b) => a * b, 1);
    if (e.bytes.length !== count * 4) throw new UserError(`${this.source}: variable '${name}' holds ${e.bytes.length} bytes, expected ${count * 4}`);
    // Copied into an aligned array: shard offsets need not be multiples of 4.
    return new Float32Array(new Uint8Array(e.bytes).buffer);
  }

  /** The shape of variable `name`, if the checkpoint has it. */
  dims(name: string): number[] | undefined {
    return this.entries.get(name)?.dims;
  }
}
