/**
 * Attack throughput (example-iterations/s = batch × iterations / seconds per run): our C&W-L2 and PGD
 * (runAttack over Classifier.gradient) beside the same loops written plainly in PyTorch, on models
 * gradient.py exports (our side runs the ONNX file, PyTorch the module it came from), plus our side alone on
 * a trained zoo model. A ResNet-20 stands in for the zoo's size: the zoo's ONNX graphs have no PyTorch twin.
 */
import { loadavg } from 'node:os';
import { resolveAttack } from '../src/attacks/registry.js';
import type { ParamValues } from '../src/attacks/types.js';
import { THREAD_COUNTS, exportGradientModel } from './gradient.js';
import { MIN_RUNS } from './long-timing.js';
import { alternate, oursProcess } from './paired.js';
import { python } from './python.js';
import { table } from '../src/cli/output.js';
import { percent, torchOmpWaitPolicy, warnDisturbed, writeResults } from './results-file.js';
import { DEFAULT_SECONDS, MAX_ATTEMPTS, WARMUP } from './timing.js';
import type { AttackSide } from './ours/attacks.js';
import { GRADIENT_CACHE } from './ours/reference.js';

/** The attacks and their settings: one constant and no early abort, so every run does all its iterations. */
const ATTACKS: { attack: string; overrides: ParamValues }[] = [
  { attack: 'pgd', overrides: { iterations: 20 } },
  { attack: 'cw-l2', overrides: { iterations: 100, binarySteps: 1, abortEarly: false } },
];

/** A model to attack; `torch` marks those with a PyTorch side (exported by gradient.py, which sets their batch). */
export interface AttackModel {
  model: string;
  label: string;
  batch?: number;
  torch: boolean;
}

/** Models in the order they are run. */
const MODELS: AttackModel[] = [
  { model: 'resnet20', label: 'resnet-20 (zoo-size)', torch: true },
  { model: 'zoo:vgg-11-mini', label: 'zoo:vgg-11-mini', batch: 64, torch: false },
  { model: 'resnet50', label: 'resnet50', torch: true },
];


export interface AttackBenchResult {
  model: string;
  attack: string;
  batch: number;
  threads: number;
  /** Every parameter of our attack, defaults filled in; the PyTorch loop reads the ones it needs. */
  params: ParamValues;
  ours: AttackSide;
  torch?: AttackSide;
  /** ours / torch example-iterations/s: above 1 means we are faster. */
  ratio?: number;
  attempts: { ours: { exampleIterationsPerS: number; otherCpu: number }[]; torch: { exampleIterationsPerS: number; otherCpu: number }[] };
}

function timeTorch(model: string, attack: string, params: ParamValues, seconds: number, threads: number): AttackSide {
  const r = JSON.parse(python('attacks.py', [model, GRADIENT_CACHE, attack, JSON.stringify(params), String(seconds), String(threads)])) as {
    runs: number; ms_per_run: number; iterations: number; example_iterations_per_s: number; success_rate: number; other_cpu: number; peak_rss_mb: number;
  };
  return {
    runs: r.runs, msPerRun: r.ms_per_run, iterations: r.iterations, exampleIterationsPerS: r.example_iterations_per_s,
    successRate: r.success_rate, otherCpu: r.other_cpu, peakRssMB: r.peak_rss_mb,
  };
}

const brief = ({ exampleIterationsPerS, otherCpu }: AttackSide) => ({ exampleIterationsPerS, otherCpu });

/**
 * One row of the benchmark: `attack` with `params` (resolved: every parameter) on `target` at `threads`,
 * ours beside PyTorch in alternation where the model has a PyTorch side, else ours once.
 */
export async function measureAttack(target: AttackModel, attack: string, params: ParamValues, seconds: number, threads: number): Promise<AttackBenchResult> {
  const { model, label, torch } = target;
  const batch = torch ? exportGradientModel(model).batch : target.batch!;
  const measureOurs = () =>
    JSON.parse(oursProcess('attacks', [model, String(batch), attack, JSON.stringify(params), String(seconds), String(threads)])) as AttackSide;
  let result: AttackBenchResult;
  if (torch) {
    const paired = await alternate(measureOurs, () => timeTorch(model, attack, params, seconds, threads));
    result = {
      model: label, attack, batch, threads, params, ours: paired.ours, torch: paired.torch,
      ratio: paired.ours.exampleIterationsPerS / paired.torch.exampleIterationsPerS,
      attempts: { ours: paired.attempts.ours.map(brief), torch: paired.attempts.torch.map(brief) },
    };
  } else {
    // No PyTorch side, so no ratio to protect: one measurement.
    const ours = measureOurs();
    result = { model: label, attack, batch, threads, params, ours, attempts: { ours: [brief(ours)], torch: [] } };
  }
  console.error(`attacks: ${label} ${attack}, ${threads} thread(s) done`);
  return result;
}

function printTable(results: AttackBenchResult[]): void {
  const header = ['model', 'attack', 'batch', 'threads', 'iter', 'ours ex-it/s', 'torch ex-it/s', 'ratio', 'ours s/run', 'torch s/run', 'others ours/torch'];
  const rows = results.map((r) => [
    r.model, r.attack, String(r.batch), String(r.threads), String(r.ours.iterations),
    r.ours.exampleIterationsPerS.toFixed(1), r.torch?.exampleIterationsPerS.toFixed(1) ?? '-', r.ratio?.toFixed(2) ?? '-',
    (r.ours.msPerRun / 1e3).toFixed(2), r.torch ? (r.torch.msPerRun / 1e3).toFixed(2) : '-',
    `${percent(r.ours.otherCpu)}/${r.torch ? percent(r.torch.otherCpu) : '-'}`,
  ]);
  console.log(table(header, rows, { leftColumns: 2 }));
}

/** Runs the attack benchmark, prints a table and writes bench/results/attacks.json. */
export async function runAttacks(opts: { seconds?: number } = {}): Promise<AttackBenchResult[]> {
  const seconds = opts.seconds ?? DEFAULT_SECONDS;
  const loadBefore = loadavg();
  const results: AttackBenchResult[] = [];
  for (const target of MODELS) {
    for (const { attack, overrides } of ATTACKS) {
      const { params } = resolveAttack(attack, overrides);
      for (const threads of THREAD_COUNTS) results.push(await measureAttack(target, attack, params, seconds, threads));
    }
  }
  const exported = MODELS.find((m) => m.torch);
  const torchVersion = exported ? exportGradientModel(exported.model).torch : '';
  printTable(results);
  warnDisturbed('attacks', results.map((r) => ({ label: `${r.model} ${r.attack} (${r.threads} thread(s))`, otherCpu: [r.ours.otherCpu, r.torch?.otherCpu ?? 0] })));
  writeResults('attacks', {
    loadBefore,
    torchVersion,
    policy: {
      threads: THREAD_COUNTS, warmup: `${WARMUP} gradient calls of the attack's loss head and 1 forward call, untimed`, minRuns: MIN_RUNS, seconds,
      statistic: 'median seconds per attack run; example-iterations/s = batch × iterations / that',
      maxAttempts: MAX_ATTEMPTS, order: 'alternating ours, torch; each side in its own process',
      labels: "PyTorch's predictions on the reference batch (zoo model: the first correctly classified synthetic test images)",
      torchOmpWaitPolicy: torchOmpWaitPolicy(),
    },
  }, results);
  return results;
}
