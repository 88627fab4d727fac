import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { UserError } from '../../../src/core/errors.js';
import type { AccuracyRow, AttackRow, BudgetRow, CleanRow, ModelRow, UnitRow } from '../../../src/records/records.js';
import { FORMAT } from '../../../src/study/store/schema.js';
import { openStore } from '../../../src/study/store/open-store.js';
import type { StudyStore } from '../../../src/study/store/study-store.js';
import { freshDatabase, testPostgres } from '../../helpers/postgres.js';
import { tempDir } from '../helpers.js';

/** Both engines behind the one store interface: the same rows in, the same rows out, the same refusals. */

const server = await testPostgres();
const skip = 'skip' in server ? server.skip : undefined;
if (skip) process.stderr.write(`# PostgreSQL store tests skipped: ${skip}\n`);
const dir = tempDir('rs-stores-');
after(() => rmSync(dir, { recursive: true, force: true }));

const stamp = { toolVersion: '0.0.0', createdAt: '2026-01-01T00:00:00.000Z' };
const model: ModelRow = { name: 'zoo:x', sha256: 'a'.repeat(64), family: 'f', parameters: 2 ** 40, flopsPerImage: 12345678901, inputShape: [3, 32, 32], numClasses: 10, depth: 7, identity: 'b'.repeat(64), ...stamp };
const clean: CleanRow[] = [true, false].map((correct, i) => ({ modelSha256: model.sha256, itemId: `test:${i}`, method: 'clean', settings: '{}', seed: 7, label: i, predicted: correct ? i : 9, correct, inTop5: true, ...stamp }));
const attack: AttackRow = {
  modelSha256: model.sha256, itemId: 'test:0', method: 'fgsm', settings: '{"eps":0.1}', seed: 7, attack: 'fgsm', targetKind: 'untargeted', label: 0, target: null,
  status: 'success', predicted: 3, l0: 3072, l1: 1.5e-7, l2: Infinity, linf: 0.1, eps: null, c: null, iterations: 1, gradientCalls: 1, forwardCalls: 2, timeMs: 0.25,
  adversarial: Float32Array.from([0, -0, 1.5, 1e-38, 3.4e38, -2.5]), ...stamp,
};
const heldOut: AccuracyRow = {
  modelSha256: model.sha256, itemId: 'synthetic:test[0,1000)', method: 'accuracy', settings: '{}', seed: 7, start: 0, end: 1000, evaluated: 1000, correct: 987, inTop5: 999, ...stamp,
};
const { adversarial: _image, ...attackColumns } = attack;
const budget: BudgetRow = { ...attackColumns, method: 'pgd', attack: 'pgd', settings: '{"iterations":40}', baseSettings: '{"iterations":10}', factor: 4, ...stamp };
const unit = (id: string, rows: number): UnitRow => ({ id, phase: 'clean', model: model.name, method: 'clean', settings: '{}', shard: 0, rows, timeMs: 1.5, failure: null, ...stamp });

async function exercise(store: StudyStore): Promise<unknown> {
  await store.putMeta({ config: '{"a":1}', toolVersion: '0.0.0' });
  await store.putItems([{ position: 0, index: 17, itemId: 'test:0', classId: 'cat' }]);
  await store.putModels([model]);
  assert.equal(await store.commitUnit(unit('clean-0', 2), { phase: 'clean', rows: clean }), true);
  assert.equal(await store.commitUnit(unit('clean-0', 2), { phase: 'clean', rows: clean }), false, 'a unit stored twice is stored once');
  assert.equal(await store.commitUnit(unit('attack-0', 1), { phase: 'attack', rows: [attack] }), true);
  assert.equal(await store.commitUnit(unit('accuracy-0', 1), { phase: 'accuracy', rows: [heldOut] }), true);
  // A failing commit (a duplicate row under a new unit) stores neither its rows nor its marker.
  await assert.rejects(store.commitUnit(unit('attack-1', 1), { phase: 'attack', rows: [attack] }));
  // Budget-check rows go to a table of their own: never among the attack rows.
  assert.equal(await store.commitUnit({ ...unit('budget-0', 1), phase: 'budget' }, { phase: 'budget', rows: [budget] }), true);
  return {
    meta: [await store.meta('config'), await store.meta('nothing')],
    items: await store.items(),
    models: await store.models(),
    units: (await store.units()).map((u) => u.id),
    clean: await store.cleanRows(),
    accuracy: await store.accuracyRows(),
    attacks: await store.attackRows({ images: true }),
    withoutImages: (await store.attackRows({ itemIds: ['test:0'] })).map((r) => r.adversarial),
    none: await store.attackRows({ itemIds: [] }),
    budget: await store.budgetRows(),
    counts: await store.rowCounts(),
  };
}

test('the SQLite and the PostgreSQL store give back exactly what they were given, alike', { skip }, async () => {
  const sqlite = await openStore(join(dir, 'sqlite'), { create: true });
  const db = await freshDatabase((server as { url: string }).url);
  const postgres = await openStore(db.url, { create: true });
  try {
    const fromSqlite = await exercise(sqlite);
    const fromPostgres = await exercise(postgres);
    assert.deepEqual(fromPostgres, fromSqlite);
    const read = fromPostgres as { models: ModelRow[]; attacks: AttackRow[]; accuracy: AccuracyRow[]; budget: BudgetRow[]; counts: Record<string, number> };
    assert.deepEqual(read.models, [{ ...model, top1: 0.5 }]);
    assert.deepEqual(read.attacks, [attack]);
    assert.deepEqual(read.accuracy, [heldOut]);
    assert.deepEqual(read.budget, [budget]);
    assert.deepEqual(read.counts, { clean: 2, accuracy: 1, attack: 1, clever: 0, transfer: 0, budget: 1 });
  } finally {
    await sqlite.close();
    await postgres.close();
    await db.drop();
  }
});

test('a database without a study, or with a store of another format, is refused by name', { skip }, async () => {
  const db = await freshDatabase((server as { url: string }).url);
  try {
    await assert.rejects(openStore(db.url, { create: false }), (err: unknown) => err instanceof UserError && /no study in this database/.test(err.message));
    await (await openStore(db.url, { create: true })).close();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("UPDATE robustscope.meta SET value = '99' WHERE key = 'format'");
    await client.end();
    await assert.rejects(openStore(db.url, { create: false }), (err: unknown) => err instanceof UserError && new RegExp(`format 99; this robustscope reads format ${FORMAT}`).test(err.message));
  } finally {
    await db.drop();
  }
  const nowhere = 'postgres://nobody@127.0.0.1:1/none';
  await assert.rejects(openStore(nowhere, { create: false }), (err: unknown) => err instanceof UserError && err.message.startsWith('postgres://nobody@127.0.0.1:1/none: cannot open the study store'));
});
