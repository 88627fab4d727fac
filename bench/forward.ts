/**
 * Forward throughput: our ONNX Runtime path (loadModel -> Classifier.logits) beside PyTorch, on the same
 * model. bench/torch/models.py builds each model with seeded weights and exports it to ONNX together with a
 * reference input and the logits PyTorch gives for it; both sides must reproduce those logits before their
 * timings count, so the ratio compares one model run two ways.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../src/models/load-model.js';
import { BENCH_DIR, python } from './python.js';
import { table } from '../src/cli/output.js';
import { percent, warnDisturbed, writeResults } from './results-file.js';
import { DEFAULT_SECONDS, MAX_ATTEMPTS, MIN_ITERATIONS, THREADS, WARMUP, leastDisturbed, timeCalls } from './timing.js';

/** Models in the order they are run; their shapes and batch sizes live in bench/torch/models.py. */
const FORWARD_MODELS = ['resnet50', 'resnet20'] as const;

const CACHE_DIR = join(BENCH_DIR, '.cache');

/** What models.py writes beside each exported model. */
interface ExportMeta {
  model: string;
  input_shape: [number, number, number];
  batch: number;
  num_classes: number;
  opset: number;
  torch: string;
}

interface Side {
  iterations: number;
  msPerBatch: number;
  imagesPerS: number;
  /** Largest |logit - PyTorch's logit at export| on the reference input. */
  maxAbsDiff: number;
  /** Share of the machine other processes used while this side was timed (see timing.ts). */
  otherCpu: number;
}

export interface ForwardResult {
  model: string;
  batch: number;
  ours: Side;
  torch: Side;
  /** ours.imagesPerS / torch.imagesPerS: above 1 means we are faster. */
  ratio: number;
}

/** Exports the model unless the cache already holds it; models.py writes its .json last, so it marks a finished export. */
function exportModel(name: string): ExportMeta {
  const metaPath = join(CACHE_DIR, `${name}.json`);
  if (!existsSync(metaPath)) python('models.py', [name, CACHE_DIR]);
  return JSON.parse(readFileSync(metaPath, 'utf8')) as ExportMeta;
}

function readFloats(path: string): Float32Array {
  const buf = readFileSync(path);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`logits length ${a.length} != reference length ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

async function timeOurs(meta: ExportMeta, seconds: number): Promise<Side> {
  const x = readFloats(join(CACHE_DIR, `${meta.model}.input.bin`));
  const expected = readFloats(join(CACHE_DIR, `${meta.model}.logits.bin`));
  // batchSize = the benchmark's batch, so that one logits() call is one ORT run, as one model(x) is in PyTorch.
  const classifier = await loadModel(join(CACHE_DIR, `${meta.model}.onnx`), { threads: THREADS, batchSize: meta.batch });
  try {
    const diff = maxAbsDiff(await classifier.logits(x, meta.batch), expected);
    // ORT folds BatchNorm into the convolutions, which moves logits by float rounding, not more.
    const scale = Math.max(1, ...expected.map(Math.abs));
    if (diff > 1e-3 * scale) throw new Error(`${meta.model}: our logits differ from PyTorch's (max |diff| ${diff})`);
    const t = await timeCalls(() => classifier.logits(x, meta.batch), seconds);
    return { iterations: t.iterations, msPerBatch: t.msPerCall, imagesPerS: (meta.batch * 1e3) / t.msPerCall, maxAbsDiff: diff, otherCpu: t.otherCpu };
  } finally {
    await classifier.dispose();
  }
}

function timeTorch(meta: ExportMeta, seconds: number): Side {
  const r = JSON.parse(python('forward.py', [meta.model, CACHE_DIR, String(seconds)])) as {
    iterations: number; ms_per_batch: number; images_per_s: number; max_abs_diff: number; other_cpu: number;
  };
  return { iterations: r.iterations, msPerBatch: r.ms_per_batch, imagesPerS: r.images_per_s, maxAbsDiff: r.max_abs_diff, otherCpu: r.other_cpu };
}


function printTable(results: ForwardResult[]): void {
  const header = ['model', 'batch', 'ours img/s', 'torch img/s', 'ours ms/batch', 'torch ms/batch', 'ratio', 'others ours/torch'];
  const rows = results.map((r) => [
    r.model, String(r.batch), r.ours.imagesPerS.toFixed(1), r.torch.imagesPerS.toFixed(1),
    r.ours.msPerBatch.toFixed(2), r.torch.msPerBatch.toFixed(2), r.ratio.toFixed(2),
    `${percent(r.ours.otherCpu)}/${percent(r.torch.otherCpu)}`,
  ]);
  console.log(table(header, rows, { leftColumns: 1 }));
}

/** Runs the forward benchmark, prints a table and writes bench/results/forward.json. */
export async function runForward(opts: { seconds?: number } = {}): Promise<ForwardResult[]> {
  const seconds = opts.seconds ?? DEFAULT_SECONDS;
  const loadBefore = loadavg();
  const results: ForwardResult[] = [];
  let torchVersion = '';
  for (const name of FORWARD_MODELS) {
    const meta = exportModel(name);
    torchVersion = meta.torch;
    // One side at a time: run together they would fight over the same two cores.
    const ours = await leastDisturbed(() => timeOurs(meta, seconds));
    const torch = await leastDisturbed(() => timeTorch(meta, seconds));
    results.push({ model: name, batch: meta.batch, ours, torch, ratio: ours.imagesPerS / torch.imagesPerS });
    console.error(`forward: ${name} done`);
  }
  printTable(results);
  warnDisturbed('forward', results.map((r) => ({ label: r.model, otherCpu: [r.ours.otherCpu, r.torch.otherCpu] })));
  writeResults('forward', {
    loadBefore,
    torchVersion,
    policy: { threads: THREADS, warmup: WARMUP, minIterations: MIN_ITERATIONS, seconds, statistic: 'median ms per batch', maxAttempts: MAX_ATTEMPTS },
  }, results);
  return results;
}
