/**
 * What attacks, metrics and the CLI see of a model: logits in canonical space (float32, NCHW, RGB, [0,1]).
 * Engine-neutral on purpose: nothing here mentions ONNX Runtime.
 */
export interface ClassifierInfo {
  /** Canonical input shape of one example: [channels, height, width]. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Human-readable class names, one per logit. */
  readonly labels: readonly string[];
  /** Stable class identifiers (e.g. WordNet IDs) used to align dataset labels; defaults to labels. */
  readonly classIds: readonly string[];
}

export interface Classifier extends ClassifierInfo {
  /** Logits for n examples laid out back to back: returns n * numClasses values. */
  logits(x: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * Scalar-per-example losses on logits Z that gradients are taken of. Runtime values come in LossParams,
 * so one compiled graph serves every step of an attack.
 * - cross-entropy: -log softmax(Z)_y with y = params.labels.
 * - cw-margin untargeted: max(0, Z_y - max_{j!=y} Z_j + kappa), y = params.labels.
 * - cw-margin targeted:   max(0, max_{j!=t} Z_j - Z_t + kappa), t = params.targets.
 * - logit-diff: Z_i - Z_j with i = params.i, j = params.j (CLEVER's g(x)).
 * - logit-weights: sum_j c_j Z_j with c = params.cotangent [n, classes] (a vector-Jacobian product).
 */
export type LossHead =
  | { kind: 'cross-entropy' }
  | { kind: 'cw-margin'; targeted: boolean }
  | { kind: 'logit-diff' }
  | { kind: 'logit-weights' };

export interface LossParams {
  labels?: Int32Array;
  targets?: Int32Array;
  /** One value for the batch or one per example. */
  kappa?: number | Float32Array;
  i?: Int32Array;
  j?: Int32Array;
  cotangent?: Float32Array;
}

export interface GradientResult {
  /** n * numClasses logits of the same forward pass. */
  logits: Float32Array;
  /** n losses. */
  loss: Float32Array;
  /** d loss_e / d x_e for every example, laid out like x. */
  grad: Float32Array;
}

/** A classifier that can also return input gradients of a loss head (attacks, CLEVER). */
export interface DifferentiableClassifier extends Classifier {
  gradient(x: Float32Array, n: number, head: LossHead, params: LossParams): Promise<GradientResult>;
}
