import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../../src/core/errors.js';
import { zooArchitecture } from '../../../src/models/zoo/registry.js';
import { GraphBuilder, modelOf } from '../../../src/onnx/builder.js';
import { encodeModel } from '../../../src/onnx/codec.js';
import { runStudy, type StudyProgress } from '../../../src/study/run/runner.js';
import { studyStatus } from '../../../src/study/store/status.js';
import { openStudyStore } from '../../../src/study/store/open-store.js';
import { linearModel, storeSnapshot, tempDir, tinyConfig, tinyModels } from '../helpers.js';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));
const models = tinyModels(dir);
const config = tinyConfig(models);
const out = join(dir, 'run');
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

test('a study runs every phase into the store; every row carries seed, settings, model sha256 and tool version', async () => {
  const events: StudyProgress[] = [];
  const result = await runStudy(config, { out, onProgress: (p) => events.push(p) });
  assert.equal(result.skipped, 0);
  assert.equal(result.status.state, 'complete');
  assert.equal(result.status.units.done, result.computed);
  assert.deepEqual(events.map((p) => p.done), Array.from({ length: result.computed + 1 }, (_, i) => i), 'one progress call before the work, then one per unit');
  // The ETA times each phase by its own units: after the first (clean) unit the later phases are named as untimed.
  assert.deepEqual([events[0]!.etaMs, events[0]!.etaExcludes], [null, []]);
  assert.equal(events[1]!.unit?.phase, 'clean');
  assert.deepEqual(events[1]!.etaExcludes, ['accuracy', 'attack', 'clever', 'transfer']);
  assert.deepEqual([events.at(-1)!.etaMs, events.at(-1)!.etaExcludes], [0, []]);

  const store = await openStudyStore(out);
  try {
    const stored = await store.models();
    assert.deepEqual(stored.map((m) => m.name), models);
    const shas = new Set(stored.map((m) => m.sha256));
    const clean = await store.cleanRows();
    assert.equal(clean.length, models.length * 24);
    const attacks = await store.attackRows();
    const clever = await store.cleverRows();
    const transfer = await store.transferRows();
    // Per model, its correctly classified sample examples: 2 FGSM settings + I-FGSM search x 2 target kinds
    // on each, CLEVER on the first 8 of them x 2 target kinds.
    for (const m of stored) {
      const correct = clean.filter((r) => r.modelSha256 === m.sha256 && r.correct).length;
      assert.equal(attacks.filter((r) => r.modelSha256 === m.sha256).length, correct * 4, `${m.name}: attack rows`);
      assert.equal(clever.filter((r) => r.modelSha256 === m.sha256).length, Math.min(correct, 8) * 2, `${m.name}: CLEVER rows`);
    }
    assert.ok(attacks.length > 0 && clever.length > 0, 'some model has examples to attack, so the counts above test something');
    for (const row of [...clean, ...attacks, ...clever, ...transfer]) {
      assert.equal(row.seed, 7);
      assert.equal(row.toolVersion, version);
      assert.ok(shas.has(row.modelSha256));
      assert.doesNotThrow(() => JSON.parse(row.settings));
    }

    // Held-out accuracy: the first 1500 test images, in shards of 1000, counted per model.
    const accuracy = await store.accuracyRows();
    for (const sha of shas) {
      const mine = accuracy.filter((r) => r.modelSha256 === sha);
      assert.deepEqual(mine.map((r) => [r.start, r.end, r.evaluated]), [[0, 1000, 1000], [1000, 1500, 500]]);
      assert.ok(mine.every((r) => r.correct >= 0 && r.correct <= r.inTop5 && r.inTop5 <= r.evaluated));
    }

    // Only correctly classified examples are attacked (correct-for-each).
    const correct = new Set(clean.filter((r) => r.correct).map((r) => `${r.modelSha256} ${r.itemId}`));
    for (const row of [...attacks, ...clever]) assert.ok(correct.has(`${row.modelSha256} ${row.itemId}`), `${row.itemId} was attacked but misclassified`);
    assert.ok(attacks.every((r) => JSON.parse(r.settings).targetKind === r.targetKind));

    // Transfer: one row per source attack row of a transferred setting and per other model; exclusions explicit.
    const fgsmRows = attacks.filter((r) => r.method === 'fgsm');
    assert.equal(transfer.length, fgsmRows.length * (models.length - 1));
    for (const row of transfer) {
      const source = fgsmRows.find((a) => a.modelSha256 === row.sourceSha256 && a.itemId === row.itemId && a.settings === row.settings)!;
      assert.ok(source, 'every transfer row has its source attack row');
      assert.notEqual(row.sourceSha256, row.modelSha256);
      const targetClean = clean.find((c) => c.modelSha256 === row.modelSha256 && c.itemId === row.itemId)!;
      if (source.status !== 'success') assert.equal(row.outcome, 'source-failed');
      else if (!targetClean.correct) assert.equal(row.outcome, 'target-misclassifies-clean');
      else assert.equal(row.outcome, row.predicted !== row.label ? 'transferred' : 'not-transferred');
      assert.equal(row.predicted === null, row.outcome === 'source-failed' || row.outcome === 'target-misclassifies-clean');
      assert.equal(row.adaptation, 'none');
    }
    // Images are kept for transferred settings' successes only, never for failures.
    assert.ok((await store.attackRows({ images: true })).every((r) => (r.adversarial !== null) === (r.method === 'fgsm' && r.status === 'success')));
  } finally {
    await store.close();
  }
});

