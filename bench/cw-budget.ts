/**
 * What C&W-L2 at the paper's quality costs: gradient calls and wall time per example of today's path (the
 * paper's budget, 1000 iterations x 9 binary steps, batch after batch) and of the new path (the mini
 * preset's C&W setting: a reduced budget, linearised first constant, annealed step, warm start and minGain,
 * every example in one queue of continuous batching),
 * with the new path's per-example L2 against today's, and the cost of one gradient call of our C&W loop
 * beside the same loop in PyTorch (bench/attacks.ts's measurement, on the same machine in the same run).
 */
import { loadavg } from 'node:os';
import { resolveAttack } from '../src/attacks/registry.js';
import type { ParamValues } from '../src/attacks/types.js';
import { table } from '../src/cli/output.js';
import { miniPreset } from '../src/study/config/presets/mini.js';
import { measureAttack, type AttackBenchResult, type AttackModel } from './attacks.js';
import { exportGradientModel } from './gradient.js';
import { compareToReference, type BudgetComparison, type ExampleOutcome } from './budget-compare.js';
import type { BudgetPathSide } from './ours/cw-budget.js';
import { oursProcess } from './paired.js';
import { percent, torchOmpWaitPolicy, warnDisturbed, writeResults } from './results-file.js';
import { DEFAULT_SECONDS, THREADS } from './timing.js';

/**
 * The models, their batch and how many examples each path attacks by default. The zoo model runs two full
 * batches, so the queue has examples waiting when the first ones finish. ResNet-50 (gradient.py's
 * seeded-init export, the one with a PyTorch twin) has a reference batch of 4. `twin` is the model whose C&W
 * loop is timed beside PyTorch's, for `loopIterations` iterations: the zoo's ONNX graphs have none, so
 * gradient.py's ResNet-20 of the same size stands in.
 */
const MODELS: { model: string; batch: number; examples: number; twin: AttackModel }[] = [
  { model: 'zoo:resnet-20', batch: 64, examples: 128, twin: { model: 'resnet20', label: 'resnet-20 (zoo-size)', torch: true } },
  { model: 'resnet50', batch: 4, examples: 4, twin: { model: 'resnet50', label: 'resnet50', torch: true } },
];

/** Per-example L2 within this factor of today's (median) is "equal quality"; the target is 3x cheaper at it. */
const QUALITY = 1.01;
const TARGET_SAVING = 3;

/**
 * Iterations of the timed C&W loop beside PyTorch: one constant, no early abort, so both do every step.
 * Enough for a per-call time (every iteration is one batched gradient call of the same size), few enough
 * that ResNet-50 on 2 busy cores gets its alternating rounds done in minutes.
 */
const LOOP_ITERATIONS = 20;

interface Path {
  name: string;
  /** Overrides of the paper-cw preset. */
  overrides: ParamValues;
  /** Continuous batching over every example, or batch after batch. */
  queue: boolean;
}

function paths(): Path[] {
  // The new path is the mini preset's C&W setting, so the benchmark measures what the mini study runs.
  const mini = miniPreset().attacks?.find((a) => a.id === 'cw');
  const set = mini?.set ?? {};
  if (mini?.attack !== 'paper-cw' || Object.values(set).some(Array.isArray)) throw new Error("the mini preset has no single 'cw' setting of paper-cw to measure");
  return [
    { name: "today's path", overrides: {}, queue: false },
    { name: 'new path', overrides: set as ParamValues, queue: true },
  ];
}

interface BudgetPaths {
  examples: number;
  paths: { name: string; params: ParamValues; queue: boolean; ms: number; otherCpu: number; comparison: BudgetComparison; examples: ExampleOutcome[] }[];
  /** Today's gradient calls and wall time per example over the new path's. */
  callsSaving: number;
  wallSaving: number;
  /** Median per-example L2 ratio within QUALITY, no success missed, and a saving of TARGET_SAVING on either axis. */
  targetMet: boolean;
}

export interface CwBudgetResult {
  model: string;
  batch: number;
  /** Absent when run with 0 examples (the loop timing alone). */
  budget?: BudgetPaths;
  /** Our C&W loop beside PyTorch's on `twin`, at the threads of the paths. */
  loop: AttackBenchResult;
  /** Our / PyTorch's milliseconds per gradient call of that loop: above 1 means ours is slower. */
  msPerCallRatio: number;
}

const budgetText = (p: ParamValues) =>
  [
    `${p.iterations} x ${p.binarySteps}`, `lr ${p.lr}${p.lrDecay === 'cosine' ? ' cosine' : ''}`, p.lrPerDistance ? `lr cap ${p.lrPerDistance} x best L2` : '',
    p.linearStart ? `c from ${p.linearStart} x linear crossing, growth ${p.growth}` : '', p.warmStart ? 'warmStart' : '', p.minGain ? `minGain ${p.minGain}` : '',
  ].filter(Boolean).join(', ');

