import { InvalidArgumentError, Option, type Command } from 'commander';
import { NonFiniteError } from '../core/errors.js';
import { loadModel, MODEL_NAMES } from '../models/load-model.js';
import { loadDataset } from '../data/load-dataset.js';
import { correctlyClassified } from '../data/correct-examples.js';
import { parseLpNorm } from '../core/lp.js';
import { clever, summarizeClever, CLEVER_DEFAULTS } from '../metrics/clever.js';
import { TARGET_KINDS, type TargetKind } from '../attacks/index.js';
import { emit, fmt, progress, table } from './output.js';
import { countOption, sizeOption, labelsFlag, modelOptions, positiveNumberOption, resizeFlag, threadsFlag, type ModelFlags } from './options.js';

function targetList(value: string): TargetKind[] {
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const k of kinds) if (!TARGET_KINDS.includes(k as TargetKind)) throw new InvalidArgumentError(`unknown target '${k}'; expected ${TARGET_KINDS.join(', ')}`);
  return kinds as TargetKind[];
}

export function registerClever(program: Command): void {
  program.command('clever')
    .description('CLEVER robustness scores (Weng et al. 2018) of correctly classified examples')
    .argument('<model>', MODEL_NAMES)
    .requiredOption('--data <dataset>', 'image folder, synthetic, or cifar10:<dir>')
    .addOption(new Option('--norm <p>', 'perturbation norm').choices(['1', '2', 'inf']).default('2'))
    .option('--targets <list>', `comma-separated target kinds: ${TARGET_KINDS.join(', ')}`, targetList, ['top2', 'random', 'least-likely'] as TargetKind[])
    .option('--nb <n>', 'batches of samples', sizeOption, CLEVER_DEFAULTS.nb)
    .option('--ns <n>', 'samples per batch', sizeOption, CLEVER_DEFAULTS.ns)
    .option('--radius <r>', 'sampling radius (default by norm: L1 30, L2 3, Linf 0.1)', positiveNumberOption)
    .option('--limit <n>', 'correctly classified examples to score', countOption, 20)
    .option('--seed <s>', 'seed of targets and samples', countOption, 0)
    .option('--batch <b>', 'gradient rows per call', sizeOption, CLEVER_DEFAULTS.batchSize)
    .option('--json', 'machine-readable output')
    .addOption(labelsFlag()).addOption(threadsFlag()).addOption(resizeFlag())
    .action(async (spec: string, o: ModelFlags & { data: string; norm: string; targets: TargetKind[]; nb: number; ns: number; radius?: number; limit: number; seed: number; batch: number; json?: boolean }) => {
      const norm = parseLpNorm(o.norm)!;
      const radius = o.radius ?? CLEVER_DEFAULTS.radius[norm];
      const model = await loadModel(spec, modelOptions(o));
      try {
        const data = await loadDataset(o.data);
        const set = await correctlyClassified(model, data, Array.from({ length: data.size }, (_, i) => i), o.limit, { resize: model.manifest.resize });
        const bar = progress('clever', set.n * o.nb * o.ns);
        const results = await clever(model, set.x, set.n, set.labels, {
          norm, targets: o.targets, nb: o.nb, ns: o.ns, radius, seed: o.seed, ids: set.ids, batchSize: o.batch,
          onProgress: (done) => bar.update(done),
        }).catch((err: unknown) => {
          // Name the model whose gradients went non-finite.
          throw err instanceof NonFiniteError ? new NonFiniteError(`${spec}: ${err.message}`) : err;
        });
        bar.stop();
        const summary = summarizeClever(results, norm);
        emit(!!o.json, { model: model.name, data: o.data, radius, nb: o.nb, ns: o.ns, seed: o.seed, ...summary, examples: results }, () => [
          `CLEVER L${summary.norm} on ${model.name} (radius ${radius}, ${o.nb} x ${o.ns} samples, ${set.n} examples)`,
          table(['target', 'mean', 'std', 'count'], Object.entries(summary.targets).map(([k, s]) => [k, fmt(s!.mean ?? NaN), fmt(s!.std ?? NaN), s!.count])),
        ].join('\n'));
      } finally {
        await model.dispose();
      }
    });
}
