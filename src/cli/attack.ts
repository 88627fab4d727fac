import { join } from 'node:path';
import { ensureWritableFolder, writeFileAtomic } from '../core/write-file.js';
import { Option, type Command } from 'commander';
import { loadModel, MODEL_NAMES } from '../models/load-model.js';
import { loadDataset } from '../data/load-dataset.js';
import { correctlyClassified } from '../data/correct-examples.js';
import { saveImagePng } from '../data/image.js';
import type { OpenInterval } from '../analysis/stats.js';
import { runAttack, resolveAttack, checkBudget, scaleBudget, PRESETS, ATTACKS, TARGET_KINDS, paramDocs, type AttackResult, type BudgetCheck, type TargetKind } from '../attacks/index.js';
import { UserError } from '../core/errors.js';
import { aggregateRecords } from '../analysis/aggregate.js';
import { DISTORTION_NORMS, type DistortionNorm } from '../core/lp.js';
import { emit, fmt, progress, table } from './output.js';
import { countOption, sizeOption, modelOptions, setOption, threadsFlag, resizeFlag, labelsFlag, type ModelFlags } from './options.js';

interface AttackFlags extends ModelFlags {
  data: string;
  attack?: string;
  preset?: string;
  targeted?: Exclude<TargetKind, 'untargeted'>;
  limit: number;
  batch: number;
  seed: number;
  set: Record<string, string>;
  save?: string;
  checkBudget?: number;
  json?: boolean;
}

/** Success rate and mean/std of every norm over the successful examples only (failures have no image). */
/**
 * The attack command's summary: the report's aggregate (aggregateRecords) of this one setting, plus the
 * count of non-finite examples, in the command's JSON spelling.
 */
export function summarizeAttack(results: readonly AttackResult[]) {
  const [a] = aggregateRecords(results.map((r) => ({ model: '', attack: '', settings: {}, success: r.success, ...r.distortion })));
  const norm = (k: DistortionNorm) => ({ mean: a?.distortion[k].mean ?? null, std: a?.distortion[k].std ?? null });
  return {
    attempted: results.length,
    succeeded: a?.succeeded ?? 0,
    success_rate: a?.successRate ?? 0,
    non_finite: results.filter((r) => r.status === 'non-finite').length,
    l0: norm('l0'), l1: norm('l1'), l2: norm('l2'), linf: norm('linf'),
  };
}

export function registerAttack(program: Command): void {
  program.command('attack')
    .description('attack correctly classified examples and report success rate and distortions')
    .argument('<model>', MODEL_NAMES)
    .requiredOption('--data <dataset>', 'image folder, synthetic, or cifar10:<dir>')
    .option('--attack <name>', `attack: ${Object.keys(ATTACKS).join(', ')}`)
    .option('--preset <name>', `named settings: ${Object.keys(PRESETS).join(', ')}`)
    .addOption(new Option('--targeted <kind>', 'targeted attack with this target choice').choices(TARGET_KINDS.filter((k) => k !== 'untargeted')))
    .option('--limit <n>', 'correctly classified examples to attack', countOption, 100)
    .option('--batch <b>', 'examples per batched call (a finished example\'s slot goes to the next)', sizeOption, 32)
    .option('--seed <s>', 'seed of targets and random starts', countOption, 0)
    .option('--set <key=value>', 'attack parameter (repeatable), e.g. --set eps=0.03', setOption, {})
    .option('--save <dir>', 'write adversarial images (PNG) and a per-example CSV')
    .option('--check-budget <n>', 're-run a seeded subsample of n examples at 4x the budget and compare per example', sizeOption)
    .option('--json', 'machine-readable output')
    .addOption(labelsFlag()).addOption(threadsFlag()).addOption(resizeFlag())
    .addHelpText('after', () => `\nParameters (--set key=value):\n${Object.values(ATTACKS).map((a) => `  ${a.name}: ${paramDocs(a.paramsSchema).map((d) => `${d.key}${d.default !== undefined ? `=${d.default}` : ''}`).join(', ')}`).join('\n')}`)
    .action(async (spec: string, o: AttackFlags) => {
      const name = o.preset ?? o.attack;
      if (!name || (o.preset && o.attack)) throw new UserError('give exactly one of --attack <name> or --preset <name>');
      const { attack, params } = resolveAttack(name, o.set);
      if (o.checkBudget !== undefined) scaleBudget(attack.name, params, 4);
      if (o.save) ensureWritableFolder(o.save);
      const model = await loadModel(spec, { ...modelOptions(o), batchSize: o.batch });
      try {
        const data = await loadDataset(o.data);
        const order = Array.from({ length: data.size }, (_, i) => i);
        const set = await correctlyClassified(model, data, order, o.limit, { batch: o.batch, resize: model.manifest.resize });
        const bar = progress(name, set.n);
        // One run over every example: continuous batching keeps each call at --batch examples.
        const batch = { x: set.x, n: set.n, labels: set.labels, ids: set.ids };
        const run = await runAttack(name, model, batch, {
          params: o.set, target: o.targeted ?? 'untargeted', seed: o.seed, slots: o.batch, onProgress: (finished) => bar.update(finished),
        });
        const { results } = run;
        bar.stop();
        const check = o.checkBudget === undefined ? undefined : await checkBudget(run, model, batch, { examples: o.checkBudget, slots: o.batch });
        if (o.save) await saveResults(o.save, results, set.ids, model.inputShape, model.labels);
        const summary = {
          model: model.name, data: o.data, attack: name, target: o.targeted ?? 'untargeted', seed: o.seed, params, scanned: set.scanned, ...summarizeAttack(results),
          ...(check ? { budget_check: budgetCheckJson(check) } : {}),
        };
        emit(!!o.json, summary, () => [
          `${name} (${summary.target}) on ${model.name}: ${summary.succeeded}/${summary.attempted} succeeded (${(100 * summary.success_rate).toFixed(1)}%)` +
            (summary.non_finite ? `, ${summary.non_finite} with NaN/Inf` : ''),
          table(['norm', 'mean', 'std'], DISTORTION_NORMS.map((k) => [k, summary[k].mean === null ? '-' : fmt(summary[k].mean!), summary[k].std === null ? '-' : fmt(summary[k].std!)])),
          `(over successful examples; ${set.scanned} examples classified to find ${set.n} correct ones)`,
          ...(check ? ['', budgetCheckText(check)] : []),
        ].join('\n'));
      } finally {
        await model.dispose();
      }
    });
}

