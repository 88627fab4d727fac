import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel } from '../../onnx/codec.js';
import { summarize } from '../summary.js';
import { upsertZooEntry, zooDir, type ZooEntry } from './zoo-manifest.js';
import { DataType, type Model } from '../../onnx/ir.js';
import { GradientSession } from '../../runtime/gradient-session.js';
import { OnnxClassifier } from '../../runtime/onnx-classifier.js';
import { parseManifest } from '../manifest.js';
import { openSynthetic, type SyntheticDataset } from '../../data/synthetic/dataset.js';
import { argmax } from '../../runtime/logits.js';
import { seededStream, type Rng } from '../../core/rng.js';
import { augmentInPlace } from './augment.js';
import type { ZooArchitecture } from './architecture.js';

export interface TrainOptions {
  epochs: number;
  /**
   * 'adam' (default) suits the zoo's normalisation-free nets (per-channel affine instead of batch norm),
   * whose layers see gradients of very different scales; 'sgd' is momentum SGD.
   */
  optimizer?: 'adam' | 'sgd';
  batchSize?: number;
  /** Peak learning rate of the schedule (linear warm-up for one epoch, then cosine decay to zero). */
  lr?: number;
  momentum?: number;
  /** L2 penalty on weight matrices and kernels (not on biases or per-channel scales). */
  weightDecay?: number;
  /** Seed of the initial weights, the example order and the augmentation. */
  seed?: number;
  /** Training examples used (the first N of the synthetic train split). */
  trainSize?: number;
  /** Translation of the random crop in pixels; 0 turns augmentation off. */
  augmentPad?: number;
  threads?: number;
  onStep?: (info: { epoch: number; step: number; steps: number; loss: number }) => void;
  onEpoch?: (info: { epoch: number; loss: number; seconds: number }) => void;
}

export interface TrainResult {
  model: Model;
  /** Mean training loss per epoch. */
  losses: number[];
  seconds: number;
}

export const TRAIN_DEFAULTS = { optimizer: 'adam', batchSize: 128, lr: 2e-3, momentum: 0.9, weightDecay: 5e-4, seed: 0, augmentPad: 3 } as const;

/**
 * Trains a zoo architecture from scratch on the synthetic train split with minibatch SGD (momentum,
 * weight decay, warm-up + cosine schedule) on gradients from our autodiff, and returns the trained graph.
 * Deterministic for a seed: the order and augmentation come from seeded streams per (seed, epoch).
 */
export async function trainZooModel(arch: ZooArchitecture, opts: TrainOptions): Promise<TrainResult> {
  const o = { ...TRAIN_DEFAULTS, ...opts };
  const model = arch.build(o.seed);
  const trainable = model.graph.initializers.filter((t) => t.dataType === DataType.FLOAT).map((t) => t.name);
  const decayed = new Set(model.graph.initializers.filter((t) => t.dims.length > 1).map((t) => t.name));
  const session = await GradientSession.create(model, { kind: 'cross-entropy' }, { input: false, initializers: trainable }, { intraOpNumThreads: o.threads });
  const data = openSynthetic({ split: 'train', size: o.trainSize });
  const step = optimizerStep(o.optimizer, session.parameters, o.momentum);
  const [c, h, w] = session.exampleShape as [number, number, number];
  const size = c * h * w;
  const steps = Math.ceil(data.size / o.batchSize);
  const total = steps * o.epochs;
  const scratch = new Float32Array(size);
  const started = performance.now();
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const epochStart = performance.now();
      const order = shuffled(data.size, seededStream(o.seed, epoch, 'order'));
      const augment = seededStream(o.seed, epoch, 'augment');
      let lossSum = 0;
      for (let s = 0; s < steps; s++) {
        const idx = order.slice(s * o.batchSize, (s + 1) * o.batchSize);
        const { x, labels } = await batchOf(data, idx, h, w);
        if (o.augmentPad > 0) for (let e = 0; e < idx.length; e++) augmentInPlace(x.subarray(e * size, (e + 1) * size), c, h, w, o.augmentPad, augment, scratch);
        const r = await session.run(x, idx.length, { labels });
        const loss = r.loss.reduce((a, b) => a + b, 0) / idx.length;
        lossSum += loss * idx.length;
        const lr = learningRate(o.lr, epoch * steps + s, steps, total);
        for (const [name, param] of session.parameters) {
          // The session returns the gradient of the summed loss; the update uses the batch mean.
          const g = r.paramGrads.get(name)!;
          const wd = decayed.has(name) ? o.weightDecay : 0;
          for (let i = 0; i < g.length; i++) g[i] = g[i]! / idx.length + wd * param[i]!;
          step(name, param, g, lr);
        }
        o.onStep?.({ epoch, step: s, steps, loss });
      }
      losses.push(lossSum / data.size);
      o.onEpoch?.({ epoch, loss: losses[epoch]!, seconds: (performance.now() - epochStart) / 1000 });
    }
    for (const t of model.graph.initializers) {
      const trained = session.parameters.get(t.name);
      if (trained) t.data = Float32Array.from(trained);
    }
    return { model, losses, seconds: (performance.now() - started) / 1000 };
  } finally {
    await session.dispose();
  }
}

