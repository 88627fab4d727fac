import type { LossHead } from '../autodiff/loss-heads.js';
import type { LossValues } from './gradient-session.js';

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
  /**
   * Stable class identifiers (e.g. WordNet IDs) used to align dataset labels; empty when the model comes
   * without a label list (it is then taken to use the dataset's class order).
   */
  readonly classIds: readonly string[];
}

export interface Classifier extends ClassifierInfo {
  /** Examples per engine call, when the classifier splits larger calls: callers fill calls to this size. */
  readonly batchSize?: number;
  /** Logits for n examples laid out back to back: returns n * numClasses values. */
  logits(x: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Loss heads and their per-step values are defined once, by the gradient compiler that builds them. */
export type { LossHead, LossValues };

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
  gradient(x: Float32Array, n: number, head: LossHead, params: LossValues): Promise<GradientResult>;
}
