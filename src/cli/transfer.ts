import { Option, type Command } from 'commander';
import { loadModel } from '../models/load-model.js';
import { loadDataset } from '../data/load-dataset.js';
import { correctlyClassified } from '../data/correct-examples.js';
import { loadExamples } from '../data/dataset.js';
import { alignLabels } from '../data/labels.js';
import { argmax } from '../runtime/logits.js';
import { runAttack, resolveAttack, TARGET_KINDS, type TargetKind } from '../attacks/index.js';
import { evaluateTransfer, summarizeTransfer, type TransferSummary } from '../metrics/transfer.js';
import { UserError } from '../core/errors.js';
import { emit, progress, table } from './output.js';
import { countOption, sizeOption, setOption, threadsFlag } from './options.js';
import type { OnnxClassifier } from '../runtime/onnx-classifier.js';

interface TransferFlags {
  models: string;
  data: string;
  attack: string;
  targeted?: Exclude<TargetKind, 'untargeted'>;
  set: Record<string, string>;
  limit: number;
  batch: number;
  seed: number;
  threads?: number;
  json?: boolean;
}

export function registerTransfer(program: Command): void {
  program.command('transfer')
    .description("feed each model's adversarial examples to every other model: the N x (N-1) transferability matrix")
    .requiredOption('--models <list>', 'comma-separated models (paths or zoo:<name>), at least two')
    .requiredOption('--data <dataset>', 'image folder, synthetic, or cifar10:<dir>')
    .requiredOption('--attack <name>', 'attack or preset run on each source model')
    .addOption(new Option('--targeted <kind>', 'targeted: success = target class in the top 5 of the target model').choices(TARGET_KINDS.filter((k) => k !== 'untargeted')))
    .option('--set <key=value>', 'attack parameter (repeatable)', setOption, {})
    .option('--limit <n>', 'correctly classified examples per source model', countOption, 50)
    .option('--batch <b>', 'examples per batch', sizeOption, 32)
    .option('--seed <s>', 'seed of targets and random starts', countOption, 0)
    .option('--json', 'machine-readable output')
    .addOption(threadsFlag())
    .action(async (o: TransferFlags) => {
      const names = o.models.split(',').map((s) => s.trim()).filter(Boolean);
      if (names.length < 2) throw new UserError('--models needs at least two models');
      const { params } = resolveAttack(o.attack, o.set);
      const target = o.targeted ?? 'untargeted';
      const data = await loadDataset(o.data);
      const models: OnnxClassifier[] = [];
      try {
        for (const name of names) models.push(await loadModel(name, { threads: o.threads, batchSize: o.batch }));
        const order = Array.from({ length: data.size }, (_, i) => i);
        const bar = progress('transfer', names.length);
        const matrix: { source: string; target: string; summary: TransferSummary; adaptation: string }[] = [];
        for (const source of models) {
          const set = await correctlyClassified(source, data, order, o.limit, { batch: o.batch, resize: source.manifest.resize });
          const run = await runAttack(o.attack, source, { x: set.x, n: set.n, labels: set.labels, ids: set.ids }, { params: o.set, target, seed: o.seed });
          const items = set.items;
          for (const other of models) {
            if (other === source) continue;
            const correct = await cleanCorrect(other, data, items);
            const labels = alignLabels(data.classes, other);
            const { results, adaptation } = await evaluateTransfer(other, run.results.map((r, e) => ({
              adversarial: r.success ? r.adversarial! : null,
              label: labels[data.label(items[e]!)]!,
              target: r.target ?? null,
              targetCleanCorrect: correct[e]!,
            })), source.inputShape, target !== 'untargeted');
            matrix.push({ source: source.name, target: other.name, summary: summarizeTransfer(results.map((r) => r.outcome)), adaptation });
          }
          bar.tick();
        }
        bar.stop();
        emit(!!o.json, { data: o.data, attack: o.attack, target, params, seed: o.seed, models: names, matrix }, () => render(names, matrix));
      } finally {
        for (const m of models) await m.dispose();
      }
    });
}

/** Whether the target model gets each clean example right (examples it misclassifies are excluded). */
async function cleanCorrect(model: OnnxClassifier, data: Awaited<ReturnType<typeof loadDataset>>, items: readonly number[]): Promise<boolean[]> {
  const labels = alignLabels(data.classes, model);
  const logits = await model.logits(await loadExamples(data, items, model.inputShape, model.manifest.resize), items.length);
  return items.map((item, row) => argmax(logits, model.numClasses, row) === labels[data.label(item)]);
}

function render(names: string[], matrix: { source: string; target: string; summary: TransferSummary }[]): string {
  const cell = (s: string, t: string) => {
    if (s === t) return '-';
    const m = matrix.find((x) => x.source === s && x.target === t)!.summary;
    return m.rate === null ? 'n/a' : `${(100 * m.rate).toFixed(1)}% (${m.transferred}/${m.evaluated})`;
  };
  const excluded = matrix.map((m) => `${m.source} -> ${m.target}: ${m.summary.sourceFailed} source attacks failed, ${m.summary.targetMisclassifiesClean} misclassified clean by the target, ${m.summary.targetNonFinite} with NaN/Inf target logits`);
  return [
    'rows: source model; columns: target model; cell: transfer rate (transferred / evaluated)',
    table(['source \\ target', ...names], names.map((s) => [s, ...names.map((t) => cell(s, t))])),
    '',
    'excluded from the denominators:',
    ...excluded.map((l) => `  ${l}`),
  ].join('\n');
}
