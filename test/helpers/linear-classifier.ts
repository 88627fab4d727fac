import type { DifferentiableClassifier, GradientResult, LossHead, LossValues } from '../../src/runtime/classifier-types.js';

/**
 * Pure-TypeScript classifiers with exact analytic gradients, for testing attacks without ONNX Runtime:
 * a linear model (logits = W x + b, where minimal adversarial distortions have closed forms) and a small
 * ReLU network (non-linear behaviour). Arithmetic runs in float64; outputs are float32 like a real model's,
 * and a row's outputs depend on that row alone, as the attacks' batch-size invariance requires.
 */

export interface Dense {
  /** [outputs, inputs] row-major, or one array per output. */
  W: Float64Array | number[][];
  b: ArrayLike<number>;
}

export interface TestClassifier extends DifferentiableClassifier {
  /** Batched calls made so far, and examples they carried. */
  readonly calls: { logits: number; gradient: number; examples: number };
}

export function linearClassifier(W: Dense['W'], b: ArrayLike<number>, inputShape: readonly [number, number, number]): TestClassifier {
  return denseClassifier([{ W, b }], inputShape);
}

/** logits = W2 relu(W1 x + b1) + b2. */
export function reluNetClassifier(hidden: Dense, output: Dense, inputShape: readonly [number, number, number]): TestClassifier {
  return denseClassifier([hidden, output], inputShape);
}

interface Layer {
  W: Float64Array;
  b: Float64Array;
  inputs: number;
  outputs: number;
}

/** Dense layers with ReLU between them (none after the last). */
function denseClassifier(dense: Dense[], inputShape: readonly [number, number, number]): TestClassifier {
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  let inputs = size;
  const layers: Layer[] = dense.map(({ W, b }) => {
    const outputs = b.length;
    const flat = W instanceof Float64Array ? W : Float64Array.from(W.flat());
    if (flat.length !== outputs * inputs) throw new Error(`layer weights have ${flat.length} values, expected ${outputs} x ${inputs}`);
    const layer = { W: flat, b: Float64Array.from(b), inputs, outputs };
    inputs = outputs;
    return layer;
  });
  const numClasses = inputs;
  const calls = { logits: 0, gradient: 0, examples: 0 };

  /** Pre-activations of every layer for one example (the last are the logits). */
  const forward = (x: Float32Array): Float64Array[] => {
    const pre: Float64Array[] = [];
    let a: ArrayLike<number> = x;
    for (const [l, layer] of layers.entries()) {
      const z = new Float64Array(layer.outputs);
      for (let o = 0; o < layer.outputs; o++) {
        let s = layer.b[o]!;
        for (let i = 0; i < layer.inputs; i++) s += layer.W[o * layer.inputs + i]! * a[i]!;
        z[o] = s;
      }
      pre.push(z);
      a = l < layers.length - 1 ? z.map((v) => Math.max(0, v)) : z;
    }
    return pre;
  };

  const check = (x: Float32Array, n: number) => {
    if (x.length !== n * size) throw new Error(`expected ${n} examples of ${size} values, got ${x.length}`);
    calls.examples += n;
  };

  return {
    inputShape,
    numClasses,
    labels: Array.from({ length: numClasses }, (_, k) => `class ${k}`),
    classIds: Array.from({ length: numClasses }, (_, k) => `c${k}`),
    calls,
    async logits(x, n) {
      check(x, n);
      calls.logits++;
      const out = new Float32Array(n * numClasses);
      for (let e = 0; e < n; e++) out.set(forward(x.subarray(e * size, (e + 1) * size)).at(-1)!, e * numClasses);
      return out;
    },
    async gradient(x, n, head, params): Promise<GradientResult> {
      check(x, n);
      calls.gradient++;
      const logits = new Float32Array(n * numClasses);
      const loss = new Float32Array(n);
      const grad = new Float32Array(n * size);
      for (let e = 0; e < n; e++) {
        const pre = forward(x.subarray(e * size, (e + 1) * size));
        const z = pre.at(-1)!;
        logits.set(z, e * numClasses);
        const { value, cotangent } = headLoss(head, params, e, z);
        loss[e] = value;
        // Backpropagate the cotangent of the logits through the layers.
        let g = cotangent;
        for (let l = layers.length - 1; l >= 0; l--) {
          const layer = layers[l]!;
          const back = new Float64Array(layer.inputs);
          for (let o = 0; o < layer.outputs; o++) {
            if (g[o] === 0) continue;
            for (let i = 0; i < layer.inputs; i++) back[i] = back[i]! + layer.W[o * layer.inputs + i]! * g[o]!;
          }
          if (l > 0) for (let i = 0; i < layer.inputs; i++) if (pre[l - 1]![i]! <= 0) back[i] = 0;
          g = back;
        }
        grad.set(g, e * size);
      }
      return { logits, loss, grad };
    },
    async dispose() {},
  };
}

/** A loss head's value on one example's logits and its gradient with respect to them. */
function headLoss(head: LossHead, params: LossValues, e: number, z: Float64Array): { value: number; cotangent: Float64Array } {
  const k = z.length;
  const cot = new Float64Array(k);
  const need = <T>(v: T | undefined, name: string): T => {
    if (v === undefined) throw new Error(`${head.kind} needs params.${name}`);
    return v;
  };
  switch (head.kind) {
    case 'cross-entropy': {
      const y = need(params.labels, 'labels')[e]!;
      const max = Math.max(...z);
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(z[j]! - max);
      for (let j = 0; j < k; j++) cot[j] = Math.exp(z[j]! - max) / sum - (j === y ? 1 : 0);
      return { value: max + Math.log(sum) - z[y]!, cotangent: cot };
    }
    case 'cw-margin': {
      const own = head.targeted ? need(params.targets, 'targets')[e]! : need(params.labels, 'labels')[e]!;
      const kappa = typeof params.kappa === 'number' ? params.kappa : (params.kappa?.[e] ?? 0);
      let other = -1;
      for (let j = 0; j < k; j++) if (j !== own && (other < 0 || z[j]! > z[other]!)) other = j;
      const margin = (head.targeted ? z[other]! - z[own]! : z[own]! - z[other]!) + kappa;
      if (margin > 0) {
        const sign = head.targeted ? -1 : 1;
        cot[own] = sign;
        cot[other] = -sign;
      }
      return { value: Math.max(0, margin), cotangent: cot };
    }
    case 'logit-diff': {
      const i = need(params.i, 'i')[e]!;
      const j = need(params.j, 'j')[e]!;
      cot[i]! += 1;
      cot[j]! -= 1;
      return { value: z[i]! - z[j]!, cotangent: cot };
    }
    case 'weighted-logits': {
      const c = need(params.cotangent, 'cotangent');
      let value = 0;
      for (let j = 0; j < k; j++) {
        cot[j] = c[e * k + j]!;
        value += cot[j]! * z[j]!;
      }
      return { value, cotangent: cot };
    }
  }
}
