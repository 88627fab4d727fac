import { DataType, runtimeInputs, type Dim, type Model } from '../onnx/ir.js';
import { UserError } from '../core/errors.js';

/** A tensor's shape and element type from one probe run. */
export interface ProbedValue {
  dims: number[];
  elemType: DataType;
  /** The values, for the tensors a probe was asked to read. */
  data?: ArrayLike<number | bigint | boolean>;
}

/**
 * Runs a graph once on zeros of the given input shapes and returns every value's shape, or only the
 * tensors in `read`, with their values. The compiler needs exact shapes (and shape-only values, see
 * simplify.ts) but does not run graphs itself: the runtime passes its ONNX Runtime probe
 * (runtime/ort-shape-probe.ts), so autodiff stays below the runtime.
 */
export type ShapeProbe = (model: Model, inputs: Record<string, number[]>, label: string, read?: readonly string[]) => Promise<Map<string, ProbedValue>>;

/** Static type and shape of one tensor of a forward graph. */
export interface TensorInfo {
  elemType: DataType;
  /** Dimensions at the probe batch size (1, or the batch size a batch-fixed model declares). */
  dims: number[];
  /** Per axis: whether its size grows with the batch (size at batch n = n × dims[axis] for a probe batch of 1). */
  batchAxes: boolean[];
}

export interface ShapeInfo {
  tensors: Map<string, TensorInfo>;
  /** Shape of one example (the input's dimensions after the batch axis). */
  exampleShape: number[];
  /** The only batch size the model runs with (e.g. a Reshape to a constant [1, -1]); undefined when any works. */
  fixedBatch?: number;
}

/** The model's one runtime input; the gradient compiler supports single-input classifiers. */
export function singleInput(model: Model): { name: string; shape: Dim[] } {
  const inputs = runtimeInputs(model.graph);
  if (inputs.length !== 1) {
    throw new UserError(`the model has ${inputs.length} runtime inputs (${inputs.map((i) => i.name).join(', ')}); gradients need a model with exactly one image input`);
  }
  const input = inputs[0]!;
  if (input.elemType !== DataType.FLOAT) throw new UserError(`model input '${input.name}' is not float32`);
  if (!input.shape || input.shape.length === 0) throw new UserError(`model input '${input.name}' has no declared shape`);
  return { name: input.name, shape: input.shape };
}

/** Shape of one example: the given one, else the input's declared dimensions after the batch axis. */
export function exampleShapeOf(input: { name: string; shape: Dim[] }, exampleShape?: readonly number[]): number[] {
  return exampleShape ? [...exampleShape] : input.shape.slice(1).map((d) => {
    if (typeof d !== 'number') throw new UserError(`model input '${input.name}' has a symbolic dimension '${d ?? '?'}' after the batch axis; pass the example shape explicitly`);
    return d;
  });
}

/**
 * Static shapes of every tensor from ONNX Runtime probe runs (the runtime's ShapeProbe) at batch 1 and
 * batch 2, which tell the axes that grow with the batch. A model whose graph pins the batch size (it fails
 * at batch 2, e.g. a Reshape to a constant [1, -1]) is reported as batch-fixed at the size it declares.
 */
export async function inferShapes(model: Model, probeShapes: ShapeProbe, exampleShape?: readonly number[]): Promise<ShapeInfo> {
  const input = singleInput(model);
  const example = exampleShapeOf(input, exampleShape);
  const declaredBatch = typeof input.shape[0] === 'number' ? input.shape[0] : undefined;
  // The probe declares a symbolic batch axis so that ORT accepts the batch-2 feed.
  const symbolic: Model = {
    ...model,
    graph: { ...model.graph, inputs: model.graph.inputs.map((i) => (i.name === input.name ? { ...i, shape: ['batch', ...example] } : i)) },
  };
  const probe = (batch: number) => probeShapes(symbolic, { [input.name]: [batch, ...example] }, 'gradient shape probe');
  const one = await probe(declaredBatch ?? 1);
  const two = declaredBatch === undefined || declaredBatch === 1 ? await probe(2).catch(() => undefined) : undefined;
  const fixedBatch = two ? undefined : declaredBatch ?? 1;

  const tensors = new Map<string, TensorInfo>();
  for (const [name, a] of one) {
    const b = two?.get(name);
    if (b && b.dims.length !== a.dims.length) throw new UserError(`tensor '${name}' changes rank with the batch size; gradients need a fixed rank`);
    tensors.set(name, { elemType: a.elemType, dims: a.dims, batchAxes: a.dims.map((d, i) => b !== undefined && b.dims[i] !== d) });
  }
  // Initializers keep their exact element type (the probe only names the common ones).
  for (const t of model.graph.initializers) {
    tensors.set(t.name, { elemType: t.dataType, dims: [...t.dims], batchAxes: t.dims.map(() => false) });
  }
  return { tensors, exampleShape: example, fixedBatch };
}
