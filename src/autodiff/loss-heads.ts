import { DataType, type Dim } from '../onnx/ir.js';
import type { Emitter } from './emitter.js';
import type { TensorInfo } from './shapes.js';

/**
 * Loss heads turn logits Z [N, K] into one loss per example. Their per-step values (labels, kappa, ...) are
 * graph inputs, so one compiled graph serves every step of an attack. Heads are plain forward ONNX nodes
 * differentiated by the same VJP rules as the model.
 */
export type LossHead =
  /** −log softmax(Z)_y with `labels` y. */
  | { kind: 'cross-entropy' }
  /**
   * Carlini-Wagner margin: max(0, Z_y − max_{j≠y} Z_j + κ) with `labels` y, or targeted
   * max(0, max_{j≠t} Z_j − Z_t + κ) with `targets` t; `kappa` κ per example.
   */
  | { kind: 'cw-margin'; targeted: boolean }
  /** Z_i − Z_j with class indices `i` and `j` per example (CLEVER). */
  | { kind: 'logit-diff' }
  /** Σ_k c_k·Z_k with a `cotangent` c per example: the gradient is the vector-Jacobian product cᵀ·∂Z/∂x. */
  | { kind: 'weighted-logits' };

export type LossParam = 'labels' | 'targets' | 'kappa' | 'i' | 'j' | 'cotangent';

/** The runtime inputs a head reads. */
export function lossParams(head: LossHead): LossParam[] {
  switch (head.kind) {
    case 'cross-entropy': return ['labels'];
    case 'cw-margin': return [head.targeted ? 'targets' : 'labels', 'kappa'];
    case 'logit-diff': return ['i', 'j'];
    case 'weighted-logits': return ['cotangent'];
  }
}

export interface AppendedHead {
  loss: string;
  /** Graph input name of each parameter the head reads. */
  inputs: Partial<Record<LossParam, string>>;
  /** Static infos of the tensors the head created, for the VJP rules that differentiate it. */
  infos: Map<string, TensorInfo>;
}

/** How the batch axis looks: symbolic (scales) or fixed, and its size in the shape probe. */
export interface BatchAxis {
  dim: Dim;
  probe: number;
  scales: boolean;
}

/** Appends `head` on logits `z` ([N, numClasses]) and returns the per-example loss tensor [N]. */
export function appendLossHead(e: Emitter, z: string, numClasses: number, batch: BatchAxis, head: LossHead): AppendedHead {
  const infos = new Map<string, TensorInfo>();
  const inputs: Partial<Record<LossParam, string>> = {};
  const perClass = (name: string, elemType = DataType.FLOAT) => {
    infos.set(name, { elemType, dims: [batch.probe, numClasses], batchAxes: [batch.scales, false] });
    return name;
  };
  const perExample = (name: string, elemType = DataType.FLOAT) => {
    infos.set(name, { elemType, dims: [batch.probe], batchAxes: [batch.scales] });
    return name;
  };
  const input = (param: LossParam, elemType: DataType, perClassShape = false): string => {
    const name = e.b.input(e.b.fresh(param), perClassShape ? [batch.dim, numClasses] : [batch.dim], elemType);
    inputs[param] = name;
    return perClassShape ? perClass(name, elemType) : perExample(name, elemType);
  };
  const depth = e.b.constInt64('num_classes', [numClasses], []);
  const oneHotValues = e.b.constFloat('one_hot_values', [2], [0, 1]);
  // ORT implements OneHot for int64 indices (what ArgMax yields); class inputs are int32, so they are cast.
  const oneHot = (indices: string) => perClass(e.op('OneHot', [indices, depth, oneHotValues], { axis: -1 }));
  const classes = (param: LossParam) => e.op('Cast', [input(param, DataType.INT32)], { to: DataType.INT64 });
  const pick = (weights: string) => perExample(e.reduceSum(perClass(e.mul(z, weights)), [1], false));
  perClass(z);

  let loss: string;
  switch (head.kind) {
    case 'cross-entropy': {
      const logProbs = perClass(e.op('LogSoftmax', [z], { axis: 1 }));
      loss = e.neg(perExample(e.reduceSum(perClass(e.mul(logProbs, oneHot(classes('labels')))), [1], false)));
      break;
    }
    case 'cw-margin': {
      const cls = oneHot(classes(head.targeted ? 'targets' : 'labels'));
      const kappa = input('kappa', DataType.FLOAT);
      // The best other class is chosen by ArgMax (no gradient through the choice), then picked like Z_cls.
      const others = e.op('Where', [e.op('Cast', [cls], { to: DataType.BOOL }), e.scalar(-3.4028234663852886e38), z]);
      const best = pick(oneHot(e.op('ArgMax', [others], { axis: 1, keepdims: 0 })));
      const own = pick(cls);
      const margin = perExample(head.targeted ? e.sub(best, own) : e.sub(own, best));
      loss = e.op('Relu', [perExample(e.add(margin, kappa))]);
      break;
    }
    case 'logit-diff':
      loss = pick(perClass(e.sub(oneHot(classes('i')), oneHot(classes('j')))));
      break;
    case 'weighted-logits':
      loss = pick(input('cotangent', DataType.FLOAT, true));
      break;
  }
  return { loss: perExample(loss), inputs, infos };
}
