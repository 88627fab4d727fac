import type { Node } from '../onnx/ir.js';
import { UserError } from '../core/errors.js';

/**
 * A model that cannot be differentiated because of one node: the message names it, and the node and op are
 * kept so that `models inspect` and the study preflight can say which node blocks gradients.
 */
export class NodeError extends UserError {
  readonly node: string;
  readonly opType: string;

  /** `what` continues "node 'name' (Op)": either ": why" or a clause of its own (" lies between ..."). */
  constructor(node: Pick<Node, 'name' | 'opType'>, what: string) {
    super(`node '${node.name}' (${node.opType})${what}`);
    this.name = 'NodeError';
    this.node = node.name;
    this.opType = node.opType;
  }
}
