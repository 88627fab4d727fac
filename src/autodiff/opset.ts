import { BUILDER_OPSET, GraphBuilder, type AttrInput } from '../onnx/builder.js';
import { onnxOpset, type Model, type Node } from '../onnx/ir.js';
import { UserError } from '../core/errors.js';
import { intAttr, intsAttr } from './attrs.js';
import { NodeError } from './node-error.js';

/**
 * Backward graphs need opset 16+ ops (ScatterElements/ScatterND with reduction='add'), so the compiler lifts
 * forward graphs of opset 7..16 to opset 17 before differentiating, and the VJP rules only ever see opset-17
 * forms. Lifting is exact: an op is kept only if its meaning did not change up to opset 17, or is rewritten
 * into its opset-17 form (attributes that became inputs, the Softmax axis change, inference-only Dropout).
 * An op of unknown history is refused rather than guessed at. Graphs already at opset 17+ are left alone.
 */

/** Ops whose every attribute and input keeps its meaning from opset 7 to opset 17. */
const STABLE = new Set([
  'Abs', 'Add', 'And', 'ArgMax', 'ArgMin', 'AveragePool', 'Cast', 'Ceil', 'Concat', 'Constant', 'ConstantOfShape',
  'Conv', 'ConvTranspose', 'Cos', 'Div', 'Elu', 'Equal', 'Erf', 'Exp', 'Expand', 'Flatten', 'Floor', 'Gather',
  'GatherElements', 'Gemm', 'GlobalAveragePool', 'GlobalMaxPool', 'Greater', 'HardSigmoid', 'Identity',
  'InstanceNormalization', 'LeakyRelu', 'Less', 'Log', 'LRN', 'MatMul', 'Max', 'MaxPool', 'Mean', 'Min', 'Mul',
  'Neg', 'NonZero', 'Not', 'OneHot', 'Or', 'Pow', 'PRelu', 'Range', 'Reciprocal', 'ReduceL2', 'ReduceLogSumExp',
  'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'Relu', 'Reshape', 'Round', 'Selu', 'Shape', 'Sigmoid',
  'Sign', 'Sin', 'Size', 'Softplus', 'Softsign', 'Sqrt', 'Sub', 'Sum', 'Tanh', 'Tile', 'Transpose', 'Where',
  // Unchanged since they were introduced (opset 11 added DepthToSpace's CRD mode, keeping DCR the default).
  'Celu', 'DepthToSpace', 'Einsum', 'EyeLike', 'GreaterOrEqual', 'HardSwish', 'IsInf', 'IsNaN', 'LessOrEqual',
  'ReduceL1', 'ReduceSumSquare', 'SpaceToDepth', 'Xor',
]);

interface Upgrade {
  /** The opset at which the op took its opset-17 form; nodes from older opsets are rewritten. */
  since: number;
  rewrite(node: Node, b: GraphBuilder, used: Set<string>): void;
}

function fail(node: Node, why: string): never {
  throw new NodeError(node, `: ${why}`);
}

/** Re-emits a node with some attributes turned into constant inputs (empty name: input left out). */
function emit(b: GraphBuilder, node: Node, inputs: string[], drop: string[], outputs = node.outputs): void {
  const attrs = Object.fromEntries(Object.entries(node.attrs).filter(([k]) => !drop.includes(k))) as Record<string, AttrInput>;
  while (inputs.length > 0 && inputs.at(-1) === '') inputs.pop();
  b.node(node.opType, inputs, attrs, { outputs, name: node.name || node.opType });
}

const intsInput = (b: GraphBuilder, node: Node, key: string): string => {
  const v = intsAttr(node, key);
  return v ? b.constInt64(`${node.name || node.opType}_${key}`, v) : '';
};

const floatInput = (b: GraphBuilder, node: Node, key: string): string => {
  const a = node.attrs[key];
  return a?.type === 'float' ? b.constFloat(`${node.name || node.opType}_${key}`, [], [a.value]) : '';
};

/** Optional outputs that only training uses must be unconsumed; they are dropped. */
function inferenceOutputs(node: Node, used: Set<string>, keep: number): string[] {
  node.outputs.slice(keep).forEach((o) => { if (o && used.has(o)) fail(node, `output '${o}' is only defined in training mode`); });
  return node.outputs.slice(0, keep);
}

const axesToInput: Upgrade = {
  since: 13,
  rewrite: (node, b) => emit(b, node, [node.inputs[0]!, intsInput(b, node, 'axes')], ['axes']),
};

