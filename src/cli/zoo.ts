import type { Command } from 'commander';
import { ZOO_ARCHITECTURES, zooArchitecture } from '../models/zoo/registry.js';
import { readZooManifest, zooDir } from '../models/zoo/zoo-manifest.js';
import { trainIntoZoo, TRAIN_DEFAULTS } from '../models/zoo/train.js';
import { emit, fmt, progress, table } from './output.js';
import { countOption, sizeOption, positiveNumberOption, threadsFlag } from './options.js';

export function registerZoo(program: Command): void {
  const zoo = program.command('zoo').description('the built-in model zoo, trained by the project on the synthetic dataset');

  zoo.command('list')
    .description('the trained zoo models with family, size, cost and clean accuracy')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) => {
      const manifest = readZooManifest();
      const untrained = ZOO_ARCHITECTURES.filter((a) => !manifest.models.some((m) => m.name === a.name)).map((a) => a.name);
      emit(!!o.json, { ...manifest, folder: zooDir(), untrained }, () => [
        table(['model', 'family', 'depth', 'params', 'MFLOPs', 'top-1', 'epochs', 'train s'], manifest.models.map((m) => [
          `zoo:${m.name}`, m.family, m.depth, m.parameters.toLocaleString('en-US'), fmt(m.flopsPerImage / 1e6, 3), `${(100 * m.top1).toFixed(2)}%`, m.training.epochs, m.training.seconds,
        ])),
        untrained.length ? `\nnot trained yet: ${untrained.join(', ')}` : '',
      ].join('\n').trimEnd());
    });

  zoo.command('train')
    .description('train zoo models from scratch and publish them into the zoo folder')
    .option('--model <name>', `one architecture (default: all): ${ZOO_ARCHITECTURES.map((a) => a.name).join(', ')}`)
    .option('--epochs <n>', 'training epochs', sizeOption, 8)
    .option('--train-size <n>', 'training examples (first N of the synthetic train split)', sizeOption)
    .option('--batch <b>', 'minibatch size', sizeOption, TRAIN_DEFAULTS.batchSize)
    .option('--lr <rate>', 'peak learning rate', positiveNumberOption, TRAIN_DEFAULTS.lr)
    .option('--seed <s>', 'seed of weights, order and augmentation', countOption, TRAIN_DEFAULTS.seed)
    .option('--json', 'machine-readable output')
    .addOption(threadsFlag())
    .action(async (o: { model?: string; epochs: number; trainSize?: number; batch: number; lr: number; seed: number; threads?: number; json?: boolean }) => {
      const archs = o.model ? [zooArchitecture(o.model)] : ZOO_ARCHITECTURES;
      const entries = [];
      for (const arch of archs) {
        let bar: ReturnType<typeof progress> | undefined;
        const entry = await trainIntoZoo(arch, {
          epochs: o.epochs, trainSize: o.trainSize, batchSize: o.batch, lr: o.lr, seed: o.seed, threads: o.threads,
          onStep: ({ epoch, step, steps }) => {
            bar ??= progress(`train ${arch.name}`, steps * o.epochs);
            bar.update(epoch * steps + step + 1);
          },
        });
        bar?.stop();
        entries.push(entry);
        if (!o.json) process.stderr.write(`zoo:${entry.name}: top-1 ${(100 * entry.top1).toFixed(2)}% after ${entry.training.epochs} epochs (${entry.training.seconds} s)\n`);
      }
      emit(!!o.json, { folder: zooDir(), models: entries }, () => `trained ${entries.length} model(s) into ${zooDir()}`);
    });
}
