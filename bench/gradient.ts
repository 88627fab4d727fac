/**
 * Input-gradient throughput (forward + backward, images/s) and peak memory: our autodiff graph run by ONNX
 * Runtime (loadModel -> Classifier.gradient) beside PyTorch autograd, on the same exported model.
 * bench/torch/gradient.py exports each model with a reference batch, labels and the gradient PyTorch gives
 * for them; our side must reproduce that gradient before its timing counts, and the agreement is reported.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { alternate, oursProcess } from './paired.js';
import { python } from './python.js';
import { table } from '../src/cli/output.js';
import { percent, torchOmpWaitPolicy, warnDisturbed, writeResults } from './results-file.js';
import { DEFAULT_SECONDS, MAX_ATTEMPTS, MIN_ITERATIONS, THREADS, WARMUP } from './timing.js';
import type { GradientSide } from './ours/gradient.js';
import { GRADIENT_CACHE, readReference, type Agreement, type ExportMeta } from './ours/reference.js';

/** Models in the order they are run; shapes and batch sizes live in bench/torch/gradient.py. */
export const GRADIENT_MODELS = ['resnet50', 'mobilenet-v1', 'resnet20', 'vit-b-16', 'convnext-t'] as const;

/**
 * Threads per side: the shared policy's, then 1 as a control. On a machine others keep busy, 2 threads
 * wait on each other (ORT's spinning pool, OpenMP's active wait), which skews a ratio by how each runtime
 * waits rather than how fast it computes; one thread has nothing to wait on.
 */
export const THREAD_COUNTS = [THREADS, 1] as const;


/** Exports the model unless the cache holds it; gradient.py writes NAME.json last, so it marks a finished export. */
export function exportGradientModel(name: string): ExportMeta {
  if (!existsSync(join(GRADIENT_CACHE, `${name}.json`))) python('gradient.py', ['export', name, GRADIENT_CACHE]);
  return readReference(name).meta;
}

type TorchSide = Omit<GradientSide, 'vsTorch' | 'vsFloat64'> & {
  /** PyTorch's float32 gradient against its float64 one (computed at export). */
  vsFloat64: Agreement;
  /** Relative L2 distance of the rebuilt model's gradient from the exported one (a check of the rebuild). */
  rebuildRelL2: number;
};

export interface GradientResult {
  model: string;
  batch: number;
  threads: number;
  ours: GradientSide;
  torch: TorchSide;
  /** ours.imagesPerS / torch.imagesPerS: above 1 means we are faster. */
  ratio: number;
  /** Every timing of each side, in order: images/s and the share of the machine others took. */
  attempts: { ours: { imagesPerS: number; otherCpu: number }[]; torch: { imagesPerS: number; otherCpu: number }[] };
}

function timeTorch(meta: ExportMeta, seconds: number, threads: number): TorchSide {
  const r = JSON.parse(python('gradient.py', ['time', meta.model, GRADIENT_CACHE, String(seconds), String(threads)])) as {
    iterations: number; ms_per_batch: number; images_per_s: number; other_cpu: number; first_call_ms: number;
    rebuild_rel_l2: number; baseline_rss_mb: number; peak_rss_mb: number;
  };
  return {
    iterations: r.iterations, msPerBatch: r.ms_per_batch, imagesPerS: r.images_per_s, otherCpu: r.other_cpu,
    firstCallMs: r.first_call_ms, rebuildRelL2: r.rebuild_rel_l2,
    vsFloat64: { maxRel: meta.torch_vs_float64.max_rel, relL2: meta.torch_vs_float64.rel_l2, cosine: meta.torch_vs_float64.cosine }, baselineRssMB: r.baseline_rss_mb, peakRssMB: r.peak_rss_mb,
  };
}

const brief = ({ imagesPerS, otherCpu }: { imagesPerS: number; otherCpu: number }) => ({ imagesPerS, otherCpu });

function printTable(results: GradientResult[]): void {
  const header = ['model', 'batch', 'threads', 'ours img/s', 'torch img/s', 'ratio', 'grad max rel', 'rel L2', 'ours MiB', 'torch MiB', 'others ours/torch'];
  const rows = results.map((r) => [
    r.model, String(r.batch), String(r.threads), r.ours.imagesPerS.toFixed(1), r.torch.imagesPerS.toFixed(1), r.ratio.toFixed(2),
    r.ours.vsTorch.maxRel.toExponential(1), r.ours.vsTorch.relL2.toExponential(1), r.ours.peakRssMB.toFixed(0), r.torch.peakRssMB.toFixed(0),
    `${percent(r.ours.otherCpu)}/${percent(r.torch.otherCpu)}`,
  ]);
  console.log(table(header, rows, { leftColumns: 1 }));
}

/** Runs the gradient benchmark, prints a table and writes bench/results/gradient.json. */
export async function runGradient(opts: { seconds?: number; models?: string[]; threads?: number } = {}): Promise<GradientResult[]> {
  const seconds = opts.seconds ?? DEFAULT_SECONDS;
  if (opts.threads !== undefined && !(THREAD_COUNTS as readonly number[]).includes(opts.threads)) {
    throw new Error(`--threads: the gradient benchmark measures ${THREAD_COUNTS.join(' or ')} threads, got ${opts.threads}`);
  }
  const unknown = (opts.models ?? []).filter((m) => !(GRADIENT_MODELS as readonly string[]).includes(m));
  if (unknown.length > 0) throw new Error(`unknown gradient model(s) ${unknown.join(', ')}; known: ${GRADIENT_MODELS.join(', ')}`);
  const loadBefore = loadavg();
  const results: GradientResult[] = [];
  let torchVersion = '';
  for (const name of GRADIENT_MODELS.filter((m) => !opts.models || opts.models.includes(m))) {
    const meta = exportGradientModel(name);
    torchVersion = meta.torch;
    for (const threads of THREAD_COUNTS.filter((t) => opts.threads === undefined || t === opts.threads)) {
      const paired = await alternate(
        () => JSON.parse(oursProcess('gradient', [name, String(seconds), String(threads)])) as GradientSide,
        () => timeTorch(meta, seconds, threads),
      );
      const { ours, torch } = paired;
      results.push({
        model: name, batch: meta.batch, threads, ours, torch, ratio: ours.imagesPerS / torch.imagesPerS,
        attempts: { ours: paired.attempts.ours.map(brief), torch: paired.attempts.torch.map(brief) },
      });
      console.error(`gradient: ${name}, ${threads} thread(s) done`);
    }
  }
  printTable(results);
  warnDisturbed('gradient', results.map((r) => ({ label: `${r.model} (${r.threads} thread(s))`, otherCpu: [r.ours.otherCpu, r.torch.otherCpu] })));
  writeResults('gradient', {
    loadBefore,
    torchVersion,
    policy: {
      threads: THREAD_COUNTS, warmup: WARMUP, minIterations: MIN_ITERATIONS, seconds, statistic: 'median ms per batch',
      maxAttempts: MAX_ATTEMPTS, order: 'alternating ours, torch; each side in its own process',
      loss: 'cross-entropy on seeded random labels, summed; gradient w.r.t. the input only (torch parameters frozen)',
      torchOmpWaitPolicy: torchOmpWaitPolicy(),
    },
  }, results);
  return results;
}
