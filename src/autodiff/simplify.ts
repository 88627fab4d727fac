import { DataType, type Graph, type Model, type Node, type Tensor } from '../onnx/ir.js';
import { exampleShapeOf, singleInput, type ProbedValue, type ShapeProbe } from './shapes.js';
import { NodeError } from './node-error.js';

/**
 * Load-time simplification before differentiation. Exporters compute reshape targets, slice bounds, pads and
 * control-flow conditions from the input's shape at run time (`x.size(1) // 2`, ShuffleNet's chunk, Swin's
 * window padding, PyTorch's LocalResponseNorm `If`); the VJP rules need those as constants. A tensor is
 * *data-free* when it depends only on initializers and on tensor shapes, never on the input's values.
 * ONNX Runtime evaluates the data-free tensors that feed the rest of the graph at several batch sizes; the
 * ones that do not change with the batch become initializers (the batch dimension stays symbolic: a
 * reshape target built from the batch size keeps computing it), and an `If` whose condition is such a
 * constant is replaced by the branch it takes. Control flow on the input's data is refused, naming the node.
 *
 * Why not ONNX Runtime's own constant folding (basic level, written out with optimizedModelFilePath),
 * measured on the conformance exports: it keeps both `If` nodes of the LRN net, and 4 of the 6 Slices of
 * the opset-14 ViT keep computed starts, where this pass leaves no `If` and constant starts on all 6.
 */

/** Batch sizes at which data-free values are compared; a value equal at all of them does not depend on the batch. */
const PROBE_BATCHES = [1, 2, 3];

const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);

/** Ops whose outputs depend only on their input's shape. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

/** Nondeterministic ops are never folded. */
const isRandom = (op: string) => op.startsWith('Random') || op === 'Multinomial' || op === 'Bernoulli';

const subgraphsOf = (n: Node): Graph[] => Object.values(n.attrs).flatMap((a) => (a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : []));

/** Tensors a subgraph reads from enclosing scopes. */
function outerReferences(g: Graph): Set<string> {
  const defined = new Set([...g.inputs.map((i) => i.name), ...g.initializers.map((t) => t.name), ...g.nodes.flatMap((n) => n.outputs)]);
  const out = new Set<string>();
  for (const n of g.nodes) {
    for (const i of n.inputs) if (i && !defined.has(i)) out.add(i);
    for (const sub of subgraphsOf(n)) for (const i of outerReferences(sub)) if (!defined.has(i)) out.add(i);
  }
  for (const o of g.outputs) if (!defined.has(o.name)) out.add(o.name);
  return out;
}

/** Everything a node reads: its inputs and its subgraphs' outer references. */
const readsOf = (n: Node): string[] => [...n.inputs.filter((i) => i !== ''), ...subgraphsOf(n).flatMap((g) => [...outerReferences(g)])];

/** Data-free tensors of the graph (see above); initializers in `variables` count as data (training targets). */
function dataFreeTensors(g: Graph, variables: ReadonlySet<string>): Set<string> {
  const free = new Set(g.initializers.map((t) => t.name).filter((t) => !variables.has(t)));
  for (const n of g.nodes) {
    if (isRandom(n.opType)) continue;
    if (SHAPE_ONLY.has(n.opType) || readsOf(n).every((t) => free.has(t))) n.outputs.forEach((o) => { if (o) free.add(o); });
  }
  return free;
}

/** A probed value as a graph constant; undefined for types a graph constant cannot hold here. */
function toTensor(name: string, t: ProbedValue): Tensor | undefined {
  const dataType = t.elemType;
  if (!t.data || dataType === DataType.STRING || dataType === DataType.UNDEFINED) return undefined;
  const data = t.data as Exclude<Tensor['data'], string[]>;
  const copy = dataType === DataType.BOOL ? Uint8Array.from(data as Uint8Array, (v) => (v ? 1 : 0)) : data.slice();
  return { name, dataType, dims: [...t.dims], data: copy };
}

