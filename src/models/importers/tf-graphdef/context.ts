import { UserError } from '../../../core/errors.js';
import { GraphBuilder } from '../../../onnx/builder.js';
import { permute } from '../constant-folding.js';
import { int64, type TfAttr, type TfNode } from '../tf-graphdef-schema.js';
import { NCHW_AXIS, TO_NCHW, TO_NHWC, type FloatConst, type ImageTensor, type Tensor, type Value } from './values.js';

/**
 * What a lowering sees of the conversion: the ONNX graph being built, the node being converted (its
 * attributes, typed, with errors naming it), and the NHWC/NCHW layout of the values it reads and makes.
 */
export class LoweringContext {
  readonly b = new GraphBuilder();
  /** The node being converted; errors name it. */
  node!: TfNode;
  /** Batch size the Placeholder fixed, if any: a Reshape to it becomes a Reshape to "the batch". */
  fixedBatch: number | undefined;
  /** NHWC views of NCHW-stored tensors, made once. */
  private readonly nhwc = new Map<string, string>();

  constructor(readonly source: string) {}

  fail(message: string): never {
    throw new UserError(`${this.source}: node '${this.node.name}' (${this.node.op}): ${message}`);
  }

  // ------------------------------------------------------------------------------------- attributes

  attr(key: string): TfAttr | undefined {
    return this.node.attr[key];
  }

  str(key: string, dflt?: string): string {
    const a = this.attr(key);
    if (a?.s !== undefined) return new TextDecoder().decode(a.s);
    return dflt ?? this.fail(`attribute '${key}' is missing`);
  }

  ints(key: string, dflt?: number[]): number[] {
    const a = this.attr(key);
    if (a?.list) return (a.list.i ?? []).map(int64);
    return dflt ?? this.fail(`attribute '${key}' is missing`);
  }

  num(key: string, dflt: number): number {
    const a = this.attr(key);
    if (a?.f !== undefined) return a.f;
    if (a?.i !== undefined) return int64(a.i);
    return dflt;
  }

  bool(key: string, dflt: boolean): boolean {
    return this.attr(key)?.b ?? dflt;
  }

  /** Rank-4 data layout for TensorFlow's NHWC format only. */
  nhwcOnly(): void {
    const format = this.str('data_format', 'NHWC');
    if (format !== 'NHWC') this.fail(`data_format '${format}' is not supported (NHWC)`);
  }

  // ------------------------------------------------------------------------------------- inputs

  tensor(v: Value | undefined, what: string): Tensor {
    if (v?.kind !== 'tensor') this.fail(`${what} must be computed from the input image, got a constant`);
    return v;
  }

  floatConst(v: Value | undefined, what: string): FloatConst {
    if (v?.kind !== 'float') this.fail(`${what} must be a float constant (a frozen graph stores weights as Const nodes)`);
    return v;
  }

  intConst(v: Value | undefined, what: string): number[] {
    if (v?.kind !== 'int' || v.data.some((x) => x === null)) this.fail(`${what} must be an integer constant`);
    return v.data as number[];
  }

  image(v: Value | undefined, what = 'the input'): ImageTensor {
    const t = this.tensor(v, what);
    if (t.dims.length !== 4) this.fail(`${what} must be an image [N, H, W, C], got rank ${t.dims.length}`);
    return t as ImageTensor;
  }

  axisOf(axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) this.fail(`axis ${axis} is out of range for rank ${rank}`);
    return a;
  }

  onnxAxis(a: number, rank: number): number {
    return rank === 4 ? NCHW_AXIS[a]! : a;
  }

  // ------------------------------------------------------------------------------------- layout

  out(name: string, dims: (number | null)[]): Tensor {
    return { kind: 'tensor', name, dims };
  }

  /** A tensor in TensorFlow's element order (a rank-4 one transposed back to NHWC). */
  asNhwc(t: Tensor): string {
    if (t.dims.length !== 4) return t.name;
    let name = this.nhwc.get(t.name);
    if (!name) {
      name = this.b.op('Transpose', [t.name], { perm: TO_NHWC });
      this.nhwc.set(t.name, name);
    }
    return name;
  }

  /** A tensor from a value in TensorFlow's order (a rank-4 one transposed to NCHW). */
  fromNhwc(name: string, dims: (number | null)[]): Tensor {
    return this.out(dims.length === 4 ? this.b.op('Transpose', [name], { perm: TO_NCHW }) : name, dims);
  }

  /** An ONNX constant of a float constant, permuted to NCHW when rank 4 (after padding to `rank`). */
  floatInit(c: FloatConst, rank = c.dims.length): string {
    const dims = [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims];
    if (rank !== 4) return this.b.constFloat('const', dims, c.data);
    const p = permute(c.data, dims, TO_NCHW, (n) => new Float32Array(n));
    return this.b.constFloat('const', p.dims, p.data);
  }

  /** Name of an operand for an op whose result has rank `rank` (constants and lower ranks broadcast NHWC-wise). */
  operand(v: Value, rank: number): string {
    if (v.kind === 'float') return this.floatInit(v, rank === 4 ? 4 : v.dims.length);
    if (v.kind === 'int') return this.fail('an integer tensor cannot take part in float arithmetic');
    if (rank !== 4 || v.dims.length === 4) return v.name;
    const lifted = this.b.op('Reshape', [v.name, this.b.constInt64('shape', [...new Array<number>(4 - v.dims.length).fill(1), ...v.dims.map((d) => d ?? -1)])]);
    return this.b.op('Transpose', [lifted], { perm: TO_NCHW });
  }
}

/** Converts one TensorFlow node, given its data inputs, into the value it outputs. */
export type Lowering = (ctx: LoweringContext, ins: Value[]) => Value;

/** Lowerings by TensorFlow op name. */
export type LoweringTable = Record<string, Lowering>;