/** Before opset 13, Softmax-like ops flattened to 2-D at `axis` (default 1); later they act on one axis. */
const coercedSoftmax: Upgrade = {
  since: 13,
  rewrite: (node, b) => {
    const x = node.inputs[0]!;
    const axis = intAttr(node, 'axis', 1);
    if (axis === -1) return emit(b, node, [x], []);
    const flat = b.op('Flatten', [x], { axis });
    const out = b.op(node.opType, [flat], { axis: -1 });
    b.node('Reshape', [out, b.op('Shape', [x])], {}, { outputs: node.outputs });
  },
};

/** Resize took its opset-13 form at 11, except one coordinate mode that opset 13 dropped. */
const resize11: Upgrade = {
  since: 13,
  rewrite: (node, b) => {
    if (node.inputs.length < 3) fail(node, 'the opset-10 form of Resize is not supported for gradients (re-export at opset 11 or later)');
    if (node.attrs['coordinate_transformation_mode']?.value === 'tf_half_pixel_for_nn') fail(node, "coordinate_transformation_mode 'tf_half_pixel_for_nn' was removed in opset 13");
    emit(b, node, [...node.inputs], []);
  },
};

const UPGRADES: Record<string, Upgrade> = {
  Squeeze: axesToInput,
  Unsqueeze: axesToInput,
  ReduceSum: axesToInput,
  Softmax: coercedSoftmax,
  LogSoftmax: coercedSoftmax,
  Hardmax: coercedSoftmax,
  Resize: resize11,
  Split: { since: 13, rewrite: (node, b) => emit(b, node, [node.inputs[0]!, intsInput(b, node, 'split')], ['split']) },
  Slice: {
    since: 10,
    rewrite: (node, b) => emit(b, node, [node.inputs[0]!, ...['starts', 'ends', 'axes'].map((k) => intsInput(b, node, k))], ['starts', 'ends', 'axes']),
  },
  Pad: {
    since: 11,
    rewrite: (node, b) => emit(b, node, [node.inputs[0]!, intsInput(b, node, 'pads'), floatInput(b, node, 'value')], ['pads', 'value']),
  },
  Clip: {
    since: 11,
    rewrite: (node, b) => emit(b, node, [node.inputs[0]!, floatInput(b, node, 'min'), floatInput(b, node, 'max')], ['min', 'max']),
  },
  // Inference only: the ratio no longer matters, and the old mask (a float tensor) must be unused.
  Dropout: {
    since: 12,
    rewrite: (node, b, used) => emit(b, node, [node.inputs[0]!], ['ratio'], inferenceOutputs(node, used, 1)),
  },
  BatchNormalization: {
    since: 14,
    rewrite: (node, b, used) => {
      if (intAttr(node, 'spatial', 1) !== 1) fail(node, 'per-activation batch normalization (spatial=0) is not supported');
      emit(b, node, [...node.inputs], ['spatial'], inferenceOutputs(node, used, 1));
    },
  },
};

/** Every op the lift knows (kept as it is or rewritten); a test checks each has a VJP rule or passes no gradient. */
export const LIFTABLE_OPS: readonly string[] = [...STABLE, ...Object.keys(UPGRADES)];

/** Lifts a model of opset 7..16 to opset 17 in place (see above); returns the opset the model now imports. */
export function upgradeOpset(model: Model): number {
  const opset = onnxOpset(model);
  if (opset < 7) throw new UserError(`the model imports ONNX opset ${opset}; gradients need opset 7 or later (re-export the model)`);
  if (opset >= BUILDER_OPSET) return opset;
  const graph = model.graph;
  const used = new Set([...graph.nodes.flatMap((n) => n.inputs), ...graph.outputs.map((o) => o.name)]);
  const b = new GraphBuilder(graph);
  const nodes = graph.nodes;
  graph.nodes = [];
  for (const node of nodes) {
    const upgrade = node.domain === '' || node.domain === 'ai.onnx' ? UPGRADES[node.opType] : undefined;
    if (upgrade && opset < upgrade.since) upgrade.rewrite(node, b, used);
    else if (upgrade || STABLE.has(node.opType) || !(node.domain === '' || node.domain === 'ai.onnx')) graph.nodes.push(node);
    else fail(node, `robustscope does not know whether this op changed between opset ${opset} and ${BUILDER_OPSET}, so it cannot lift the model for gradients`);
  }
  model.opsetImports = [
    ...model.opsetImports.filter((o) => o.domain !== '' && o.domain !== 'ai.onnx'),
    { domain: '', version: BUILDER_OPSET },
  ];
  return BUILDER_OPSET;
}
