import { broadcastDims, foldBinary, permute } from '../../constant-folding.js';
import type { LoweringContext, LoweringTable } from '../context.js';
import type { Tensor, Value } from '../values.js';

/**
 * Elementwise arithmetic, folded at import when every input is a constant (integer shape arithmetic
 * included), else an ONNX op that broadcasts TensorFlow-wise; and MatMul with constant weights.
 */

type BinaryFold = (x: number, y: number) => number;

function binary(ctx: LoweringContext, ins: Value[], onnx: string, f: BinaryFold): Value {
  const [a, b] = ins;
  if (!a || !b) ctx.fail('expects two inputs');
  if (a.kind === 'int' && b.kind === 'int') {
    const r = foldBinary(a, b, (x, y) => (x === null || y === null ? null : f(x, y)), (m) => ctx.fail(m));
    return { kind: 'int', dims: r.dims, data: r.data };
  }
  if (a.kind === 'float' && b.kind === 'float') {
    const r = foldBinary(a, b, f, (m) => ctx.fail(m));
    return { kind: 'float', dims: r.dims, data: Float32Array.from(r.data) };
  }
  const dims = broadcastDims<number | null>(a.dims, b.dims, (m) => ctx.fail(m));
  return ctx.out(ctx.b.op(onnx, [ctx.operand(a, dims.length), ctx.operand(b, dims.length)]), dims);
}

/** A unary float op: `f` folds a constant; a tensor takes the ONNX op `onnx`, or 1/√x when it has none. */
export function unary(ctx: LoweringContext, x: Value | undefined, onnx: string | undefined, f: (x: number) => number): Value {
  if (x?.kind === 'float') return { kind: 'float', dims: x.dims, data: x.data.map(f) };
  const t = ctx.tensor(x, 'the input');
  const name = onnx ? ctx.b.op(onnx, [t.name]) : ctx.b.op('Reciprocal', [ctx.b.op('Sqrt', [t.name])]);
  return ctx.out(name, t.dims);
}

function matmul(ctx: LoweringContext, ins: Value[]): Tensor {
  const a = ctx.tensor(ins[0], 'the first input');
  if (a.dims.length !== 2 || ctx.bool('transpose_a', false)) ctx.fail('the first input must be [N, features], not transposed');
  const w = ctx.floatConst(ins[1], 'the weights');
  if (w.dims.length !== 2) ctx.fail(`the weights must be a matrix, got [${w.dims}]`);
  const t = ctx.bool('transpose_b', false);
  const kn = t ? permute(w.data, w.dims, [1, 0], (n) => new Float32Array(n)) : { dims: w.dims, data: w.data };
  if (a.dims[1] !== null && a.dims[1] !== kn.dims[0]) ctx.fail(`[${a.dims}] x [${kn.dims}] do not multiply`);
  return ctx.out(ctx.b.op('MatMul', [a.name, ctx.b.constFloat(`${ctx.node.name}/weights`, kn.dims, kn.data)]), [a.dims[0]!, kn.dims[1]!]);
}

const add: BinaryFold = (x, y) => x + y;
const mul: BinaryFold = (x, y) => x * y;

export const arithmeticLowerings: LoweringTable = {
  Add: (ctx, ins) => binary(ctx, ins, 'Add', add),
  AddV2: (ctx, ins) => binary(ctx, ins, 'Add', add),
  BiasAdd: (ctx, ins) => binary(ctx, ins, 'Add', add),
  Sub: (ctx, ins) => binary(ctx, ins, 'Sub', (x, y) => x - y),
  Mul: (ctx, ins) => binary(ctx, ins, 'Mul', mul),
  RealDiv: (ctx, ins) => binary(ctx, ins, 'Div', (x, y) => x / y),
  Maximum: (ctx, ins) => binary(ctx, ins, 'Max', Math.max),
  Minimum: (ctx, ins) => binary(ctx, ins, 'Min', Math.min),
  Square: (ctx, ins) => binary(ctx, [ins[0]!, ins[0]!], 'Mul', mul),
  Neg: (ctx, ins) => unary(ctx, ins[0], 'Neg', (x) => -x),
  Sqrt: (ctx, ins) => unary(ctx, ins[0], 'Sqrt', Math.sqrt),
  Exp: (ctx, ins) => unary(ctx, ins[0], 'Exp', Math.exp),
  Rsqrt: (ctx, ins) => unary(ctx, ins[0], undefined, (x) => 1 / Math.sqrt(x)),
  MatMul: matmul,
};
