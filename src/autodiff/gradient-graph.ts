import { GraphBuilder } from '../onnx/builder.js';
import { DataType, type Model, type Tensor, type ValueInfo } from '../onnx/ir.js';
import { UserError } from '../core/errors.js';
import { constantsOf, emitBackward } from './backward.js';
import { Emitter } from './emitter.js';
import { appendLossHead, type BatchAxis, type LossHead, type LossParam } from './loss-heads.js';
import { upgradeOpset } from './opset.js';
import { inferShapes, singleInput, type ShapeProbe } from './shapes.js';
import { simplifyForGradients } from './simplify.js';

/** What to differentiate the loss with respect to. */
export interface Wrt {
  /** The model input (attacks, CLEVER). */
  input: boolean;
  /** Float initializers (training); they become graph inputs, fed at every step with their current values. */
  initializers?: readonly string[];
}

export interface GradientOptions {
  lossHead: LossHead;
  /** Defaults to the model input only. */
  wrt?: Wrt;
  /** Shape of one example, for models whose input leaves dimensions after the batch axis symbolic. */
  exampleShape?: readonly number[];
  /** Runs the forward graph to read every tensor's shape (the runtime's ONNX Runtime probe). */
  probe: ShapeProbe;
}

/** One ONNX graph computing logits, per-example loss and gradients, with the names needed to run it. */
export interface GradientGraph {
  model: Model;
  /** The image input [N, ...exampleShape]. */
  input: string;
  exampleShape: number[];
  numClasses: number;
  /** The only batch size the graph runs with, when the model pins it. */
  fixedBatch?: number;
  /** Graph inputs of the loss head's per-step values. */
  lossInputs: Partial<Record<LossParam, string>>;
  /** Initializers turned into graph inputs (same names), with their initial values. */
  parameters: Tensor[];
  outputs: {
    /** Logits [N, numClasses] (the model's first output, flattened). */
    logits: string;
    /** Per-example loss [N]. */
    loss: string;
    /** Gradient of the summed loss w.r.t. the input, shaped like it (absent unless wrt.input). */
    inputGrad?: string;
    /** Gradient of the summed loss w.r.t. each parameter, by parameter name. */
    paramGrads: Map<string, string>;
  };
}

/** A copy whose graph, nodes and lists can be rewritten without touching the caller's model. */
function editableCopy(m: Model): Model {
  return {
    ...m,
    opsetImports: m.opsetImports.map((o) => ({ ...o })),
    metadata: { ...m.metadata },
    graph: {
      ...m.graph,
      nodes: m.graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
      initializers: [...m.graph.initializers],
      inputs: m.graph.inputs.map((i) => ({ ...i })),
      outputs: m.graph.outputs.map((o) => ({ ...o })),
      // Declared intermediate shapes may pin the batch size; ORT infers them again.
      valueInfo: [],
    },
  };
}

/**
 * Compiles `model` plus a loss head into one graph returning logits, loss and gradients (see DESIGN.md,
 * decision 2). The forward part is the model itself, simplified (simplify.ts: shape computations folded,
 * `If` on shapes inlined) and lifted to opset 17 (see opset.ts); the backward part
 * reuses its saved activations. Static shapes come from probe runs of the model in ONNX Runtime (shapes.ts).
 */
export async function gradientGraph(source: Model, options: GradientOptions): Promise<GradientGraph> {
  const wrt = options.wrt ?? { input: true };
  const model = editableCopy(source);
  await simplifyForGradients(model, options.probe, options.exampleShape, new Set(wrt.initializers ?? []));
  upgradeOpset(model);
  // ORT needs IR 8 for opset 17; initializers also listed as inputs (IR < 4) would be overridable at run
  // time, which stops ORT from constant-folding them.
  model.irVersion = Math.max(model.irVersion, 8);
  const graph = model.graph;
  const initNames = new Set(graph.initializers.map((t) => t.name));
  graph.inputs = graph.inputs.filter((i) => !initNames.has(i.name));

  const x = singleInput(model).name;
  const first = graph.outputs[0];
  if (!first) throw new UserError('the model has no outputs');
  const shapes = await inferShapes(model, options.probe, options.exampleShape);
  const logitsInfo = shapes.tensors.get(first.name);
  if (!logitsInfo || logitsInfo.elemType !== DataType.FLOAT || logitsInfo.dims.length < 2) {
    throw new UserError(`the model's first output '${first.name}' is not a float32 tensor [N, classes, ...]`);
  }
  const numClasses = logitsInfo.dims.slice(1).reduce((a, b) => a * b, 1);
  const batch: BatchAxis = shapes.fixedBatch === undefined
    ? { dim: 'N', probe: 1, scales: true }
    : { dim: shapes.fixedBatch, probe: shapes.fixedBatch, scales: false };

  const parameters = (wrt.initializers ?? []).map((name) => {
    const t = graph.initializers.find((i) => i.name === name);
    if (!t) throw new UserError(`'${name}' is not an initializer of the model, so gradients cannot be taken with respect to it`);
    if (t.dataType !== DataType.FLOAT) throw new UserError(`initializer '${name}' is not float32`);
    return t;
  });
  const targets = [...(wrt.input ? [x] : []), ...parameters.map((t) => t.name)];
  if (targets.length === 0) throw new UserError('nothing to differentiate: wrt names neither the input nor any initializer');
  graph.initializers = graph.initializers.filter((t) => !parameters.includes(t));
  graph.inputs = [
    ...graph.inputs.map((i) => (i.name === x ? { ...i, shape: [batch.dim, ...shapes.exampleShape] } : i)),
    ...parameters.map((t) => ({ name: t.name, elemType: DataType.FLOAT, shape: [...t.dims] })),
  ];

  const e = new Emitter(new GraphBuilder(graph));
  const z = logitsInfo.dims.length === 2 ? first.name : e.op('Flatten', [first.name], { axis: 1 });
  const head = appendLossHead(e, z, numClasses, batch, options.lossHead);
  const grads = emitBackward({
    e,
    nodes: [...graph.nodes],
    infos: new Map([...shapes.tensors, ...head.infos]),
    constants: constantsOf(graph.nodes, graph.initializers),
    loss: head.loss,
    targets,
  });

  // Graph outputs must be distinct tensors; an Identity separates any gradient that coincides with another.
  const taken = new Set<string>();
  const output = (name: string, shape: ValueInfo['shape']): string => {
    const unique = taken.has(name) ? e.op('Identity', [name]) : name;
    taken.add(unique);
    graph.outputs.push({ name: unique, elemType: DataType.FLOAT, shape });
    return unique;
  };
  graph.outputs = [];
  const logits = output(z, [batch.dim, numClasses]);
  const loss = output(head.loss, [batch.dim]);
  const inputGrad = wrt.input ? output(grads.get(x)!, [batch.dim, ...shapes.exampleShape]) : undefined;
  const paramGrads = new Map(parameters.map((t) => [t.name, output(grads.get(t.name)!, [...t.dims])]));
  return {
    model, input: x, exampleShape: shapes.exampleShape, numClasses, fixedBatch: shapes.fixedBatch,
    lossInputs: head.inputs, parameters, outputs: { logits, loss, inputGrad, paramGrads },
  };
}
