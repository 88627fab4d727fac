import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/core/errors.js';
import { SafeTensors } from '../../../src/models/importers/safetensors.js';
import { writeSafetensors, type StTensor } from '../../helpers/safetensors.js';

const scratch = mkdtempSync(join(tmpdir(), 'robustscope-st-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const TENSORS: StTensor[] = [
  { name: 'stem.conv.weight', dims: [4, 2, 3, 3], data: Float32Array.from({ length: 72 }, (_, k) => Math.sin(k) * 0.5) },
  { name: 'bn1.running_var', dims: [4], data: Float32Array.of(1, -2.5, 3e-8, 4e20) },
  { name: 'bn1.num_batches_tracked', dims: [], data: BigInt64Array.of(123456n) },
  { name: 'head.fc.weight', dims: [3, 4], data: Float32Array.from({ length: 12 }, (_, k) => k - 5.25) },
  { name: 'head.fc.bias', dims: [3], data: Float32Array.of(0.1, -0.2, Number.MIN_VALUE) },
];
const METADATA = { format: 'pt', note: 'poids ünïcode' };

const userError = (pattern: RegExp) => (e: unknown) => e instanceof UserError && pattern.test(e.message);

/** A file built byte by byte, without the test writer: length, header text as given, then `data`. */
function rawFile(name: string, header: string, data: Uint8Array | number[] = []): string {
  const json = Buffer.from(header, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const path = join(scratch, name);
  writeFileSync(path, Buffer.concat([length, json, Uint8Array.from(data)]));
  return path;
}

/** Little-endian bytes of 16-bit words. */
const words = (ws: number[]): Uint8Array => {
  const view = new DataView(new ArrayBuffer(2 * ws.length));
  ws.forEach((w, k) => view.setUint16(2 * k, w, true));
  return new Uint8Array(view.buffer);
};

test('reads float tensors of several shapes bit for bit, in header order, with their shapes, metadata and hash', () => {
  const path = join(scratch, 'round', 'model.safetensors');
  writeSafetensors(path, TENSORS, METADATA);
  const st = SafeTensors.read(path);
  assert.equal(st.source, path);
  assert.deepEqual(st.names(), TENSORS.map((t) => t.name));
  assert.deepEqual(st.metadata, METADATA);
  for (const t of TENSORS) {
    assert.deepEqual(st.dims(t.name), t.dims);
    if (!(t.data instanceof Float32Array)) continue;
    const got = st.float(t.name, t.dims);
    assert.ok(got instanceof Float32Array);
    assert.deepEqual(new Uint32Array(got.buffer, got.byteOffset, got.length), new Uint32Array(t.data.buffer));
  }
  assert.equal(st.dims('head.fc.missing'), undefined);
  assert.equal(st.sha256, createHash('sha256').update(readFileSync(path)).digest('hex'));
  assert.match(st.sha256, /^[0-9a-f]{64}$/);
});

test('a file without __metadata__ has empty metadata', () => {
  const path = join(scratch, 'nometa.safetensors');
  writeSafetensors(path, [TENSORS[1]!]);
  const st = SafeTensors.read(path);
  assert.deepEqual(st.metadata, {});
  assert.deepEqual(st.names(), ['bn1.running_var']);
});

test('converts F16 and BF16 to float32 exactly: normals, the largest finite, subnormals, infinities, NaN, -0', () => {
  const f16 = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3555];
  const f16Values = [1, -2, 0.5, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, Infinity, -Infinity, NaN, -0, 0x555 * 2 ** -12];
  // bfloat16 has 8 significant bits, so 65504 is not one; 65280 is the nearest below.
  const bf16 = [0x3f80, 0xc000, 0x3f00, 0x477f, 0x0001, 0x0080, 0x7f7f, 0x7f80, 0xff80, 0x7fc0, 0x8000, 0x3eab];
  const bf16Values = [1, -2, 0.5, 65280, 2 ** -133, 2 ** -126, 255 * 2 ** 120, Infinity, -Infinity, NaN, -0, 0xab * 2 ** -9];
  // Header text of odd length, padded with spaces, so the data (and the F16 tensor) start at an odd file offset.
  let header = '{"__metadata__":{"format":"pt"},'
    + '"half":{"dtype":"F16","shape":[3,4],"data_offsets":[0,24]},'
    + '"brain":{"dtype":"BF16","shape":[2,6],"data_offsets":[24,48]}}  ';
  if ((8 + header.length) % 2 === 0) header += ' ';
  const path = rawFile('halves.safetensors', header, [...words(f16), ...words(bf16)]);
  const st = SafeTensors.read(path);
  assert.deepEqual(st.names(), ['half', 'brain']);
  assert.deepEqual(st.metadata, { format: 'pt' });
  // Arrays of numbers compare with Object.is: NaN equals NaN and -0 differs from 0.
  assert.deepEqual(Array.from(st.float('half', [3, 4])), f16Values);
  assert.deepEqual(Array.from(st.float('brain', [2, 6])), bf16Values);
});

test('reads a known file: offsets count from the data buffer, not the file or the header order', () => {
  // Header order is t then a, data order a then t; t starts at data byte 3, unaligned.
  const header = '{"t":{"dtype":"F32","shape":[2],"data_offsets":[3,11]},"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}';
  assert.equal(header.length, 107);
  const bytes = Uint8Array.from([
    107, 0, 0, 0, 0, 0, 0, 0,
    ...Buffer.from(header),
    7, 8, 9, // a
    0x00, 0x00, 0xc0, 0x3f, // 1.5
    0x00, 0x00, 0x40, 0xc0, // -3
  ]);
  const path = join(scratch, 'known.safetensors');
  writeFileSync(path, bytes);
  const st = SafeTensors.read(path);
  assert.deepEqual(st.names(), ['t', 'a']);
  assert.deepEqual(Array.from(st.float('t', [2])), [1.5, -3]);
  assert.deepEqual(st.dims('a'), [3]);
});

test('the test writer writes what the safetensors library writes', () => {
  // save({"t": np.array([1.5, -3], np.float32)}) from safetensors 0.8.0 (Python): header padded to 56 bytes.
  const expected = Buffer.concat([
    Buffer.from([56, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from('{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  '),
    Buffer.from([0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x40, 0xc0]),
  ]);
  const path = join(scratch, 'python.safetensors');
  writeSafetensors(path, [{ name: 't', dims: [2], data: Float32Array.of(1.5, -3) }]);
  assert.deepEqual(readFileSync(path), expected);
});

test('asking for a tensor the file lacks, with another shape or a non-float dtype, names the file and the tensor', () => {
  const path = join(scratch, 'ask', 'model.safetensors');
  writeSafetensors(path, TENSORS, METADATA);
  const st = SafeTensors.read(path);
  assert.throws(() => st.float('head.fc2.weight', [3, 4]),
    userError(/ask\/model\.safetensors: the file has no tensor 'head\.fc2\.weight' \(not this network's weights\?\)/));
  assert.throws(() => st.float('stem.conv.weight', [4, 2, 3, 2]),
    userError(/model\.safetensors: tensor 'stem\.conv\.weight' has shape \[4,2,3,3\], expected \[4,2,3,2\]/));
  assert.throws(() => st.float('bn1.num_batches_tracked', []),
    userError(/model\.safetensors: tensor 'bn1\.num_batches_tracked' has dtype I64, expected F32, F16 or BF16/));
});

test('a dtype the reader does not know is kept, and only fails when read as float', () => {
  const path = rawFile('unknown.safetensors',
    '{"odd":{"dtype":"F4","shape":[3],"data_offsets":[0,3]},"w":{"dtype":"F32","shape":[1],"data_offsets":[3,7]}}',
    [1, 2, 3, 0, 0, 0x80, 0x3f]);
  const st = SafeTensors.read(path);
  assert.deepEqual(st.names(), ['odd', 'w']);
  assert.deepEqual(st.dims('odd'), [3]);
  assert.deepEqual(Array.from(st.float('w', [1])), [1]);
  assert.throws(() => st.float('odd', [3]), userError(/unknown\.safetensors: tensor 'odd' has dtype F4, expected F32, F16 or BF16/));
});

test('a truncated or malformed file is an error naming the file and the problem', () => {
  const cut = join(scratch, 'cut', 'model.safetensors');
  writeSafetensors(cut, TENSORS);
  truncateSync(cut, readFileSync(cut).length - 3);
  assert.throws(() => SafeTensors.read(cut),
    userError(/cut\/model\.safetensors: tensor 'head\.fc\.bias' runs past the end of the data \(byte \d+ of \d+; truncated\?\)/));

  const long = join(scratch, 'long.safetensors');
  writeFileSync(long, Buffer.concat([Buffer.from([0xe8, 0x03, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]));
  assert.throws(() => SafeTensors.read(long),
    userError(/long\.safetensors: header of 1000 bytes runs past the end of the file's 10 bytes \(truncated\?/));
  const huge = join(scratch, 'huge.safetensors');
  writeFileSync(huge, Buffer.concat([Buffer.alloc(8, 0xff), Buffer.from('{}')]));
  assert.throws(() => SafeTensors.read(huge), userError(/huge\.safetensors: header of 18446744073709551615 bytes runs past the end/));

  assert.throws(() => SafeTensors.read(rawFile('text.safetensors', '{"w": F32}')),
    userError(/text\.safetensors: header is not JSON \(/));
  assert.throws(() => SafeTensors.read(rawFile('array.safetensors', '[1,2]')),
    userError(/array\.safetensors: header is not a JSON object/));
  const badUtf8 = join(scratch, 'utf8.safetensors');
  writeFileSync(badUtf8, Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]));
  assert.throws(() => SafeTensors.read(badUtf8), userError(/utf8\.safetensors: header is not JSON/));

  assert.throws(() => SafeTensors.read(rawFile('size.safetensors', '{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Array(8).fill(0))),
    userError(/size\.safetensors: tensor 'w' has data_offsets \[0,8\] holding 8 bytes, but shape \[3\] of F32 needs 12/));
  assert.throws(() => SafeTensors.read(rawFile('order.safetensors', '{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', new Array(8).fill(0))),
    userError(/order\.safetensors: tensor 'w' has data_offsets \[8,0\] out of order/));
  assert.throws(() => SafeTensors.read(rawFile('past.safetensors', '{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', new Array(8).fill(0))),
    userError(/past\.safetensors: tensor 'w' runs past the end of the data \(byte 12 of 8; truncated\?\)/));
  assert.throws(() => SafeTensors.read(rawFile('shape.safetensors', '{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', new Array(4).fill(0))),
    userError(/shape\.safetensors: tensor 'w' has shape \[-1\], expected a list of sizes/));
  assert.throws(() => SafeTensors.read(rawFile('dtype.safetensors', '{"w":{"shape":[1],"data_offsets":[0,4]}}', new Array(4).fill(0))),
    userError(/dtype\.safetensors: tensor 'w' has no dtype/));
  assert.throws(() => SafeTensors.read(rawFile('offsets.safetensors', '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', new Array(4).fill(0))),
    userError(/offsets\.safetensors: tensor 'w' has data_offsets \[0\], expected \[begin, end\]/));
  assert.throws(() => SafeTensors.read(rawFile('entry.safetensors', '{"w":[1]}')),
    userError(/entry\.safetensors: tensor 'w' has no \{dtype, shape, data_offsets\} entry/));
  assert.throws(() => SafeTensors.read(rawFile('meta.safetensors', '{"__metadata__":{"epochs":3}}')),
    userError(/meta\.safetensors: header field __metadata__ is not an object of strings/));

  const short = join(scratch, 'short.safetensors');
  writeFileSync(short, Buffer.from([2, 0, 0, 0, 0]));
  assert.throws(() => SafeTensors.read(short), userError(/short\.safetensors: is 5 bytes long, too short for a safetensors header/));
  assert.throws(() => SafeTensors.read(join(scratch, 'none.safetensors')),
    userError(/none\.safetensors: cannot read the safetensors file \(ENOENT/));
});
