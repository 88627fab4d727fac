import { runtimeInputs, onnxOpset, type Model } from './ir.js';
import { UserError } from '../core/errors.js';

/**
 * Structural checks ONNX Runtime would otherwise report later and more vaguely: every node input is
 * defined before use (graphs are stored in topological order), every value is produced once, outputs
 * exist, and the default domain is imported. Errors name the model and the node.
 */
export function validateModel(model: Model, label: string): void {
  if (onnxOpset(model) === 0) throw new UserError(`${label}: the model imports no version of the default ONNX operator set`);
  const g = model.graph;
  const defined = new Set<string>([...g.initializers.map((t) => t.name), ...runtimeInputs(g).map((i) => i.name)]);
  const producedBy = new Map<string, string>();
  g.nodes.forEach((n, index) => {
    const node = `node ${index} '${n.name || n.opType}' (${n.opType || 'no op type'})`;
    if (!n.opType) throw new UserError(`${label}: ${node} has no op type`);
    for (const input of n.inputs) {
      // '' marks an omitted optional input.
      if (input !== '' && !defined.has(input)) {
        throw new UserError(`${label}: ${node} reads '${input}', which no earlier node, input or initializer defines`);
      }
    }
    for (const output of n.outputs) {
      if (output === '') continue;
      const first = producedBy.get(output);
      if (first) throw new UserError(`${label}: ${node} writes '${output}', already written by ${first}`);
      producedBy.set(output, node);
      defined.add(output);
    }
  });
  for (const out of g.outputs) {
    if (!defined.has(out.name)) throw new UserError(`${label}: graph output '${out.name}' is not produced by any node`);
  }
}