function sameValue(a: ProbedValue, b: ProbedValue): boolean {
  if (a.elemType !== b.elemType || a.dims.length !== b.dims.length || a.dims.some((d, i) => d !== b.dims[i])) return false;
  const x = a.data as ArrayLike<unknown>;
  const y = b.data as ArrayLike<unknown>;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/** Values of `names` at each probe batch size the model runs with (only its declared one if it pins it). */
async function probeValues(model: Model, probe: ShapeProbe, names: string[], exampleShape: number[]): Promise<Map<string, ProbedValue>[]> {
  const input = singleInput(model);
  const declared = typeof input.shape[0] === 'number' ? input.shape[0] : undefined;
  const symbolic: Model = {
    ...model,
    graph: { ...model.graph, inputs: model.graph.inputs.map((i) => (i.name === input.name ? { ...i, shape: ['batch', ...exampleShape] } : i)) },
  };
  const at = (batch: number) => probe(symbolic, { [input.name]: [batch, ...exampleShape] }, 'load-time simplification', names);
  if (declared !== undefined && declared !== 1) return [await at(declared)];
  const results = [await at(1)];
  for (const batch of PROBE_BATCHES.slice(1)) {
    // A model that fails at another batch size pins batch 1 (as the shape probe reports); its values stand.
    const r = await at(batch).catch(() => undefined);
    if (!r) return results;
    results.push(r);
  }
  return results;
}

/** Replaces an `If` node by the nodes of the branch `taken`, whose outputs become the node's outputs. */
function inlineBranch(g: Graph, node: Node, taken: boolean): void {
  const branch = node.attrs[taken ? 'then_branch' : 'else_branch'];
  if (branch?.type !== 'graph') throw new NodeError(node, ` has no ${taken ? 'then' : 'else'}_branch graph`);
  const at = g.nodes.indexOf(node);
  const outputs = branch.value.outputs.map((o, k): Node => ({
    name: `${node.name || 'If'}_branch_out_${k}`, opType: 'Identity', domain: '', inputs: [o.name], outputs: [node.outputs[k]!], attrs: {},
  }));
  // Copies, since later passes edit nodes and the branch belongs to the caller's model.
  const copies = branch.value.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } }));
  g.nodes.splice(at, 1, ...copies, ...outputs);
  g.initializers.push(...branch.value.initializers);
}

/** Removes nodes whose outputs nothing reads (graph outputs, other nodes, subgraphs). */
function removeDeadNodes(g: Graph): void {
  const read = new Set(g.outputs.map((o) => o.name));
  const kept: Node[] = [];
  for (const n of [...g.nodes].reverse()) {
    if (!n.outputs.some((o) => o && read.has(o))) continue;
    kept.push(n);
    readsOf(n).forEach((t) => read.add(t));
  }
  g.nodes = kept.reverse();
}

/**
 * Simplifies `model` in place (see above); `variables` are initializers gradients are taken for, which are
 * never folded away. Returns the number of tensors folded and `If` nodes inlined.
 */
export async function simplifyForGradients(model: Model, probe: ShapeProbe, exampleShape?: readonly number[], variables: ReadonlySet<string> = new Set()): Promise<{ folded: number; inlined: number }> {
  const g = model.graph;
  const example = exampleShapeOf(singleInput(model), exampleShape);
  let folded = 0;
  let inlined = 0;
  for (;;) {
    const free = dataFreeTensors(g, variables);
    const producers = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    // Data-free tensors that the rest of the graph reads: the ones worth folding.
    const frontier = new Set<string>();
    for (const n of g.nodes) {
      if (n.outputs.some((o) => free.has(o))) continue;
      for (const t of readsOf(n)) if (free.has(t) && producers.get(t) && producers.get(t)!.opType !== 'Constant') frontier.add(t);
    }
    for (const o of g.outputs) if (free.has(o.name) && producers.has(o.name)) frontier.add(o.name);
    const branching = g.nodes.filter((n) => n.opType === 'If' && !n.outputs.some((o) => free.has(o)));
    for (const n of branching) {
      if (!free.has(n.inputs[0] ?? '')) throw new NodeError(n, ` branches on the input's data; gradients need control flow that depends only on shapes and constants`);
      frontier.add(n.inputs[0]!);
    }
    const blocked = g.nodes.find((n) => CONTROL_FLOW.has(n.opType) && n.opType !== 'If' && !n.outputs.some((o) => free.has(o)));
    if (blocked) throw new NodeError(blocked, ` is a loop over the input's data; gradients need control flow that depends only on shapes and constants`);
    if (frontier.size === 0) return { folded, inlined };

    const probes = await probeValues(model, probe, [...frontier], example);
    const constant = (t: string): ProbedValue | undefined => {
      const first = probes[0]!.get(t);
      return first && probes.every((p) => { const v = p.get(t); return v !== undefined && sameValue(first, v); }) ? first : undefined;
    };

    for (const n of branching) {
      const cond = constant(n.inputs[0]!);
      if (!cond) throw new NodeError(n, ` branches on a condition that changes with the batch size; gradients need it fixed`);
      inlineBranch(g, n, Boolean((cond.data as ArrayLike<unknown>)[0]));
      inlined++;
    }
    const foldedNames = new Set<string>();
    for (const t of frontier) {
      const value = constant(t);
      const tensor = value && toTensor(t, value);
      if (!tensor) continue;
      g.initializers.push(tensor);
      foldedNames.add(t);
    }
    // Producers keep only the outputs still computed at run time; a fresh name frees each folded one.
    for (const n of g.nodes) n.outputs = n.outputs.map((o, k) => (foldedNames.has(o) ? `${o}__folded_${k}` : o));
    folded += foldedNames.size;
    removeDeadNodes(g);
    if (branching.length === 0) return { folded, inlined };
  }
}
