/**
 * Reads Hugging Face's safetensors format, in which timm publishes PyTorch weights: an 8-byte little-endian
 * header length N, N bytes of JSON naming each tensor's dtype, shape and byte range, then the raw
 * little-endian, row-major data those ranges point into. Like a TensorFlow checkpoint it holds weights
 * only; the network they belong to is built in code.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError, messageOf } from '../../core/errors.js';

interface Entry { dtype: string; dims: number[]; bytes: Uint8Array }

/** Bytes per element of the dtypes whose sizes are known; others are kept, unchecked, and only fail when read. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1,
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** All 65536 half-precision values as float32, built on first use: one lookup per element beats arithmetic. */
let halfTable: Float32Array | undefined;
function halves(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    halfTable[h] = exp === 0 ? sign * frac * 2 ** -24 // zero and subnormals: no implicit leading 1
      : exp === 31 ? (frac ? NaN : sign * Infinity)
        : sign * (1024 + frac) * 2 ** (exp - 25); // exact in float32: 11 significant bits
  }
  return halfTable;
}

export class SafeTensors {
  private constructor(
    /** The file, named in errors. */
    readonly source: string,
    /** Of the whole file's bytes: the weights' identity in records. */
    readonly sha256: string,
    /** The header's optional `__metadata__` (timm and PyTorch write e.g. `{"format": "pt"}`). */
    readonly metadata: Record<string, string>,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Reads `path` whole and checks its header: every tensor's dtype, shape and byte range. */
  static read(path: string): SafeTensors {
    const fail = (m: string): never => { throw new UserError(`${path}: ${m}`); };
    let file: Buffer;
    try {
      file = readFileSync(path);
    } catch (err) {
      return fail(`cannot read the safetensors file (${messageOf(err)})`);
    }
    if (file.length < 8) fail(`is ${file.length} bytes long, too short for a safetensors header`);
    // The length is a u64; compare as BigInt so a huge (garbage) length cannot wrap or lose precision.
    const headerLength = file.readBigUInt64LE(0);
    if (headerLength > BigInt(file.length - 8)) {
      fail(`header of ${headerLength} bytes runs past the end of the file's ${file.length} bytes (truncated? not a safetensors file?)`);
    }
    const dataStart = 8 + Number(headerLength);
    let header: unknown;
    try {
      // fatal: malformed UTF-8 is an error, not silently replaced; JSON.parse skips the trailing space padding.
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, dataStart)));
    } catch (err) {
      return fail(`header is not JSON (${messageOf(err)}; not a safetensors file?)`);
    }
    if (!isObject(header)) return fail('header is not a JSON object (not a safetensors file?)');
    const data = file.subarray(dataStart);
    let metadata: Record<string, string> = {};
    const entries = new Map<string, Entry>();
    // Object key order is the file's, except that integer-like names would come first (JSON.parse's rule).
    for (const [name, value] of Object.entries(header)) {
      if (name === '__metadata__') {
        if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
          fail('header field __metadata__ is not an object of strings');
        }
        metadata = Object.fromEntries(Object.entries(value as Record<string, string>));
        continue;
      }
      const bad = (what: string): never => fail(`tensor '${name}' has ${what}`);
      if (!isObject(value)) bad('no {dtype, shape, data_offsets} entry');
      const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
      if (typeof dtype !== 'string' || dtype === '') bad('no dtype');
      if (!Array.isArray(shape) || !shape.every(isCount)) bad(`shape ${JSON.stringify(shape)}, expected a list of sizes`);
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
        bad(`data_offsets ${JSON.stringify(offsets)}, expected [begin, end]`);
      }
      const dims = shape as number[];
      const [begin, end] = offsets as [number, number];
      if (begin > end) bad(`data_offsets [${begin},${end}] out of order`);
      if (end > data.length) fail(`tensor '${name}' runs past the end of the data (byte ${end} of ${data.length}; truncated?)`);
      const size = DTYPE_BYTES[dtype as string];
      const need = size === undefined ? undefined : dims.reduce((a, b) => a * b, 1) * size;
      if (need !== undefined && end - begin !== need) {
        bad(`data_offsets [${begin},${end}] holding ${end - begin} bytes, but shape [${dims.join(',')}] of ${dtype} needs ${need}`);
      }
      entries.set(name, { dtype: dtype as string, dims, bytes: data.subarray(begin, end) });
    }
    return new SafeTensors(path, createHash('sha256').update(file).digest('hex'), metadata, entries);
  }

  /** Tensor names, in the header's order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The tensor `name` as float32 (converted from F16 or BF16), which must have shape `dims` (PyTorch's layout). */
  float(name: string, dims: number[]): Float32Array {
    const e = this.entries.get(name);
    if (!e) throw new UserError(`${this.source}: the file has no tensor '${name}' (not this network's weights?)`);
    if (e.dims.join(',') !== dims.join(',')) {
      throw new UserError(`${this.source}: tensor '${name}' has shape [${e.dims.join(',')}], expected [${dims.join(',')}]`);
    }
    if (e.dtype !== 'F32' && e.dtype !== 'F16' && e.dtype !== 'BF16') {
      throw new UserError(`${this.source}: tensor '${name}' has dtype ${e.dtype}, expected F32, F16 or BF16`);
    }
    // Copied into fresh arrays: the data buffer starts at 8 + N, which need not be a multiple of 4.
    const copy = new Uint8Array(e.bytes).buffer;
    if (e.dtype === 'F32') return new Float32Array(copy);
    const raw = new Uint16Array(copy);
    const out = new Float32Array(raw.length);
    if (e.dtype === 'BF16') {
      // bfloat16 is the top half of a float32, so shifting it back up is exact, NaN payloads included.
      const bits = new Uint32Array(out.buffer);
      for (let k = 0; k < raw.length; k++) bits[k] = raw[k]! << 16;
    } else {
      const table = halves();
      for (let k = 0; k < raw.length; k++) out[k] = table[raw[k]!]!;
    }
    return out;
  }

  /** The shape of tensor `name`, if the file has it. */
  dims(name: string): number[] | undefined {
    return this.entries.get(name)?.dims;
  }
}
