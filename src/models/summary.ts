import { probeShapes } from '../runtime/ort-shape-probe.js';
import { DataType, elementCount, onnxOpset, runtimeInputs, type Model } from '../onnx/ir.js';
import type { OnnxClassifier } from '../runtime/onnx-classifier.js';
import { checkDifferentiable, type Differentiability } from '../runtime/differentiability.js';

export interface ModelSummary {
  name: string;
  sha256: string;
  irVersion: number;
  opset: number;
  producer: string;
  /** The raw graph's own inputs and outputs. */
  inputs: { name: string; shape: (number | string | null)[] }[];
  outputs: { name: string; shape: (number | string | null)[] }[];
  /** Canonical view: what attacks see. */
  canonicalInput: number[];
  numClasses: number;
  preprocess: string[];
  outputTransform: string[];
  ops: Record<string, number>;
  nodes: number;
  parameters: number;
  /** Floating-point operations per image, counting a multiply-add as 2 (Conv, ConvTranspose, Gemm, MatMul). */
  flopsPerImage: number;
  /** Whether exact input gradients (every attack but transfer) compile, else which node blocks them. */
  gradients: Differentiability;
}

/** Parameters: float elements of initializers and Constant nodes (ConstantOfShape-built weights too). */
function countParameters(model: Model, shapes: Map<string, { dims: number[] }>): number {
  let total = 0;
  for (const t of model.graph.initializers) if (t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16 || t.dataType === DataType.DOUBLE) total += elementCount(t.dims);
  for (const n of model.graph.nodes) {
    if (n.opType === 'ConstantOfShape' && shapes.get(n.outputs[0]!)) total += elementCount(shapes.get(n.outputs[0]!)!.dims);
  }
  return total;
}

function flopsOf(model: Model, shapes: Map<string, { dims: number[] }>): number {
  let flops = 0;
  for (const n of model.graph.nodes) {
    const out = shapes.get(n.outputs[0] ?? '')?.dims;
    const w = shapes.get(n.inputs[1] ?? '')?.dims;
    if (!out || !w) continue;
    if (n.opType === 'Conv') flops += 2 * elementCount(out) * elementCount(w.slice(1));
    else if (n.opType === 'ConvTranspose') flops += 2 * elementCount(shapes.get(n.inputs[0]!)?.dims ?? []) * elementCount(w.slice(1));
    else if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      const a = shapes.get(n.inputs[0]!)?.dims ?? [];
      const transA = n.attrs.transA?.type === 'int' && n.attrs.transA.value === 1;
      const k = n.opType === 'Gemm' && transA ? a[0]! : a[a.length - 1]!;
      flops += 2 * elementCount(out) * k;
    }
  }
  return flops;
}

/** What `models inspect` prints: structure, size and cost of a loaded model (shapes inferred at batch 1). */
export async function summarize(c: OnnxClassifier): Promise<ModelSummary> {
  const raw = c.raw;
  const ops: Record<string, number> = {};
  for (const n of raw.graph.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  const shapes = await probeShapes(c.model, { [c.canonical.inputName]: [1, ...c.inputShape] }, c.name);
  const pre = c.manifest.preprocess;
  const preprocess = [
    pre.channelOrder === 'BGR' ? 'RGB -> BGR' : '',
    pre.scale !== 1 ? `x * ${pre.scale}` : '',
    pre.mean.some((m) => m !== 0) ? `- mean [${pre.mean.join(', ')}]` : '',
    pre.std.some((s) => s !== 1) ? `/ std [${pre.std.join(', ')}]` : '',
    pre.layout === 'NHWC' ? 'NCHW -> NHWC' : '',
  ].filter(Boolean);
  return {
    name: c.name,
    sha256: c.sha256,
    irVersion: raw.irVersion,
    opset: onnxOpset(raw),
    producer: [raw.producerName, raw.producerVersion].filter(Boolean).join(' '),
    inputs: runtimeInputs(raw.graph).map((i) => ({ name: i.name, shape: i.shape ?? [] })),
    outputs: raw.graph.outputs.map((o) => ({ name: o.name, shape: o.shape ?? [] })),
    canonicalInput: [...c.inputShape],
    numClasses: c.numClasses,
    preprocess,
    outputTransform: c.canonical.outputTransform,
    ops: Object.fromEntries(Object.entries(ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    nodes: raw.graph.nodes.length,
    parameters: countParameters(c.model, shapes),
    flopsPerImage: flopsOf(c.model, shapes),
    gradients: await checkDifferentiable(c.model, c.inputShape),
  };
}
