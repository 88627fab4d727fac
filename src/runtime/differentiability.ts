import { gradientGraph } from '../autodiff/gradient-graph.js';
import { NodeError } from '../autodiff/node-error.js';
import { UserError } from '../core/errors.js';
import type { Model } from '../onnx/ir.js';
import { probeShapes } from './ort-shape-probe.js';

/** Whether exact input gradients compile for a model, and if not, what blocks them. */
export interface Differentiability {
  differentiable: boolean;
  /** The node that blocks gradients and its op, when one node does. */
  node?: string;
  op?: string;
  /** Why gradients do not compile. */
  reason?: string;
}

/**
 * Compiles the model's input-gradient graph (cross-entropy head; the heads share every model node) without
 * running it, so a model no attack can differentiate is reported before any attack starts.
 */
export async function checkDifferentiable(model: Model, exampleShape?: readonly number[]): Promise<Differentiability> {
  try {
    await gradientGraph(model, { lossHead: { kind: 'cross-entropy' }, probe: probeShapes, exampleShape });
    return { differentiable: true };
  } catch (err) {
    if (err instanceof NodeError) return { differentiable: false, node: err.node, op: err.opType, reason: err.message };
    if (err instanceof UserError) return { differentiable: false, reason: err.message };
    throw err;
  }
}