async function saveResults(dir: string, results: readonly AttackResult[], ids: readonly string[], shape: readonly [number, number, number], labels: readonly string[]): Promise<void> {
  const [c, h, w] = shape;
  const rows = ['index,id,status,label,target,predicted,l0,l1,l2,linf,iterations,gradient_calls,forward_calls,time_ms,image'];
  const csv = (v: unknown) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v ?? '');
  for (const [i, r] of results.entries()) {
    const image = r.adversarial ? `adv-${String(i).padStart(5, '0')}.png` : '';
    if (r.adversarial) await saveImagePng(join(dir, image), r.adversarial, 0, c, h, w);
    const d = r.distortion;
    rows.push([i, ids[i], r.status, labels[r.label], r.target === undefined ? '' : labels[r.target], r.predicted === undefined ? '' : labels[r.predicted],
      d?.l0, d?.l1, d?.l2, d?.linf, r.iterations, r.gradientCalls, r.forwardCalls, r.timeMs.toFixed(1), image].map(csv).join(','));
  }
  writeFileAtomic(join(dir, 'examples.csv'), rows.join('\n') + '\n');
}

function budgetCheckJson(c: BudgetCheck) {
  return {
    factor: c.factor, norm: c.norm ?? null, examples: c.examples.length, compared: c.compared,
    median_ratio: c.median ?? null, p90_ratio: c.p90 ?? null, max_ratio: c.max ?? null, successes_gained: c.gained, successes_lost: c.lost,
    median_interval: [c.medianInterval.low ?? null, c.medianInterval.high ?? null], p90_interval: [c.p90Interval.low ?? null, c.p90Interval.high ?? null],
    per_example: c.examples.map((r) => ({
      id: r.id, ratio: r.ratio ?? null, success: r.base.success, success_larger: r.larger.success,
      gradient_calls: r.base.gradientCalls, gradient_calls_larger: r.larger.gradientCalls,
    })),
  };
}

/** The budget-adequacy table: distortion at the budget over distortion at factor x the budget. */
function budgetCheckText(c: BudgetCheck): string {
  const ratio = (v: number | undefined) => (v === undefined ? '-' : fmt(v));
  // An open end: too few examples to bound that side of the quantile.
  const interval = ({ low, high }: OpenInterval) => (c.compared === 0 ? '-' : `${low === undefined ? '?' : fmt(low)} to ${high === undefined ? '?' : fmt(high)}`);
  return [
    `budget check: ${c.examples.length} examples re-run at ${c.factor}x the budget` + (c.norm ? `; ratio = ${c.norm} distortion at the budget / at ${c.factor}x, over the ${c.compared} that succeeded at both` : ' (success only: the attack keeps to a fixed ball)'),
    table(
      ['median ratio', 'median 95% interval', 'p90 ratio', 'p90 95% interval', 'max ratio', 'successes gained', 'successes lost'],
      [[ratio(c.median), interval(c.medianInterval), ratio(c.p90), interval(c.p90Interval), ratio(c.max), c.gained, c.lost]],
    ),
    ...(c.compared > 0 ? ['(distribution-free 95% intervals; "?" is an end too few examples bound: the p90\'s upper end needs 36)'] : []),
  ].join('\n');
}
