/**
 * Reads a sorted string table in LevelDB's file format, which TensorFlow's table library keeps unchanged:
 * a checkpoint's `.index` file is one (tensor name → where its bytes are). Only uncompressed tables are
 * read; TensorFlow writes checkpoint indexes without compression.
 *
 * Layout: data blocks, a meta-index block, an index block (one entry per data block: a key at or after
 * its last key → the block's handle), and a 48-byte footer with the two handles and a magic number. Each
 * block is followed by a compression byte and a masked CRC-32C of the block and that byte.
 */
import crc32c from 'crc-32/crc32c.js';
import { UserError } from '../../core/errors.js';

export interface TableEntry { key: Uint8Array; value: Uint8Array }

const FOOTER_BYTES = 48;
const MAGIC = 0xdb4775248b80fb57n;
const TRAILER_BYTES = 5;
const MASK_DELTA = 0xa282ead8;

/** LevelDB's stored form of a CRC-32C (rotated and offset, so a CRC of data holding CRCs stays strong). */
export function maskedCrc32c(...parts: Uint8Array[]): number {
  let crc = 0;
  for (const p of parts) crc = crc32c.buf(p, crc);
  crc >>>= 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** A cursor over little-endian varints and fixed-width integers; running past `end` is a corrupt-file error. */
class Reader {
  constructor(private readonly bytes: Uint8Array, public at: number, private readonly end: number, private readonly fail: (m: string) => never) {}

  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.at >= this.end) this.fail('a varint runs past its block');
      const b = this.bytes[this.at++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
    }
    return this.fail('a varint is longer than 10 bytes');
  }

  get done(): boolean {
    return this.at >= this.end;
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.at) this.fail(`an entry of ${n} bytes runs past its block`);
    const s = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return s;
  }
}

/** Every entry of the table in `bytes`, in key order; errors name `source`. */
export function readTable(bytes: Uint8Array, source: string): TableEntry[] {
  const fail = (m: string): never => { throw new UserError(`${source}: not a readable TensorFlow table (${m})`); };
  if (bytes.length < FOOTER_BYTES) fail(`${bytes.length} bytes, shorter than the ${FOOTER_BYTES}-byte footer`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getBigUint64(bytes.length - 8, true) !== MAGIC) fail('the footer has no table magic number; truncated or not a checkpoint index');
  const footer = new Reader(bytes, bytes.length - FOOTER_BYTES, bytes.length - 8, fail);
  footer.varint(); footer.varint(); // the meta-index block: filters, which a full scan does not need
  const index = { offset: footer.varint(), size: footer.varint() };

  const block = (handle: { offset: number; size: number }): Reader => {
    const end = handle.offset + handle.size;
    if (end + TRAILER_BYTES > bytes.length - FOOTER_BYTES) fail(`a block at ${handle.offset} of ${handle.size} bytes runs past the data`);
    const contents = bytes.subarray(handle.offset, end);
    const type = bytes.subarray(end, end + 1);
    if (type[0] !== 0) fail(`a block is compressed (type ${type[0]}, 1 = Snappy); only uncompressed tables are read`);
    if (maskedCrc32c(contents, type) !== view.getUint32(end + 1, true)) fail(`the block at ${handle.offset} fails its CRC-32C check (corrupt file)`);
    if (handle.size < 4) fail(`a block of ${handle.size} bytes cannot hold its restart count`);
    const restarts = view.getUint32(end - 4, true);
    const entriesEnd = end - 4 - 4 * restarts;
    if (entriesEnd < handle.offset) fail(`a block claims ${restarts} restart points, more than it holds`);
    return new Reader(bytes, handle.offset, entriesEnd, fail);
  };

  /** A block's entries; each key shares a prefix with the previous one (reset at restart points). */
  const entries = (r: Reader): TableEntry[] => {
    const out: TableEntry[] = [];
    let last = new Uint8Array(0);
    while (!r.done) {
      const shared = r.varint();
      const own = r.varint();
      const valueLength = r.varint();
      if (shared > last.length) fail(`an entry shares ${shared} key bytes with a key of ${last.length}`);
      const key = new Uint8Array(shared + own);
      key.set(last.subarray(0, shared));
      key.set(r.take(own), shared);
      out.push({ key, value: r.take(valueLength) });
      last = key;
    }
    return out;
  };

  const result: TableEntry[] = [];
  for (const { value } of entries(block(index))) {
    const h = new Reader(value, 0, value.length, fail);
    result.push(...entries(block({ offset: h.varint(), size: h.varint() })));
  }
  return result;
}
