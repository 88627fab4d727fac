import { DataType, type Node, type Tensor } from '../onnx/ir.js';
import { tensorValues } from '../onnx/tensor.js';
import type { Emitter } from './emitter.js';
import type { VjpContext } from './rules/rule-context.js';
import { RULES } from './rules/index.js';
import { ANY_FLOAT_TYPE, NON_DIFFERENTIABLE } from './rules/non-differentiable.js';
import type { TensorInfo } from './shapes.js';
import { NodeError } from './node-error.js';

export interface BackwardInput {
  e: Emitter;
  /** Forward nodes (model and loss head) in topological order. */
  nodes: readonly Node[];
  infos: ReadonlyMap<string, TensorInfo>;
  constants: ReadonlyMap<string, Tensor>;
  /** The per-example loss [N]; its gradient seed is ones, so gradients are of the summed loss. */
  loss: string;
  /** Tensors to differentiate with respect to. */
  targets: readonly string[];
}

/** Element types a gradient can have. */
const FLOAT_TYPES: ReadonlySet<DataType> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);

/** Compile-time constants of a graph: initializers and Constant node outputs. */
export function constantsOf(nodes: readonly Node[], initializers: readonly Tensor[]): Map<string, Tensor> {
  const out = new Map(initializers.map((t) => [t.name, t]));
  for (const n of nodes) {
    if (n.opType !== 'Constant' || !n.outputs[0]) continue;
    const a = n.attrs['value'] ?? n.attrs['value_ints'] ?? n.attrs['value_int'];
    const name = n.outputs[0];
    if (a?.type === 'tensor') out.set(name, a.value);
    else if (a?.type === 'ints') out.set(name, { name, dataType: DataType.INT64, dims: [a.value.length], data: BigInt64Array.from(a.value, (v) => BigInt(v)) });
    else if (a?.type === 'int') out.set(name, { name, dataType: DataType.INT64, dims: [], data: BigInt64Array.of(BigInt(a.value)) });
  }
  return out;
}

/**
 * Reverse-mode pass: walks the forward nodes backwards and emits each one's VJP rule, summing gradients of
 * tensors used more than once. Only nodes between a target and the loss are differentiated: a tensor
 * carries gradient when it is a float computed from a target through differentiable ops (integer paths and
 * the ops of non-differentiable.ts end it) and the loss depends on it. Returns the gradient tensor of each target.
 */
export function emitBackward(p: BackwardInput): Map<string, string> {
  const { e, nodes, infos } = p;
  const info = (t: string): TensorInfo => {
    const i = infos.get(t);
    if (!i) throw new Error(`autodiff: no static shape for tensor '${t}'`);
    return i;
  };
  const active = new Set(p.targets);
  for (const n of nodes) {
    if (NON_DIFFERENTIABLE.has(n.opType) || !n.inputs.some((i) => active.has(i))) continue;
    for (const o of n.outputs) if (FLOAT_TYPES.has(infos.get(o)?.elemType ?? DataType.UNDEFINED)) active.add(o);
  }
  const needed = new Set([p.loss]);
  for (const n of [...nodes].reverse()) {
    if (n.outputs.some((o) => needed.has(o))) n.inputs.forEach((i) => { if (i) needed.add(i); });
  }
  const flows = (t: string) => t !== '' && active.has(t) && needed.has(t);

  const parts = new Map<string, string[]>();
  const add = (t: string, g: string) => parts.set(t, [...(parts.get(t) ?? []), g]);
  const total = (t: string): string | undefined => {
    const list = parts.get(t);
    if (!list || list.length === 0) return undefined;
    if (list.length > 1) parts.set(t, [e.op('Sum', list)]);
    return parts.get(t)![0];
  };
  add(p.loss, e.filled(e.shape(p.loss), 1));

  for (const node of [...nodes].reverse()) {
    const dy = node.outputs.map((o) => (flows(o) ? total(o) : undefined));
    if (dy.every((g) => g === undefined)) continue;
    const wants = node.inputs.map(flows);
    const wide = node.inputs.find((t, i) => wants[i] && infos.get(t)?.elemType !== DataType.FLOAT);
    if (wide !== undefined && !ANY_FLOAT_TYPE.has(node.opType)) {
      throw new NodeError(node, ` takes '${wide}' as ${DataType[infos.get(wide)!.elemType]}; gradients flow through float32 tensors only (other float types only through Cast and reshaping ops)`);
    }
    const rule = node.domain === '' || node.domain === 'ai.onnx' ? RULES[node.opType] : undefined;
    if (!rule) {
      throw new NodeError(node, ` lies between the differentiated tensors and the loss, but robustscope has no gradient rule for ${node.opType}`);
    }
    const ctx: VjpContext = {
      e, node, dy,
      wants: (i) => wants[i] ?? false,
      info,
      constInts: (t) => { const c = p.constants.get(t); return c ? tensorValues(c) : undefined; },
    };
    const grads = rule(ctx);
    wants.forEach((w, i) => {
      if (!w) return;
      const g = grads[i];
      if (!g) throw new NodeError(node, ` has no gradient for its input ${i} ('${node.inputs[i]}')`);
      add(node.inputs[i]!, g);
    });
  }
  return new Map(p.targets.map((t) => [t, total(t) ?? e.zerosLike(t)]));
}
