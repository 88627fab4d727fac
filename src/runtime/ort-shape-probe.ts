import * as ort from 'onnxruntime-node';
import { encodeModel } from '../onnx/codec.js';
import { DataType, runtimeInputs, type Model } from '../onnx/ir.js';
import { UserError, messageOf } from '../core/errors.js';
import type { ProbedValue, ShapeProbe } from '../autodiff/shapes.js';


const ORT_TYPE: Partial<Record<DataType, ort.Tensor.Type>> = {
  [DataType.FLOAT]: 'float32', [DataType.DOUBLE]: 'float64', [DataType.INT64]: 'int64', [DataType.INT32]: 'int32',
  [DataType.UINT8]: 'uint8', [DataType.INT8]: 'int8', [DataType.BOOL]: 'bool',
};

function zeros(type: ort.Tensor.Type, dims: number[]): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'int64': return new ort.Tensor('int64', new BigInt64Array(n), dims);
    case 'int32': return new ort.Tensor('int32', new Int32Array(n), dims);
    case 'float64': return new ort.Tensor('float64', new Float64Array(n), dims);
    case 'bool': return new ort.Tensor('bool', new Uint8Array(n), dims);
    case 'uint8': return new ort.Tensor('uint8', new Uint8Array(n), dims);
    case 'int8': return new ort.Tensor('int8', new Int8Array(n), dims);
    default: return new ort.Tensor('float32', new Float32Array(n), dims);
  }
}

/**
 * Static shapes of every value for the given input shapes, found by running the graph once in ONNX
 * Runtime with every intermediate exposed as an output (exact for any op ORT runs, no per-op shape rules
 * to keep in step with the spec). Inputs are zeros; `inputs` maps input name to its dims.
 */
export const probeShapes: ShapeProbe = async (model: Model, inputs: Record<string, number[]>, label = 'model'): Promise<Map<string, ProbedValue>> => {
  const g = model.graph;
  const declared = new Set(g.outputs.map((o) => o.name));
  const extra = g.nodes.flatMap((n) => n.outputs).filter((o) => o !== '' && !declared.has(o));
  const probe: Model = {
    ...model,
    graph: { ...g, outputs: [...g.outputs, ...extra.map((name) => ({ name, elemType: DataType.UNDEFINED }))] },
  };
  let session: ort.InferenceSession;
  try {
    // Fatal-only logging: a probe at a batch size the graph pins fails by design, and ORT would print it.
    session = await ort.InferenceSession.create(encodeModel(probe), { logSeverityLevel: 4, graphOptimizationLevel: 'disabled', intraOpNumThreads: 2 });
  } catch (err) {
    throw new UserError(`${label}: ONNX Runtime cannot load the model (${messageOf(err)})`);
  }
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const inp of runtimeInputs(g)) {
      const dims = inputs[inp.name];
      if (!dims) throw new UserError(`${label}: no shape given for input '${inp.name}'`);
      feeds[inp.name] = zeros(ORT_TYPE[inp.elemType] ?? 'float32', dims);
    }
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run(feeds);
    } catch (err) {
      throw new UserError(`${label}: shape inference run failed (${messageOf(err)})`);
    }
    const shapes = new Map<string, ProbedValue>();
    for (const [name, t] of Object.entries(out)) shapes.set(name, { dims: [...(t as ort.Tensor).dims], type: (t as ort.Tensor).type });
    for (const inp of runtimeInputs(g)) shapes.set(inp.name, { dims: inputs[inp.name]!, type: ORT_TYPE[inp.elemType] ?? 'float32' });
    for (const t of g.initializers) shapes.set(t.name, { dims: t.dims, type: ORT_TYPE[t.dataType] ?? 'unknown' });
    return shapes;
  } finally {
    await session.release();
  }
};
