import type { OnnxClassifier } from '../../src/runtime/onnx-classifier.js';
import { centralDifference } from './central-difference.js';

/**
 * Errors of a classifier's input gradient of Z_i - Z_j against central differences, at the `pixels`
 * pixels where the gradient is largest (float32 logits resolve a step of `h` in one pixel; a random
 * direction's change would drown), relative to the largest |gradient|, sorted ascending. A step may cross
 * a ReLU kink, so callers allow the largest error or two to disagree.
 */
export async function gradientErrors(c: OnnxClassifier, x0: Float32Array, i: number, j: number, pixels = 6, h = 1e-2): Promise<{ errors: number[]; largest: number }> {
  const { grad } = await c.gradient(x0, 1, { kind: 'logit-diff' }, { i: Int32Array.of(i), j: Int32Array.of(j) });
  const largest = Math.max(...Array.from(grad, Math.abs));
  const top = Array.from(grad.keys()).sort((a, b) => Math.abs(grad[b]!) - Math.abs(grad[a]!)).slice(0, pixels);
  const errors: number[] = [];
  for (const k of top) {
    const numeric = await centralDifference(async (t) => {
      const xs = x0.slice();
      xs[k]! += t;
      const z = await c.logits(xs, 1);
      return z[i]! - z[j]!;
    }, h);
    errors.push(Math.abs(numeric - grad[k]!) / largest);
  }
  return { errors: errors.sort((a, b) => a - b), largest };
}
