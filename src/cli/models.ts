import type { Command } from 'commander';
import { loadModel, MODEL_NAMES } from '../models/load-model.js';
import { summarize } from '../models/summary.js';
import { loadImage } from '../data/image.js';
import { loadDataset } from '../data/load-dataset.js';
import { loadExamples, toChannels } from '../data/dataset.js';
import { alignLabels } from '../data/labels.js';
import { argmax, softmaxRow, topK } from '../runtime/logits.js';
import { emit, fmt, progress, table, type Progress } from './output.js';
import { defaultModelDir, pullFile, pullMember, urlFileName, type PullResult } from '../models/pull.js';
import { confinedPath } from '../models/confined-path.js';
import { basename } from 'node:path';
import { UserError } from '../core/errors.js';
import { pullPaperModel } from '../models/catalog/paper-models.js';
import { countOption, sizeOption, labelsFlag, modelOptions, resizeFlag, threadsFlag, type ModelFlags } from './options.js';

/** What a pull did: the file fetched (or found), and the model extracted from it when it was an archive. */
function pulledLines(r: PullResult & { archive?: string }): string[] {
  const line = (path: string) => `${r.downloaded ? 'downloaded' : 'already present'}: ${path} (${r.bytes} bytes, sha256 ${r.sha256})`;
  return r.archive ? [line(r.archive), `extracted: ${r.path}`] : [line(r.path)];
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('inspect, run and evaluate classifiers');

  models.command('inspect')
    .description('print inputs, outputs, preprocessing, op histogram, parameter count, FLOPs per image and whether gradients compile')
    .argument('<model>', MODEL_NAMES)
    .option('--json', 'machine-readable output')
    .addOption(labelsFlag()).addOption(threadsFlag()).addOption(resizeFlag())
    .action(async (spec: string, o: ModelFlags & { json?: boolean }) => {
      const c = await loadModel(spec, modelOptions(o));
      try {
        const s = await summarize(c);
        emit(!!o.json, s, () => [
          `model       ${s.name}`,
          `sha256      ${s.sha256}`,
          `format      IR ${s.irVersion}, opset ${s.opset}${s.producer ? `, from ${s.producer}` : ''}`,
          `inputs      ${s.inputs.map((i) => `${i.name} [${i.shape.join(',')}]`).join('; ')}`,
          `outputs     ${s.outputs.map((i) => `${i.name} [${i.shape.join(',')}]`).join('; ')}`,
          `canonical   [${c.canonical.fixedBatch ?? 'N'},${s.canonicalInput.join(',')}] RGB in [0,1] -> ${s.numClasses} logits`,
          `preprocess  ${s.preprocess.join(', ') || 'none'}`,
          `outputs as  ${s.outputTransform.join('; ') || 'logits'}`,
          `parameters  ${s.parameters.toLocaleString('en-US')}`,
          `FLOPs/image ${s.flopsPerImage.toLocaleString('en-US')}`,
          `nodes       ${s.nodes}`,
          `gradients   ${s.gradients.differentiable ? 'exact (the input-gradient graph compiles)' : `not available: ${s.gradients.reason}`}`,
          '',
          table(['op', 'count'], Object.entries(s.ops)),
        ].join('\n'));
      } finally {
        await c.dispose();
      }
    });

  models.command('predict')
    .description('classify image files')
    .argument('<model>', MODEL_NAMES)
    .argument('<image...>', 'image files (JPEG, PNG, WebP, ...)')
    .option('--top <k>', 'classes to list per image', sizeOption, 5)
    .option('--json', 'machine-readable output')
    .addOption(labelsFlag()).addOption(threadsFlag()).addOption(resizeFlag())
    .action(async (spec: string, images: string[], o: ModelFlags & { top: number; json?: boolean }) => {
      const c = await loadModel(spec, modelOptions(o));
      try {
        const [ch, h, w] = c.inputShape;
        const results: { image: string; top: { index: number; label: string; probability: number; logit: number }[] }[] = [];
        for (const path of images) {
          const x = toChannels(await loadImage(path, h, w, { resize: c.manifest.resize }), ch, h * w);
          const logits = await c.logits(x, 1);
          const p = softmaxRow(logits, c.numClasses, 0);
          results.push({
            image: path,
            top: topK(logits, c.numClasses, 0, Math.min(o.top, c.numClasses)).map((j) => ({ index: j, label: c.labels[j]!, probability: p[j]!, logit: logits[j]! })),
          });
        }
        emit(!!o.json, { model: c.name, results }, () => results.map((r) =>
          `${r.image}\n${table(['rank', 'class', 'label', 'p', 'logit'], r.top.map((t, i) => [i + 1, t.index, t.label, fmt(t.probability, 3), fmt(t.logit, 4)]))}`).join('\n\n'));
      } finally {
        await c.dispose();
      }
    });

  models.command('pull')
    .description('download a model file and verify its sha256; a paper model name also writes its manifest')
    .argument('<url-or-name>', 'http(s) URL of an .onnx file, a TF.js model.json, a frozen TensorFlow graph (.pb), a .safetensors file, or a .tar.gz holding one (or a checkpoint), or a paper model name (e.g. vgg_16)')
    .option('--sha256 <hex>', 'expected sha256 of a URL; the file is kept only if it matches (paper models carry theirs)')
    .option('--member <path>', 'the URL is a .tar.gz/.tgz archive: extract this file from it (a checkpoint .index brings its data shards; the archive is kept beside it)')
    .option('--out <file>', 'where to save it (default: the model cache, named after the URL or as the paper preset expects)')
    .option('--mirror <url>', 'for paper models: fetch <mirror>/<file> instead of the publisher\'s URL (default: $ROBUSTSCOPE_MODEL_MIRROR)')
    .option('--json', 'machine-readable output')
    .action(async (spec: string, o: { sha256?: string; member?: string; out?: string; mirror?: string; json?: boolean }) => {
      let bar: Progress | undefined;
      const onProgress = (got: number, total: number | undefined) => { if (total) (bar ??= progress('pull', total)).update(got); };
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
        if (o.sha256 || o.member) throw new UserError('--sha256 and --member apply to URLs; a paper model carries its own');
        const r = await pullPaperModel(spec, { dest: o.out, mirror: o.mirror, onProgress });
        bar?.stop();
        const { model: m, labels, ...pulled } = r;
        emit(!!o.json, { name: m.name, ...pulled, labels, note: m.note }, () => [
          ...pulledLines(r),
          `manifest: ${r.manifest}`,
          `class list: ${labels.downloaded ? 'downloaded' : 'already present'}: ${labels.path} (sha256 ${labels.sha256})`,
          `about this file: ${m.note}`,
        ].join('\n'));
        return;
      }
      const name = (o.member ? basename(o.member) : urlFileName(spec)) || 'model.onnx';
      const dest = o.out ?? confinedPath(defaultModelDir(), name, `${spec}: file name`);
      const r = o.member ? await pullMember(spec, o.member, dest, { sha256: o.sha256, onProgress }) : await pullFile(spec, dest, { sha256: o.sha256, onProgress });
      bar?.stop();
      if (!r.verified) process.stderr.write(`robustscope: warning: ${spec}: kept without verification (no --sha256 given); its sha256 is ${r.sha256}: pass --sha256 ${r.sha256} to pin it\n`);
      emit(!!o.json, r, () => pulledLines(r).join('\n'));
    });

  models.command('eval')
    .description('top-1 and top-5 accuracy on a dataset')
    .argument('<model>', MODEL_NAMES)
    .requiredOption('--data <dataset>', 'image folder, synthetic, or cifar10:<dir>')
    .option('--limit <n>', 'evaluate the first n examples', countOption)
    .option('--batch <b>', 'examples per batch', sizeOption, 32)
    .option('--json', 'machine-readable output')
    .addOption(labelsFlag()).addOption(threadsFlag()).addOption(resizeFlag())
    .action(async (spec: string, o: ModelFlags & { data: string; limit?: number; batch: number; json?: boolean }) => {
      const c = await loadModel(spec, { ...modelOptions(o), batchSize: o.batch });
      try {
        const data = await loadDataset(o.data);
        const toLogit = alignLabels(data.classes, c);
        const n = Math.min(o.limit ?? data.size, data.size);
        let top1 = 0;
        let top5 = 0;
        let nonFinite = 0;
        const bar = progress('eval', n);
        for (let start = 0; start < n; start += o.batch) {
          const idx = Array.from({ length: Math.min(o.batch, n - start) }, (_, i) => start + i);
          const logits = await c.logits(await loadExamples(data, idx, c.inputShape, c.manifest.resize), idx.length);
          idx.forEach((item, row) => {
            const truth = toLogit[data.label(item)]!;
            const predicted = argmax(logits, c.numClasses, row);
            if (predicted === null) nonFinite++;
            if (predicted === truth) top1++;
            if (topK(logits, c.numClasses, row, 5).includes(truth)) top5++;
          });
          bar.tick(idx.length);
        }
        bar.stop();
        const result = { model: c.name, data: o.data, examples: n, top1: n ? top1 / n : 0, top5: n ? top5 / n : 0, non_finite: nonFinite };
        // NaN/Inf logits name no class, so those examples count as wrong; say so rather than print a plain accuracy.
        if (nonFinite > 0) process.stderr.write(`robustscope: warning: ${spec}: NaN or Inf logits on ${nonFinite} of ${n} examples (counted as wrong)\n`);
        emit(!!o.json, result, () => `${c.name} on ${o.data}: top-1 ${(100 * result.top1).toFixed(2)}%, top-5 ${(100 * result.top5).toFixed(2)}% (${n} examples${nonFinite ? `, ${nonFinite} with NaN/Inf logits` : ''})`);
      } finally {
        await c.dispose();
      }
    });
}
