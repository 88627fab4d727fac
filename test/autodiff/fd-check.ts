import * as ort from 'onnxruntime-node';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { DataType, type Model } from '../../src/onnx/ir.js';
import { GradientSession } from '../../src/runtime/gradient-session.js';
import { centralDifference } from '../helpers/central-difference.js';

/** Seeded uniform [0, 1) generator (mulberry32), so every check is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normals(rand: () => number, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = scale * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

export const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

export const SESSION: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3, graphOptimizationLevel: 'all', intraOpNumThreads: 2 };

/** Values for a parameter: normal(0, scale), optionally shifted to stay away from zero (variances, divisors). */
export interface ParamSpec { dims: number[]; scale?: number; offset?: number }

/** Graph-building context of one rule case; floats are created in the graph's element type. */
export interface CaseBuilder {
  b: GraphBuilder;
  x: string;
  p: Record<string, string>;
  dtype: DataType;
  /** A float constant of the graph's element type. */
  floats(dims: number[], values: number[]): string;
}

export interface RuleCase {
  name: string;
  /** Input shape, batch first. */
  input: number[];
  params?: Record<string, ParamSpec>;
  build(c: CaseBuilder): string;
  /** Central-difference step (default 1e-6 in float64, 1e-2 when ORT runs the op in float32 only). */
  step?: number;
  /** Input values: normal(0, 1) plus this offset. */
  inputOffset?: number;
  /** Declare the batch size instead of a symbolic batch axis (graphs whose parameters depend on it). */
  fixedBatch?: boolean;
  opset?: number;
}

function buildModel(c: RuleCase, dtype: DataType, values: Record<string, Float32Array>, paramsAsInputs: boolean): Model {
  const b = new GraphBuilder();
  const x = b.input('x', c.fixedBatch ? c.input : ['N', ...c.input.slice(1)], dtype);
  const typed = (v: ArrayLike<number>) => (dtype === DataType.DOUBLE ? Float64Array.from(v) : Float32Array.from(v));
  const p: Record<string, string> = {};
  for (const [name, spec] of Object.entries(c.params ?? {})) {
    p[name] = paramsAsInputs
      ? b.input(name, spec.dims, dtype)
      : b.initializer({ name, dataType: dtype, dims: spec.dims, data: typed(values[name]!) });
  }
  const floats = (dims: number[], v: number[]) => b.initializer({ name: 'const', dataType: dtype, dims, data: typed(v) });
  const y = c.build({ b, x, p, dtype, floats });
  b.output(y, undefined, dtype);
  return modelOf(b.graph, c.opset);
}

/** Evaluates Σ cotangent·y in float64 for given input and parameter values, using the reference session. */
class Reference {
  private constructor(private readonly session: ort.InferenceSession, readonly double: boolean) {}

  static async create(c: RuleCase, values: Record<string, Float32Array>): Promise<Reference> {
    try {
      return new Reference(await ort.InferenceSession.create(encodeModel(buildModel(c, DataType.DOUBLE, values, true)), SESSION), true);
    } catch {
      // ORT implements some ops (Conv, pooling, LRN, ...) in float32 only.
      return new Reference(await ort.InferenceSession.create(encodeModel(buildModel(c, DataType.FLOAT, values, true)), SESSION), false);
    }
  }

  async loss(c: RuleCase, feeds: Record<string, Float64Array>, cotangent: Float32Array): Promise<number> {
    const tensors: Record<string, ort.Tensor> = {};
    const dims = (name: string) => (name === 'x' ? c.input : c.params![name]!.dims);
    for (const [name, v] of Object.entries(feeds)) {
      tensors[name] = this.double ? new ort.Tensor('float64', v, dims(name)) : new ort.Tensor('float32', Float32Array.from(v), dims(name));
    }
    const out = Object.values(await this.session.run(tensors))[0]!;
    const y = out.data as Float32Array | Float64Array;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += cotangent[i]! * y[i]!;
    return s;
  }
}

export interface CheckResult { name: string; wrt: string; analytic: number; numeric: number; relError: number; double: boolean }

/**
 * |analytic − numeric| relative to the numeric directional derivative, or to a tenth of its typical size
 * ‖g‖ (for a normal random direction) when the direction happens to be nearly orthogonal to the gradient.
 */
export function relativeError(analytic: number, numeric: number, grad: ArrayLike<number>): number {
  let norm = 0;
  for (let i = 0; i < grad.length; i++) norm += grad[i]! * grad[i]!;
  return Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 0.1 * Math.sqrt(norm), 1e-12);
}

/**
 * Checks a case's gradients (input and every parameter) against central differences of the same graph
 * along `directions` random directions, with a random cotangent on the output.
 */
export async function checkCase(c: RuleCase, seed: number, directions = 3): Promise<CheckResult[]> {
  const rand = rng(seed);
  const values: Record<string, Float32Array> = {};
  for (const [name, spec] of Object.entries(c.params ?? {})) {
    values[name] = normals(rand, count(spec.dims), spec.scale ?? 1).map((v) => v + (spec.offset ?? 0));
  }
  const x = normals(rand, count(c.input)).map((v) => v + (c.inputOffset ?? 0));
  const model = buildModel(c, DataType.FLOAT, values, false);
  const names = Object.keys(c.params ?? {});
  const session = await GradientSession.create(model, { kind: 'weighted-logits' }, { input: true, initializers: names });
  const cotangent = normals(rand, c.input[0]! * session.numClasses);
  const result = await session.run(x, c.input[0]!, { cotangent });
  await session.dispose();
  const reference = await Reference.create(c, values);
  const step = c.step ?? (reference.double ? 1e-6 : 1e-2);
  const base: Record<string, Float64Array> = { x: Float64Array.from(x) };
  for (const name of names) base[name] = Float64Array.from(values[name]!);
  const out: CheckResult[] = [];
  for (const wrt of ['x', ...names]) {
    const grad = wrt === 'x' ? result.grad : result.paramGrads.get(wrt)!;
    for (let d = 0; d < directions; d++) {
      const v = normals(rand, grad.length);
      const numeric = await centralDifference((t) => reference.loss(c, { ...base, [wrt]: Float64Array.from(base[wrt]!, (b, i) => b + t * v[i]!) }, cotangent), step);
      const analytic = grad.reduce((s, g, i) => s + g * v[i]!, 0);
      out.push({ name: c.name, wrt, analytic, numeric, relError: relativeError(analytic, numeric, grad), double: reference.double });
    }
  }
  return out;
}