test('running again computes nothing and changes nothing', async () => {
  const before = await storeSnapshot(out);
  const again = await runStudy(config, { out });
  assert.equal(again.computed, 0);
  assert.equal(again.skipped, again.status.units.total);
  assert.deepEqual(await storeSnapshot(out), before);
});

test('--jobs 2 (worker processes) stores exactly the rows of an in-process run', async () => {
  const parallel = join(dir, 'parallel');
  await runStudy(config, { out: parallel, jobs: 2 });
  assert.deepEqual(await storeSnapshot(parallel), await storeSnapshot(out));
});

test('resuming with another config is refused, naming what differs, and leaves the store as it was', async () => {
  const before = await storeSnapshot(out);
  const changed = tinyConfig(models, { dataset: { name: 'synthetic', count: 20, heldOut: 1500 } });
  await assert.rejects(runStudy(changed, { out }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /another config/);
    assert.match(err.message, /dataset\.count: 24 -> 20/);
    return true;
  });
  assert.deepEqual(await storeSnapshot(out), before);
});

test('a model file replaced since the study began is refused by its sha256', async () => {
  const own = join(dir, 'replaced');
  const [path] = tinyModels(dir, ['linear'], 3);
  const small = tinyConfig([path!, models[1]!], { attacks: [], clever: undefined, transfer: undefined, dataset: { name: 'synthetic', count: 4, heldOut: 100 } });
  await runStudy(small, { out: own });
  writeFileSync(path!, encodeModel(zooArchitecture('linear').build(4)));
  await assert.rejects(runStudy(small, { out: own }), /changed since .* was started \(sha256/);
});

test('correct-for-all attacks only the examples every model classifies correctly', async () => {
  const all = join(dir, 'all');
  await runStudy(tinyConfig(models, { dataset: { name: 'synthetic', count: 24, sampling: 'correct-for-all', heldOut: 100 }, clever: undefined, transfer: undefined }), { out: all });
  const store = await openStudyStore(all);
  try {
    const clean = await store.cleanRows();
    const everywhere = new Set(clean.filter((r) => r.correct).map((r) => r.itemId).filter((id) => clean.filter((c) => c.itemId === id).every((c) => c.correct)));
    const attacked = new Map<string, string[]>();
    for (const r of await store.attackRows()) attacked.set(`${r.modelSha256} ${r.method} ${r.settings}`, [...(attacked.get(`${r.modelSha256} ${r.method} ${r.settings}`) ?? []), r.itemId]);
    for (const items of attacked.values()) assert.deepEqual(new Set(items), everywhere);
  } finally {
    await store.close();
  }
});

test('dataset.attacked: each model is attacked on its first N correctly classified examples, in sample order', async () => {
  const capped = join(dir, 'capped');
  await runStudy(tinyConfig(models, { dataset: { name: 'synthetic', count: 60, attacked: 3, heldOut: 100 }, shardSize: 2, clever: undefined, transfer: undefined, attacks: [{ attack: 'fgsm' }] }), { out: capped });
  const store = await openStudyStore(capped);
  try {
    const order = new Map((await store.items()).map((i) => [i.itemId, i.position]));
    const clean = await store.cleanRows();
    for (const m of await store.models()) {
      const firstCorrect = clean.filter((r) => r.modelSha256 === m.sha256 && r.correct).map((r) => r.itemId).sort((a, b) => order.get(a)! - order.get(b)!).slice(0, 3);
      const attacked = (await store.attackRows({ modelSha256: m.sha256 })).map((r) => r.itemId).sort((a, b) => order.get(a)! - order.get(b)!);
      assert.deepEqual(attacked, firstCorrect, m.name);
    }
  } finally {
    await store.close();
  }
});

test('transfer between models of different input sizes adapts the images and records how', async () => {
  const mixed = join(dir, 'mixed');
  const pair = [models[0]!, linearModel(dir, 16)];
  // Untrained models get about one example in ten right: enough examples that some are right for both.
  await runStudy(tinyConfig(pair, { attacks: [{ attack: 'fgsm', set: { eps: 0.3 } }], clever: undefined, dataset: { name: 'synthetic', count: 300, heldOut: 100 }, shardSize: 100 }), { out: mixed });
  const store = await openStudyStore(mixed);
  try {
    const transfer = await store.transferRows();
    const evaluated = transfer.filter((r) => r.predicted !== null);
    // Every successful source example whose target classifies its clean image correctly was evaluated.
    const clean = await store.cleanRows();
    const attacks = await store.attackRows();
    const expected = attacks.filter((a) => a.status === 'success').flatMap((a) => clean.filter((c) => c.modelSha256 !== a.modelSha256 && c.itemId === a.itemId && c.correct));
    assert.equal(evaluated.length, expected.length);
    assert.ok(evaluated.length >= 1, 'some images reached the other model, so the adaptation below is checked');
    assert.ok(evaluated.every((r) => /resize (32x32 -> 16x16|16x16 -> 32x32)/.test(r.adaptation)), evaluated.map((r) => r.adaptation).join('; '));
  } finally {
    await store.close();
  }
});

test('study status reads a finished store', async () => {
  const status = await studyStatus(out);
  assert.equal(status.state, 'complete');
  assert.equal(status.pid, null);
  assert.equal(status.units.done, status.units.total);
  const store = await openStudyStore(out);
  try {
    assert.deepEqual(
      [status.phases.clean.rows, status.phases.accuracy.rows, status.phases.attack.rows, status.phases.clever.rows, status.phases.transfer.rows],
      [(await store.cleanRows()).length, (await store.accuracyRows()).length, (await store.attackRows()).length, (await store.cleverRows()).length, (await store.transferRows()).length],
    );
  } finally {
    await store.close();
  }
  assert.ok(status.lastUpdate !== null);
});

test('a model whose gradients do not compile stops the study before any unit runs, naming the model, node and op', async () => {
  const own = join(dir, 'blocked');
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 3, 8, 8]);
  const w = b.constFloat('W', [10, 192], Array.from({ length: 1920 }, (_, i) => Math.sin(i)));
  b.node('Gemm', [b.op('Atan', [b.op('Flatten', [x], { axis: 1 })], {}, 'squash'), w], { transB: 1 }, { outputs: ['logits'] });
  b.output('logits', ['N', 10]);
  const path = join(dir, 'atan.onnx');
  writeFileSync(path, encodeModel(modelOf(b.graph)));
  await assert.rejects(runStudy(tinyConfig([path], { clever: undefined, transfer: undefined, dataset: { name: 'synthetic', count: 4 } }), { out: own }),
    (err: unknown) => err instanceof UserError && err.message.includes(path) && /node 'squash' \(Atan\)/.test(err.message));
  await assert.rejects(openStudyStore(own), /study.sqlite not found/, 'nothing was stored');
});
