import type * as ort from 'onnxruntime-node';
import { DataType, runtimeInputs, type Model } from '../onnx/ir.js';
import { UserError, messageOf } from '../core/errors.js';
import { createSession, dataTypeOf, zerosTensor } from './ort.js';
import type { ProbedValue, ShapeProbe } from '../autodiff/shapes.js';


/**
 * Static shapes of every value for the given input shapes, found by running the graph once in ONNX
 * Runtime with every intermediate exposed as an output (exact for any op ORT runs, no per-op shape rules
 * to keep in step with the spec). Inputs are zeros; `inputs` maps input name to its dims.
 */
export const probeShapes: ShapeProbe = async (model: Model, inputs: Record<string, number[]>, label = 'model', read?: readonly string[]): Promise<Map<string, ProbedValue>> => {
  const g = model.graph;
  const declared = new Set(g.outputs.map((o) => o.name));
  // Reading values exposes only those tensors; a shape probe exposes every one.
  const extra = (read ?? g.nodes.flatMap((n) => n.outputs)).filter((o) => o !== '' && !declared.has(o));
  const probe: Model = {
    ...model,
    graph: { ...g, outputs: [...g.outputs, ...extra.map((name) => ({ name, elemType: DataType.UNDEFINED }))] },
  };
  // Quiet: a probe at a batch size the graph pins fails by design, and ORT would print it.
  const session = await createSession(probe, label, { optimization: 'disabled', quiet: true });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const inp of runtimeInputs(g)) {
      const dims = inputs[inp.name];
      if (!dims) throw new UserError(`${label}: no shape given for input '${inp.name}'`);
      feeds[inp.name] = zerosTensor(inp.elemType, dims);
    }
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run(feeds);
    } catch (err) {
      throw new UserError(`${label}: shape inference run failed (${messageOf(err)})`);
    }
    const shapes = new Map<string, ProbedValue>();
    if (read) {
      for (const name of read) {
        const t = out[name] as ort.Tensor | undefined;
        if (t) shapes.set(name, { dims: [...t.dims], elemType: dataTypeOf(t.type), data: t.data as ProbedValue['data'] });
      }
      return shapes;
    }
    for (const [name, t] of Object.entries(out)) shapes.set(name, { dims: [...(t as ort.Tensor).dims], elemType: dataTypeOf((t as ort.Tensor).type) });
    for (const inp of runtimeInputs(g)) shapes.set(inp.name, { dims: inputs[inp.name]!, elemType: inp.elemType });
    for (const t of g.initializers) shapes.set(t.name, { dims: t.dims, elemType: t.dataType });
    return shapes;
  } finally {
    await session.release();
  }
};
