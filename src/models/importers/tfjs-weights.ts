/**
 * Reads the binary weights of a TF.js model: `weightsManifest` groups whose shard files, concatenated in
 * order, hold the weights back to back (little-endian), optionally quantized.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { confinedPath } from '../confined-path.js';
import { messageOf, UserError } from '../../core/errors.js';
import { DataType } from '../../onnx/ir.js';
import { fromRawBytes } from '../../onnx/tensor.js';

export interface Weight {
  shape: number[];
  values: Float32Array;
}

interface Quantization { dtype: string; scale?: number; min?: number }

/** Bytes per stored element: float32 as is, or quantized to one of the others. */
const STORED_BYTES: Record<string, number> = { float32: 4, uint8: 1, uint16: 2, float16: 2 };

/** Weights by name, with TF's ':0' output suffix dropped so that lookups can use `layer/weight`. */
export async function readWeights(manifest: unknown, modelJsonPath: string): Promise<Map<string, Weight>> {
  const fail = (msg: string): never => { throw new UserError(`${modelJsonPath}: ${msg}`); };
  if (!Array.isArray(manifest)) fail('weightsManifest is missing or not a list');
  const weights = new Map<string, Weight>();
  for (const [g, group] of (manifest as unknown[]).entries()) {
    const { paths, weights: specs } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string') || !Array.isArray(specs)) {
      fail(`weightsManifest group ${g} needs 'paths' (file names) and 'weights' (a list)`);
    }
    const shardNames = paths as string[];
    const shards = await Promise.all(shardNames.map((p) => readShard(confinedPath(dirname(modelJsonPath), p, `${modelJsonPath}: weightsManifest`), modelJsonPath)));
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const spec of specs as Record<string, unknown>[]) {
      const { name, shape, dtype } = spec;
      const quantization = spec.quantization as Quantization | undefined;
      if (typeof name !== 'string' || !Array.isArray(shape) || !shape.every(Number.isInteger) || typeof dtype !== 'string') {
        fail(`weightsManifest group ${g} has a weight without a valid name, shape and dtype`);
      }
      // Layers models only hold float weights; an int32 or string weight would come from a graph model.
      if (dtype !== 'float32') fail(`weight '${name}' has dtype '${dtype}'; only float32 weights are supported`);
      const stored = quantization?.dtype ?? 'float32';
      const size = STORED_BYTES[stored] ?? fail(`weight '${name}' is quantized to '${stored}', which is not supported`);
      const count = (shape as number[]).reduce((a, b) => a * b, 1);
      const end = offset + count * size;
      if (end > bytes.length) {
        fail(`weight '${name}' needs bytes ${offset}..${end} of shard(s) ${shardNames.join(', ')} but they hold only ` +
          `${bytes.length}; shard '${shardAt(shardNames, shards, offset)}' is truncated`);
      }
      const raw = bytes.subarray(offset, end);
      offset = end;
      weights.set((name as string).replace(/:\d+$/, ''), { shape: shape as number[], values: decode(raw, quantization, name as string, fail) });
    }
  }
  return weights;
}

async function readShard(path: string, modelJsonPath: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UserError(`${modelJsonPath}: cannot read weight shard '${path}' (${messageOf(err)})`);
  }
}

/** The shard a byte offset of the concatenation falls in (the last one when it lies past the end). */
function shardAt(names: string[], shards: Buffer[], offset: number): string {
  let start = 0;
  for (const [i, s] of shards.entries()) {
    if (offset < start + s.length) return names[i]!;
    start += s.length;
  }
  return names[names.length - 1] ?? '(none)';
}

function decode(raw: Buffer, q: Quantization | undefined, name: string, fail: (m: string) => never): Float32Array {
  if (!q) return fromRawBytes(DataType.FLOAT, raw) as Float32Array;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (q.dtype === 'float16') return Float32Array.from({ length: raw.length / 2 }, (_, i) => halfToFloat(view.getUint16(i * 2, true)));
  if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
    return fail(`weight '${name}' is quantized to ${q.dtype} without numeric 'scale' and 'min'`);
  }
  const { scale, min } = q;
  return q.dtype === 'uint8'
    ? Float32Array.from(raw, (v) => v * scale + min)
    : Float32Array.from({ length: raw.length / 2 }, (_, i) => view.getUint16(i * 2, true) * scale + min);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
