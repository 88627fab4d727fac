/**
 * Converts a frozen TensorFlow GraphDef (a .pb file whose weights are Const nodes, as TF-slim's releases and
 * the TFLite model zoo publish them) of an image classifier into an ONNX graph: this file walks the graph
 * from the output back to the Placeholder; each op's lowering (lowerings/, one table by op name) converts
 * one node. Values keep TensorFlow's dims while rank-4 tensors are stored NCHW (values.ts).
 */
import { UserError } from '../../../core/errors.js';
import { modelOf } from '../../../onnx/builder.js';
import { DataType, type Dim, type Model } from '../../../onnx/ir.js';
import { readModelBytes, sha256, type ImportedModel, type ModelFile } from '../model-file.js';
import { decodeGraphDef, type TfNode } from '../tf-graphdef-schema.js';
import { LoweringContext } from './context.js';
import { LOWERINGS } from './lowerings/index.js';
import type { Value } from './values.js';

export interface TfImportOptions {
  /** Output node; by default the graph's only node whose output nothing reads. */
  output?: string;
}

/** A frozen GraphDef file, converted with the manifest's `tfOutput` as the output; its sha256 is the file's. */
export async function readTfGraphDef({ path, manifest }: ModelFile): Promise<ImportedModel> {
  const bytes = readModelBytes(path);
  return { model: convertTfGraphDef(bytes, path, { output: manifest.tfOutput }), sha256: sha256(bytes) };
}

/**
 * Converts the binary GraphDef `bytes` into an opset-17 model whose input (named as the Placeholder) is
 * float32 [N, C, H, W] and whose output is the chosen node's value (its Softmax kept; the manifest's
 * outputs 'auto' removes it; a [N, 1, 1, classes] map flattened to [N, classes]).
 */
export function convertTfGraphDef(bytes: Uint8Array, source: string, opts: TfImportOptions = {}): Model {
  return convertTfNodes(decodeGraphDef(bytes, source), source, opts);
}

/** Converts a GraphDef's nodes, decoded or built in code (as `convertTfGraphDef`); errors name `source`. */
export function convertTfNodes(nodes: TfNode[], source: string, opts: TfImportOptions = {}): Model {
  return new GraphWalk(nodes, source).convert(opts.output);
}

/** A node's data inputs as (node, output index); control inputs ('^name') only order execution. */
const dataInputs = (n: TfNode): { name: string; index: number }[] =>
  n.input.filter((i) => !i.startsWith('^')).map((ref) => {
    const [name, index] = ref.split(':');
    return { name: name!, index: Number(index ?? 0) };
  });

class GraphWalk {
  private readonly ctx: LoweringContext;
  private readonly nodes = new Map<string, TfNode>();
  private readonly values = new Map<string, Value[]>();

  constructor(list: TfNode[], private readonly source: string) {
    this.ctx = new LoweringContext(source);
    for (const n of list) {
      if (this.nodes.has(n.name)) throw new UserError(`${source}: two nodes are named '${n.name}'`);
      this.nodes.set(n.name, n);
    }
  }

  convert(output: string | undefined): Model {
    const ctx: LoweringContext = this.ctx;
    const out = this.outputNode(output);
    for (const n of this.order(out)) {
      ctx.node = n;
      const ins = this.inputs(n);
      const lower = Object.hasOwn(LOWERINGS, n.op) ? LOWERINGS[n.op]! : ctx.fail('this TensorFlow op is not supported');
      this.values.set(n.name, [lower(ctx, ins)]);
    }
    ctx.node = out;
    const v = this.values.get(out.name)![0]!;
    if (v.kind !== 'tensor') ctx.fail('the output does not depend on the input');
    const inputs = ctx.b.graph.inputs;
    if (inputs.length !== 1) throw new UserError(`${this.source}: the output depends on ${inputs.length} Placeholders; expected one image input`);
    // A 1x1 map of class scores (e.g. TF-slim VGG's fc8 before its squeeze) leaves as [N, classes]; other
    // images leave in TensorFlow's NHWC order.
    const scores = v.dims.length === 4 && v.dims[1] === 1 && v.dims[2] === 1;
    const name = scores ? ctx.b.op('Flatten', [v.name], { axis: 1 }) : v.dims.length === 4 ? ctx.asNhwc(v) : v.name;
    const dims = scores ? [v.dims[0]!, v.dims[3]!] : v.dims;
    ctx.b.graph.outputs.push({ name, elemType: DataType.FLOAT, shape: dims.map((d, i): Dim => d ?? (i === 0 ? 'N' : null)) });
    return modelOf(ctx.b.graph, undefined, { 'robustscope.imported_from': 'tensorflow-graphdef' });
  }

  /** The requested node, or the only node whose output nothing reads. */
  private outputNode(name: string | undefined): TfNode {
    if (name !== undefined) {
      return this.nodes.get(name) ?? (() => { throw new UserError(`${this.source}: the graph has no node '${name}'`); })();
    }
    const read = new Set<string>();
    for (const n of this.nodes.values()) for (const i of dataInputs(n)) read.add(i.name);
    const sinks = [...this.nodes.values()].filter((n) => !read.has(n.name) && !['Const', 'NoOp', 'Placeholder'].includes(n.op));
    if (sinks.length !== 1) {
      throw new UserError(`${this.source}: cannot tell the output: ${sinks.length} nodes are unread (${sinks.slice(0, 8).map((n) => n.name).join(', ')}${sinks.length > 8 ? ', ...' : ''}); name one with the manifest field "tfOutput"`);
    }
    return sinks[0]!;
  }

  /** Nodes `out` depends on, inputs first (iterative: real graphs are thousands of nodes deep). */
  private order(out: TfNode): TfNode[] {
    const done = new Set<string>();
    const onStack = new Set<string>();
    const result: TfNode[] = [];
    const stack: [TfNode, number][] = [[out, 0]];
    onStack.add(out.name);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [n, k] = top;
      const refs = dataInputs(n);
      if (k < refs.length) {
        top[1]++;
        const dep = refs[k]!.name;
        if (done.has(dep)) continue;
        this.ctx.node = n;
        const m = this.nodes.get(dep) ?? this.ctx.fail(`reads '${dep}', which the graph does not define`);
        if (onStack.has(dep)) this.ctx.fail(`is part of a cycle through '${dep}' (control flow is not supported)`);
        onStack.add(dep);
        stack.push([m, 0]);
      } else {
        stack.pop();
        onStack.delete(n.name);
        done.add(n.name);
        result.push(n);
      }
    }
    return result;
  }

  private inputs(n: TfNode): Value[] {
    return dataInputs(n).map(({ name, index }) => this.values.get(name)![index] ?? this.ctx.fail(`reads output ${index} of '${name}', which is not supported`));
  }
}