/** Top-1 accuracy of a zoo model on the first `limit` examples of the synthetic test split. */
export async function evaluateZooModel(model: Model, opts: { limit?: number; threads?: number; batch?: number } = {}): Promise<number> {
  const c = await OnnxClassifier.create(model, parseManifest({ outputs: 'logits' }, 'zoo'), { name: 'zoo', sha256: '' }, { threads: opts.threads, batchSize: opts.batch ?? 256 });
  try {
    const test = openSynthetic({ split: 'test' });
    const n = Math.min(opts.limit ?? test.size, test.size);
    const [, h, w] = c.inputShape;
    let correct = 0;
    for (let start = 0; start < n; start += 500) {
      const idx = Array.from({ length: Math.min(500, n - start) }, (_, i) => start + i);
      const { x, labels } = await batchOf(test, idx, h, w);
      const logits = await c.logits(x, idx.length);
      idx.forEach((_, row) => { if (argmax(logits, c.numClasses, row) === labels[row]) correct++; });
    }
    return correct / n;
  } finally {
    await c.dispose();
  }
}

async function batchOf(data: SyntheticDataset, idx: readonly number[], h: number, w: number): Promise<{ x: Float32Array; labels: Int32Array }> {
  return { x: await data.load(idx, h, w), labels: Int32Array.from(idx, (i) => data.label(i)) };
}

function shuffled(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

type Step = (name: string, param: Float32Array, grad: Float32Array, lr: number) => void;

/** An optimiser's in-place update, with its state (momentum, Adam moments) kept per parameter. */
function optimizerStep(kind: 'adam' | 'sgd', params: Map<string, Float32Array>, momentum: number): Step {
  const state = new Map([...params].map(([name, p]) => [name, { m: new Float32Array(p.length), v: new Float32Array(p.length), t: 0 }]));
  if (kind === 'sgd') {
    return (name, param, grad, lr) => {
      const { m } = state.get(name)!;
      for (let i = 0; i < param.length; i++) {
        m[i] = momentum * m[i]! + grad[i]!;
        param[i] = param[i]! - lr * m[i]!;
      }
    };
  }
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  return (name, param, grad, lr) => {
    const s = state.get(name)!;
    s.t++;
    const c1 = 1 - b1 ** s.t;
    const c2 = 1 - b2 ** s.t;
    for (let i = 0; i < param.length; i++) {
      s.m[i] = b1 * s.m[i]! + (1 - b1) * grad[i]!;
      s.v[i] = b2 * s.v[i]! + (1 - b2) * grad[i]! * grad[i]!;
      param[i] = param[i]! - (lr * (s.m[i]! / c1)) / (Math.sqrt(s.v[i]! / c2) + eps);
    }
  };
}

/** Linear warm-up over the first epoch, then cosine decay to zero at the last step. */
function learningRate(peak: number, t: number, stepsPerEpoch: number, total: number): number {
  if (t < stepsPerEpoch) return (peak * (t + 1)) / stepsPerEpoch;
  const progress = (t - stepsPerEpoch) / Math.max(1, total - stepsPerEpoch);
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}

/**
 * Trains an architecture, scores it on the whole synthetic test split and publishes it into the zoo
 * folder: the ONNX file first (written aside and renamed), then its manifest entry.
 */
export async function trainIntoZoo(arch: ZooArchitecture, opts: TrainOptions, dir = zooDir()): Promise<ZooEntry> {
  const o = { ...TRAIN_DEFAULTS, ...opts };
  const trained = await trainZooModel(arch, opts);
  const top1 = await evaluateZooModel(trained.model, { threads: opts.threads });
  trained.model.metadata = { ...trained.model.metadata, top1: top1.toFixed(4), epochs: String(o.epochs) };
  const bytes = encodeModel(trained.model);
  const file = `${arch.name}.onnx`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${file}.tmp`), bytes);
  renameSync(join(dir, `${file}.tmp`), join(dir, file));
  const summary = await summarizeModel(trained.model);
  const entry: ZooEntry = {
    name: arch.name, family: arch.family, depth: arch.depth, width: arch.width,
    parameters: summary.parameters, flopsPerImage: summary.flopsPerImage, top1, file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    training: {
      epochs: o.epochs, trainSize: opts.trainSize ?? openSynthetic({ split: 'train' }).size, seed: o.seed, batchSize: o.batchSize,
      lr: o.lr, seconds: Math.round(trained.seconds), finalLoss: trained.losses[trained.losses.length - 1] ?? NaN,
    },
  };
  upsertZooEntry(entry, dir);
  return entry;
}

/** Parameters and FLOPs of an untrained-or-trained zoo graph, as `models inspect` counts them. */
async function summarizeModel(model: Model): Promise<{ parameters: number; flopsPerImage: number }> {
  const c = await OnnxClassifier.create(model, parseManifest({ outputs: 'logits' }, 'zoo'), { name: 'zoo', sha256: '' });
  try {
    const s = await summarize(c);
    return { parameters: s.parameters, flopsPerImage: s.flopsPerImage };
  } finally {
    await c.dispose();
  }
}
