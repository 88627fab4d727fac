import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zooArchitecture } from '../../src/models/zoo/registry.js';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { Rng } from '../../src/core/rng.js';
import type { StudyConfigInput } from '../../src/study/config/config-schema.js';
import { openStudyStore } from '../../src/study/store/store.js';

export const tempDir = (prefix = 'rs-study-') => mkdtempSync(join(tmpdir(), prefix));

/**
 * The zoo's smallest baselines, untrained (seeded initial weights), as .onnx files: fast enough for
 * tests of the runner's mechanics, which do not need accurate models.
 */
export function tinyModels(dir: string, names: readonly string[] = ['linear', 'mlp-1', 'mlp-2'], seed = 1): string[] {
  return names.map((name) => {
    const path = join(dir, `${name}-${seed}.onnx`);
    writeFileSync(path, encodeModel(zooArchitecture(name).build(seed)));
    return path;
  });
}

/** A seeded linear 10-class model (Flatten + Gemm) on size x size inputs, as an .onnx file. */
export function linearModel(dir: string, size: number, seed = 1): string {
  const features = 3 * size * size;
  const rng = new Rng(seed, 2, 3);
  const g = new GraphBuilder();
  const x = g.input('x', ['N', 3, size, size]);
  const flat = g.op('Flatten', [x], { axis: 1 });
  const w = g.constFloat('W', [10, features], Array.from({ length: 10 * features }, () => rng.normal() / Math.sqrt(features)));
  const b = g.constFloat('b', [10], Array.from({ length: 10 }, () => 0));
  g.node('Gemm', [flat, w, b], { transB: 1 }, { outputs: ['logits'] });
  g.output('logits', ['N', 10]);
  const path = join(dir, `linear-${size}px-${seed}.onnx`);
  writeFileSync(path, encodeModel(modelOf(g.graph)));
  return path;
}

/** A study over `models` with every phase: fast attacks with a grid and a targeted kind, CLEVER, transfer. */
export function tinyConfig(models: readonly string[], overrides: Partial<StudyConfigInput> = {}): StudyConfigInput {
  return {
    seed: 7,
    models: [...models],
    dataset: { name: 'synthetic', count: 24, heldOut: 1500 },
    shardSize: 4,
    attacks: [
      { attack: 'fgsm', set: { eps: [0.05, 0.1] } },
      { id: 'ifgsm', attack: 'paper-ifgsm-search', set: { iterations: 5, attempts: 4 }, targets: ['untargeted', 'random'] },
    ],
    clever: { norm: 2, nb: 5, ns: 8, count: 8, targets: ['untargeted', 'top2'] },
    transfer: { attacks: ['fgsm'] },
    ...overrides,
  };
}

/**
 * Everything a store holds except wall times and timestamps, one JSON line per row (images included),
 * sorted: two runs of one config must give equal snapshots whatever their history.
 */
export function storeSnapshot(dir: string): string[] {
  const store = openStudyStore(dir);
  try {
    const rows = [
      ...store.models().map((r) => ({ table: 'models', ...r })),
      ...store.items().map((r) => ({ table: 'items', ...r })),
      ...store.units().map((r) => ({ table: 'units', ...r })),
      ...store.cleanRows().map((r) => ({ table: 'clean', ...r })),
      ...store.accuracyRows().map((r) => ({ table: 'accuracy', ...r })),
      ...store.attackRows({ images: true }).map((r) => ({ table: 'attacks', ...r })),
      ...store.cleverRows().map((r) => ({ table: 'clever', ...r })),
      ...store.transferRows().map((r) => ({ table: 'transfer', ...r })),
    ];
    return rows
      .map((row) => JSON.stringify({ ...row, createdAt: undefined, timeMs: undefined }, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)))
      .sort();
  } finally {
    store.close();
  }
}
