import { Rng } from '../../src/core/rng.js';
import { linearClassifier, reluNetClassifier, type TestClassifier } from '../helpers/linear-classifier.js';
import type { DifferentiableClassifier } from '../../src/runtime/classifier-types.js';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { OnnxClassifier } from '../../src/runtime/onnx-classifier.js';
import { parseManifest } from '../../src/models/manifest.js';

/** Small seeded models and inputs shared by the attack tests. */

export const SHAPE = [3, 4, 4] as const;
export const SIZE = SHAPE[0] * SHAPE[1] * SHAPE[2];

const rng = (seed: number) => new Rng(seed, 0x9e3779b9, 0x85ebca6b);

export function gaussianMatrix(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const r = rng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * r.normal()));
}

/** n examples near the centre of the box (0.5 +- spread), so small perturbations never meet its faces. */
export function centredInputs(n: number, seed: number, spread = 0.05): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * SIZE }, () => 0.5 + spread * (2 * r.uniform() - 1));
}

/** Uniform inputs over the whole box. */
export function uniformInputs(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * SIZE }, () => r.uniform());
}

export interface LinearSetup<M extends DifferentiableClassifier = TestClassifier> {
  model: M;
  W: number[][];
  b: number[];
  x: Float32Array;
  n: number;
  labels: Int32Array;
}

/**
 * A linear model whose clean logits put class 0 first: biases are set so that Z_0 - Z_j at the centre of
 * the box is `gaps[j - 1]` for every other class j.
 */
export function linearSetup(gaps: number[], n: number, seed: number): LinearSetup {
  const k = gaps.length + 1;
  const W = gaussianMatrix(k, SIZE, seed);
  const centre = (j: number) => W[j]!.reduce((s, w) => s + 0.5 * w, 0);
  const b = Array.from({ length: k }, (_, j) => (j === 0 ? 0 : centre(0) - centre(j) - gaps[j - 1]!));
  const x = centredInputs(n, seed + 1);
  return { model: linearClassifier(W, b, SHAPE), W, b, x, n, labels: new Int32Array(n) };
}

/** Z_i - Z_j of a linear model at example e of x (float64). */
export function logitGap(s: LinearSetup<DifferentiableClassifier>, e: number, i: number, j: number): number {
  let gap = s.b[i]! - s.b[j]!;
  for (let d = 0; d < SIZE; d++) gap += (s.W[i]![d]! - s.W[j]![d]!) * s.x[e * SIZE + d]!;
  return gap;
}

/** ||w_i - w_j||_p for p = 1 or 2. */
export function weightGapNorm(s: LinearSetup<DifferentiableClassifier>, i: number, j: number, p: 1 | 2): number {
  let sum = 0;
  for (let d = 0; d < SIZE; d++) sum += Math.abs(s.W[i]![d]! - s.W[j]![d]!) ** p;
  return p === 2 ? Math.sqrt(sum) : sum;
}

/** A ReLU net (48 -> 24 -> 4) and inputs labelled with its own predictions, so it is 100% accurate on them. */
export async function reluSetup(n: number, seed: number): Promise<{ model: TestClassifier; x: Float32Array; labels: Int32Array }> {
  const hidden = gaussianMatrix(24, SIZE, seed, 2 / Math.sqrt(SIZE));
  const output = gaussianMatrix(4, 24, seed + 1, 1);
  // Hidden units centred on the box's centre, so that about half are active and classes are balanced.
  const centred = hidden.map((w) => -0.5 * w.reduce((a, v) => a + v, 0));
  const model = reluNetClassifier({ W: hidden, b: centred }, { W: output, b: [0, 0, 0, 0] }, SHAPE);
  const x = uniformInputs(n, seed + 2);
  const z = await model.logits(x, n);
  const labels = Int32Array.from({ length: n }, (_, e) => {
    const row = Array.from(z.subarray(e * 4, e * 4 + 4));
    return row.indexOf(Math.max(...row));
  });
  model.calls.logits = 0;
  model.calls.examples = 0;
  return { model, x, labels };
}

/**
 * The same linear model as an ONNX graph built with the graph builder (Flatten + Gemm) and run by ONNX
 * Runtime, its gradients compiled by our autodiff: the closed-form checks then cover the real path.
 */
export async function onnxLinearClassifier(W: number[][], b: number[], shape: readonly [number, number, number]): Promise<OnnxClassifier> {
  const g = new GraphBuilder();
  const x = g.input('x', ['N', ...shape]);
  const flat = g.op('Flatten', [x], { axis: 1 });
  const w = g.constFloat('W', [W.length, W[0]!.length], W.flat());
  const bias = g.constFloat('b', [b.length], b);
  g.node('Gemm', [flat, w, bias], { transB: 1 }, { outputs: ['logits'] });
  g.output('logits', ['N', W.length]);
  return OnnxClassifier.create(modelOf(g.graph), parseManifest({ outputs: 'logits' }, 'linear'), { name: 'onnx-linear', sha256: 'test' });
}
