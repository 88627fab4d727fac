/**
 * Our side of the gradient benchmark, in a process of its own (see bench/paired.ts):
 * `node dist/bench/ours/gradient.js NAME SECONDS [THREADS]` prints one GradientSide as JSON.
 * loadModel on the ONNX file PyTorch exported (no manifest: no preprocessing), then
 * Classifier.gradient(x, n, cross-entropy, labels), which compiles the gradient graph on first use.
 */
import { loadModel } from '../../src/models/load-model.js';
import { THREADS, timeCalls } from '../timing.js';
import { agreement, maxAbs, maxAbsDiff, peakRssMB, readReference, type Agreement } from './reference.js';

export interface GradientSide {
  iterations: number;
  msPerBatch: number;
  imagesPerS: number;
  otherCpu: number;
  /** The first gradient call: ours compiles the gradient graph and creates its session in it. */
  firstCallMs: number;
  /** Our gradient on the reference batch against PyTorch's float32 one and against the float64 one. */
  vsTorch: Agreement;
  vsFloat64: Agreement;
  /** Peak RSS after start-up (imports), before the model is loaded, and at the end, in MiB. */
  baselineRssMB: number;
  peakRssMB: number;
}

async function main(name: string, seconds: number, threads: number): Promise<GradientSide> {
  const baselineRssMB = peakRssMB();
  const ref = readReference(name);
  const n = ref.meta.batch;
  const classifier = await loadModel(ref.onnx, { threads, batchSize: n });
  try {
    const call = () => classifier.gradient(ref.x, n, { kind: 'cross-entropy' }, { labels: ref.labels });
    const t0 = performance.now();
    const first = await call();
    const firstCallMs = performance.now() - t0;
    const logitsDiff = maxAbsDiff(first.logits, ref.logits);
    if (logitsDiff > 1e-3 * Math.max(1, maxAbs(ref.logits))) throw new Error(`${name}: our logits differ from PyTorch's (max |diff| ${logitsDiff})`);
    const vsTorch = agreement(first.grad, ref.grad);
    const vsFloat64 = agreement(first.grad, ref.grad64);
    // A wrong gradient makes the timing meaningless; flipped ReLU masks move relL2 by ~1e-3 at most here.
    if (!(vsTorch.relL2 < 1e-2)) throw new Error(`${name}: our input gradient differs from PyTorch's (${JSON.stringify(vsTorch)})`);
    const t = await timeCalls(call, seconds);
    return {
      iterations: t.iterations, msPerBatch: t.msPerCall, imagesPerS: (n * 1e3) / t.msPerCall, otherCpu: t.otherCpu,
      firstCallMs, vsTorch, vsFloat64, baselineRssMB, peakRssMB: peakRssMB(),
    };
  } finally {
    await classifier.dispose();
  }
}

const [name, seconds, threads = String(THREADS)] = process.argv.slice(2);
if (!name || !(Number(seconds) > 0) || !(Number(threads) >= 1)) throw new Error('usage: node dist/bench/ours/gradient.js NAME SECONDS [THREADS]');
console.log(JSON.stringify(await main(name, Number(seconds), Number(threads))));
