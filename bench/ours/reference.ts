/** The reference batches bench/torch/gradient.py exports, as our sides read them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from '../python.js';

/** Where gradient.py exports the models of the gradient and attack benchmarks. */
export const GRADIENT_CACHE = join(BENCH_DIR, '.cache', 'gradient');

/** What gradient.py writes beside each exported model, as NAME.json. */
export interface ExportMeta {
  model: string;
  input_shape: [number, number, number];
  batch: number;
  num_classes: number;
  opset: number;
  seed: number;
  torch: string;
  /** How far PyTorch's float32 gradient is from the float64 one. */
  torch_vs_float64: { max_rel: number; rel_l2: number; cosine: number };
}

export interface Reference {
  meta: ExportMeta;
  onnx: string;
  /** The batch, float32 NCHW in [0,1]. */
  x: Float32Array;
  /** Seeded random classes: the gradient benchmark's labels. */
  labels: Int32Array;
  /** PyTorch's argmax: the attack benchmark's labels. */
  predictions: Int32Array;
  logits: Float32Array;
  /** PyTorch's input gradient of the summed cross-entropy on `labels`. */
  grad: Float32Array;
  /** The same gradient computed by PyTorch in float64. */
  grad64: Float64Array;
}

function bytes(path: string): ArrayBuffer {
  const buf = readFileSync(path);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

export function readReference(name: string, dir = GRADIENT_CACHE): Reference {
  const file = (what: string) => join(dir, `${name}.${what}`);
  return {
    meta: JSON.parse(readFileSync(file('json'), 'utf8')) as ExportMeta,
    onnx: file('onnx'),
    x: new Float32Array(bytes(file('input.bin'))),
    labels: new Int32Array(bytes(file('labels.bin'))),
    predictions: new Int32Array(bytes(file('predictions.bin'))),
    logits: new Float32Array(bytes(file('logits.bin'))),
    grad: new Float32Array(bytes(file('grad.bin'))),
    grad64: new Float64Array(bytes(file('grad64.bin'))),
  };
}

/**
 * How far a gradient is from a reference. maxRel = max |diff| / max |ref| is what the task asks for, but one
 * ReLU whose pre-activation lies within float rounding of 0 flips its mask with the order of a sum (on
 * MobileNet, -3.7e-9 under one ONNX Runtime optimisation level, +2.0e-9 under another) and moves maxRel by
 * ~1e-2; relL2 = ||diff|| / ||ref|| and the cosine are what a wrong rule would move.
 */
export interface Agreement {
  maxRel: number;
  relL2: number;
  cosine: number;
}

export function agreement(grad: Float32Array, ref: Float32Array | Float64Array): Agreement {
  if (grad.length !== ref.length) throw new Error(`${grad.length} values against ${ref.length} in the reference`);
  let maxDiff = 0, maxRef = 0, diff2 = 0, ref2 = 0, grad2 = 0, dot = 0;
  for (let i = 0; i < grad.length; i++) {
    const g = grad[i]!, r = ref[i]!, d = g - r;
    maxDiff = Math.max(maxDiff, Math.abs(d));
    maxRef = Math.max(maxRef, Math.abs(r));
    diff2 += d * d;
    ref2 += r * r;
    grad2 += g * g;
    dot += g * r;
  }
  return { maxRel: maxDiff / maxRef, relL2: Math.sqrt(diff2 / ref2), cosine: dot / Math.sqrt(grad2 * ref2) };
}

export function maxAbs(a: Float32Array): number {
  let max = 0;
  for (const v of a) max = Math.max(max, Math.abs(v));
  return max;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`${a.length} values against ${b.length} in the reference`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Peak resident set size of this process so far, in MiB (maxRSS is in KiB). */
export const peakRssMB = () => process.resourceUsage().maxRSS / 1024;
