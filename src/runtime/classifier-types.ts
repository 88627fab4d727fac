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
