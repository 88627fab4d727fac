import type { Graph } from '../onnx/ir.js';

/** Ops that hold a layer's weights: what "a network of N layers" counts. */
const WEIGHT_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/**
 * Depth as architectures are named by it (VGG-16, ResNet-50, DenseNet-121): layers with weights
 * (convolutions and fully connected layers) on the longest path from an input to an output. A MatMul
 * counts only when one of its operands is a stored weight (an initializer or Constant), so products of
 * two activations (attention scores) are not layers. Nodes are visited in the graph's topological order.
 */
export function graphDepth(graph: Graph): number {
  const constants = new Set([...graph.initializers.map((t) => t.name), ...graph.nodes.filter((n) => n.opType === 'Constant').flatMap((n) => n.outputs)]);
  const depth = new Map<string, number>();
  for (const node of graph.nodes) {
    const below = Math.max(0, ...node.inputs.map((name) => depth.get(name) ?? 0));
    const weighted = WEIGHT_OPS.has(node.opType) && (node.opType !== 'MatMul' || node.inputs.some((name) => constants.has(name)));
    for (const out of node.outputs) depth.set(out, below + (weighted ? 1 : 0));
  }
  return Math.max(0, ...graph.outputs.map((o) => depth.get(o.name) ?? 0));
}
