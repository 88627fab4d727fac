import type { Node } from '../../onnx/ir.js';
import type { Emitter } from '../emitter.js';
import type { TensorInfo } from '../shapes.js';
import { NodeError } from '../node-error.js';

/** What a VJP rule sees of one forward node while the backward pass is emitted. */
export interface VjpContext {
  readonly e: Emitter;
  readonly node: Node;
  /** Gradient of the loss w.r.t. each output; undefined where none reaches the loss. */
  readonly dy: readonly (string | undefined)[];
  /** Whether the gradient w.r.t. input `i` is needed (rules skip work for the others). */
  wants(i: number): boolean;
  /** Static type and shape of a forward tensor. */
  info(tensor: string): TensorInfo;
  /** Integer values of a tensor known when compiling (an initializer or a Constant output). */
  constInts(tensor: string): number[] | undefined;
}

/** Returns, per node input, the name of the gradient tensor (undefined where not wanted or not defined). */
export type VjpRule = (ctx: VjpContext) => readonly (string | undefined)[];

export type RuleTable = Readonly<Record<string, VjpRule>>;

export function unsupported(ctx: VjpContext, why: string): never {
  throw new NodeError(ctx.node, `: ${why}`);
}

/** The gradient w.r.t. the node's first output, which single-output rules differentiate. */
export function dyOf(ctx: VjpContext): string {
  const dy = ctx.dy[0];
  if (dy === undefined) unsupported(ctx, 'no gradient reaches its first output');
  return dy;
}

export function rankOf(ctx: VjpContext, tensor: string): number {
  return ctx.info(tensor).dims.length;
}

/** Integer values of input `i`, which must be a compile-time constant (axes, pads, starts ...). */
export function constInput(ctx: VjpContext, i: number, what: string): number[] {
  const values = ctx.constInts(ctx.node.inputs[i] ?? '');
  if (!values) unsupported(ctx, `its ${what} must be a constant for gradients`);
  return values;
}

/** Whether an axis has size 1 for every batch size. */
function isOne(info: TensorInfo, axis: number): boolean {
  return info.dims[axis] === 1 && !info.batchAxes[axis];
}

/**
 * Sums a gradient of a broadcast result (shaped like `resultInfo`) back to the shape of `target`, per
 * numpy broadcasting: axes the target lacks or holds at size 1 are reduced, then the target shape restored.
 * `targetInfo` overrides the target's own shape where a rule aligns it differently (MatMul's 1-D operands).
 */
export function sumToShape(ctx: VjpContext, grad: string, resultInfo: TensorInfo, target: string, targetInfo = ctx.info(target)): string {
  const rank = resultInfo.dims.length;
  const offset = rank - targetInfo.dims.length;
  const axes: number[] = [];
  for (let a = 0; a < rank; a++) {
    if (a < offset || (isOne(targetInfo, a - offset) && !isOne(resultInfo, a))) axes.push(a);
  }
  if (axes.length === 0 && offset === 0) return grad;
  const summed = axes.length > 0 ? ctx.e.reduceSum(grad, axes, true) : grad;
  const staticShape = !targetInfo.batchAxes.some(Boolean);
  return ctx.e.reshape(summed, staticShape ? targetInfo.dims : ctx.e.shape(target));
}
