import type { DifferentiableClassifier, GradientResult } from '../../src/runtime/classifier-types.js';

/**
 * logits_k = w_k . x + b_k + (a_k / 2) ||x - centre||^2: a linear model plus a per-class curvature, so the
 * gradient of Z_i - Z_j, (w_i - w_j) + (a_i - a_j)(x - centre), changes continuously across CLEVER's
 * ball. Only the 'logit-diff' head is implemented: that is all CLEVER asks for.
 */
export function quadraticClassifier(
  W: Float64Array,
  b: readonly number[],
  curvature: readonly number[],
  centre: number,
  inputShape: readonly [number, number, number],
): DifferentiableClassifier {
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  const numClasses = b.length;
  const forward = (x: Float32Array, e: number, out: Float32Array) => {
    let sq = 0;
    for (let i = 0; i < size; i++) sq += (x[e * size + i]! - centre) ** 2;
    for (let k = 0; k < numClasses; k++) {
      let s = b[k]! + (curvature[k]! / 2) * sq;
      for (let i = 0; i < size; i++) s += W[k * size + i]! * x[e * size + i]!;
      out[e * numClasses + k] = s;
    }
  };
  return {
    inputShape,
    numClasses,
    labels: Array.from({ length: numClasses }, (_, k) => `class ${k}`),
    classIds: Array.from({ length: numClasses }, (_, k) => `c${k}`),
    async logits(x, n) {
      const out = new Float32Array(n * numClasses);
      for (let e = 0; e < n; e++) forward(x, e, out);
      return out;
    },
    async gradient(x, n, head, params): Promise<GradientResult> {
      if (head.kind !== 'logit-diff' || !params.i || !params.j) throw new Error('quadraticClassifier: only logit-diff with i and j');
      const logits = new Float32Array(n * numClasses);
      const loss = new Float32Array(n);
      const grad = new Float32Array(n * size);
      for (let e = 0; e < n; e++) {
        forward(x, e, logits);
        const i = params.i[e]!;
        const j = params.j[e]!;
        loss[e] = logits[e * numClasses + i]! - logits[e * numClasses + j]!;
        const da = curvature[i]! - curvature[j]!;
        for (let p = 0; p < size; p++) grad[e * size + p] = W[i * size + p]! - W[j * size + p]! + da * (x[e * size + p]! - centre);
      }
      return { logits, loss, grad };
    },
    async dispose() {},
  };
}
