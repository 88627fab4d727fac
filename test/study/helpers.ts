import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zooArchitecture } from '../../src/models/zoo/registry.js';
import { GraphBuilder, modelOf } from '../../src/onnx/builder.js';
import { decodeModel, encodeModel } from '../../src/onnx/codec.js';
import { zooDir } from '../../src/models/zoo/zoo-manifest.js';
import { SYNTHETIC_CLASSES } from '../../src/data/synthetic/definition.js';
import { Rng } from '../../src/core/rng.js';
import type { StudyConfigInput } from '../../src/study/config/config-schema.js';
import { openStudyStore } from '../../src/study/store/open-store.js';

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

/**
 * A copy of a trained zoo model that turns NaN on images whose first value (red, top left) is at least
 * `threshold`: its logits get 0 * 1/relu(t - x[0]) added, which is 0 below the threshold and NaN (0 * Inf)
 * from there on, in the forward pass and in the gradient alike. `threshold` -1 makes it NaN on every image.
 */
export function nanModel(dir: string, zooName: string, threshold: number): string {
  const model = decodeModel(readFileSync(join(zooDir(), `${zooName}.onnx`)));
  const { graph } = model;
  const x = graph.inputs[0]!.name;
  const out = graph.outputs[0]!.name;
  const healthy = `${out}_healthy`;
  for (const node of graph.nodes) node.outputs = node.outputs.map((o) => (o === out ? healthy : o));
  const g = new GraphBuilder(graph);
  const flat = g.op('Flatten', [x], { axis: 1 });
  const first = g.op('Slice', [flat, g.constInt64('starts', [0]), g.constInt64('ends', [1]), g.constInt64('axes', [1])]);
  const room = g.op('Relu', [g.op('Sub', [g.constFloat('t', [1], [threshold]), first])]);
  const poison = g.op('Mul', [g.constFloat('zero', [1], [0]), g.op('Div', [g.constFloat('one', [1], [1]), room])]);
  g.node('Add', [healthy, poison], {}, { outputs: [out] });
  const path = join(dir, `nan-${zooName}-${threshold}.onnx`);
  writeFileSync(path, encodeModel(model));
  // The zoo's classes, so that it shares them with the zoo models in a transfer.
  writeFileSync(join(dir, `nan-${zooName}-${threshold}.manifest.json`), JSON.stringify({ family: 'nan', labels: [...SYNTHETIC_CLASSES], outputs: 'logits' }));
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
export async function storeSnapshot(location: string): Promise<string[]> {
  const store = await openStudyStore(location);
  try {
    const rows = [
      ...(await store.models()).map((r) => ({ table: 'models', ...r })),
      ...(await store.items()).map((r) => ({ table: 'items', ...r })),
      ...(await store.units()).map((r) => ({ table: 'units', ...r })),
      ...(await store.cleanRows()).map((r) => ({ table: 'clean', ...r })),
      ...(await store.accuracyRows()).map((r) => ({ table: 'accuracy', ...r })),
      ...(await store.attackRows({ images: true })).map((r) => ({ table: 'attacks', ...r })),
      ...(await store.cleverRows()).map((r) => ({ table: 'clever', ...r })),
      ...(await store.transferRows()).map((r) => ({ table: 'transfer', ...r })),
      ...(await store.budgetRows()).map((r) => ({ table: 'budget', ...r })),
    ];
    return rows
      .map((row) => JSON.stringify({ ...row, createdAt: undefined, timeMs: undefined }, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)))
      .sort();
  } finally {
    await store.close();
  }
}
