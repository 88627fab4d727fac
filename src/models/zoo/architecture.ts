import type { Model } from '../../onnx/ir.js';

/** One architecture of the built-in zoo: a recipe for an untrained ONNX graph. */
export interface ZooArchitecture {
  /** Unique name, used as `zoo:<name>`. */
  name: string;
  /** The study family it mirrors (alexnet, vgg, resnet, mobilenet, densenet, inception) or `mlp` for baselines. */
  family: string;
  /** Layers with weights along the longest path (convolutions and fully connected layers), as families count it. */
  depth: number;
  /** The family's width knob: base channels, hidden units, growth rate or MobileNet's multiplier. */
  width: number;
  /** The graph with seeded initial weights: input `input` [N,3,32,32] in [0,1], output `logits` [N,10]. */
  build(seed: number): Model;
}
