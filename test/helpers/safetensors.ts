/**
 * Writes safetensors files for tests as Hugging Face's library lays them out: the 8-byte little-endian header
 * length, the JSON header padded with spaces to a multiple of 8 bytes, then each tensor's little-endian bytes
 * back to back in the order given. The reader is also checked against hand-built bytes (safetensors.test.ts),
 * so a mistake shared by this writer and the reader does not go unnoticed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface StTensor { name: string; dims: number[]; data: Float32Array | BigInt64Array }

/** Writes `tensors` (F32, or I64 for BigInt64Array, like PyTorch's num_batches_tracked) and `metadata` to `path`. */
export function writeSafetensors(path: string, tensors: StTensor[], metadata?: Record<string, string>): void {
  mkdirSync(dirname(path), { recursive: true });
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let used = 0;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[t.name] = { dtype: t.data instanceof Float32Array ? 'F32' : 'I64', shape: t.dims, data_offsets: [used, used + bytes.length] };
    chunks.push(bytes);
    used += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, ' ')]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, json, ...chunks]));
}