/** Both paths on `count` examples of `model`, each in a process of its own, compared with today's. */
function runPaths(model: string, batch: number, count: number): BudgetPaths {
  const runs = paths().map((path) => {
    const { params } = resolveAttack('paper-cw', path.overrides);
    console.error(`cw-budget: ${model}, ${path.name} (${budgetText(params)}) on ${count} examples`);
    const side = JSON.parse(oursProcess('cw-budget', [model, String(count), String(batch), JSON.stringify(params), path.queue ? '1' : '0', String(THREADS)])) as BudgetPathSide;
    return { path, params, side };
  });
  const today = runs[0]!.side;
  const compared = runs.map(({ path, params, side }) => ({
    name: path.name, params, queue: path.queue, ms: side.ms, otherCpu: side.otherCpu,
    comparison: compareToReference(today.examples, side.examples, `${model} ${path.name}`), examples: side.examples,
  }));
  const [before, after] = compared.map((c) => c.comparison) as [BudgetComparison, BudgetComparison];
  const callsSaving = before.gradientCallsPerExample / after.gradientCallsPerExample;
  const wallSaving = before.secondsPerExample / after.secondsPerExample;
  return {
    examples: count, paths: compared, callsSaving, wallSaving,
    targetMet: after.ratio !== undefined && after.ratio.median <= QUALITY && after.missed === 0 && Math.max(callsSaving, wallSaving) >= TARGET_SAVING,
  };
}

function printTables(results: CwBudgetResult[]): void {
  if (results.some((r) => r.budget)) {
    console.log(table(
      ['model', 'batch', 'path', 'budget', 'batching', 'examples', 'grad calls/ex', 's/ex', 'median L2 ratio', 'p90', 'max', 'missed', 'gained', 'others'],
      results.flatMap((r) => (r.budget?.paths ?? []).map((p) => {
        const c = p.comparison;
        const q = c.ratio ? [c.ratio.median, c.ratio.p90, c.ratio.max].map((v) => v.toFixed(4)) : ['-', '-', '-'];
        return [r.model, r.batch, p.name, budgetText(p.params), p.queue ? 'continuous' : 'per batch', c.examples, Math.round(c.gradientCallsPerExample), c.secondsPerExample.toFixed(2), ...q, c.missed, c.gained, percent(p.otherCpu)];
      })),
      { leftColumns: 5 },
    ));
    console.log();
  }
  console.log(table(
    ['model', 'calls today/new', 'wall today/new', `target (>= ${TARGET_SAVING}x, median <= ${QUALITY})`, 'loop on', 'ours ms/grad call', 'torch ms/grad call', 'ours/torch', 'others ours/torch'],
    results.map(({ model, budget, loop, msPerCallRatio }) => [
      model, budget?.callsSaving.toFixed(2) ?? '-', budget?.wallSaving.toFixed(2) ?? '-', budget ? (budget.targetMet ? 'met' : 'not met') : 'not run', loop.model,
      (loop.ours.msPerRun / loop.ours.iterations).toFixed(1), (loop.torch!.msPerRun / loop.torch!.iterations).toFixed(1), msPerCallRatio.toFixed(2),
      `${percent(loop.ours.otherCpu)}/${percent(loop.torch!.otherCpu)}`,
    ]),
    { leftColumns: 1 },
  ));
}

/**
 * Runs the benchmark (`models` narrows it by model name; `examples` replaces each model's default count, 0
 * for the loop timing alone), prints its tables and writes bench/results/cw-budget.json.
 */
export async function runCwBudget(opts: { seconds?: number; models?: string[]; examples?: number } = {}): Promise<CwBudgetResult[]> {
  const seconds = opts.seconds ?? DEFAULT_SECONDS;
  const loadBefore = loadavg();
  const selected = MODELS.filter((m) => !opts.models || opts.models.includes(m.model));
  if (selected.length === 0) throw new Error(`cw-budget: no model among ${opts.models?.join(', ')}; known: ${MODELS.map((m) => m.model).join(', ')}`);
  const results: CwBudgetResult[] = [];
  for (const { model, batch, examples, twin } of selected) {
    const count = opts.examples ?? examples;
    const budget = count > 0 ? runPaths(model, batch, count) : undefined;
    const { params: loopParams } = resolveAttack('paper-cw', { iterations: LOOP_ITERATIONS, binarySteps: 1, abortEarly: false });
    const loop = await measureAttack(twin, 'cw-l2', loopParams, seconds, THREADS);
    const msPerCall = (side: { msPerRun: number; iterations: number }) => side.msPerRun / side.iterations;
    results.push({ model, batch, budget, loop, msPerCallRatio: msPerCall(loop.ours) / msPerCall(loop.torch!) });
  }
  printTables(results);
  warnDisturbed('cw-budget', results.flatMap((r) => [
    ...(r.budget?.paths ?? []).map((p) => ({ label: `${r.model} ${p.name}`, otherCpu: [p.otherCpu] })),
    { label: `${r.loop.model} C&W loop`, otherCpu: [r.loop.ours.otherCpu, r.loop.torch!.otherCpu] },
  ]));
  writeResults('cw-budget', {
    loadBefore,
    torchVersion: exportGradientModel(selected[0]!.twin.model).torch,
    policy: {
      threads: THREADS, quality: `median per-example L2 ratio <= ${QUALITY}, no success missed`, target: `${TARGET_SAVING}x fewer gradient calls or less wall time`,
      paths: "one untimed warm-up (3 gradient calls, 1 forward call), then one timed run over every example; today's path batch after batch, the new path in one queue",
      loop: `C&W at the paper's lr, ${LOOP_ITERATIONS} iterations, 1 binary step, no early abort, ours and PyTorch alternating (bench/attacks.ts), seconds ${seconds}`,
      torchOmpWaitPolicy: torchOmpWaitPolicy(),
    },
  }, results);
  return results;
}
