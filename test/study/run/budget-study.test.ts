import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { quantileInterval } from '../../../src/analysis/stats.js';
import { exampleRng } from '../../../src/core/rng.js';
import { canonicalJson } from '../../../src/records/canonical-json.js';
import type { AttackRow, BudgetRow } from '../../../src/records/records.js';
import { runStudy } from '../../../src/study/run/runner.js';
import { reportStudy } from '../../../src/study/run/report-study.js';
import { openStudyStore } from '../../../src/study/store/open-store.js';
import type { Table } from '../../../src/report/table.js';
import { storeSnapshot, tempDir, tinyConfig, tinyModels } from '../helpers.js';

const dir = tempDir('rs-budget-');
after(() => rmSync(dir, { recursive: true, force: true }));
const models = tinyModels(dir);
const COUNT = 3;
const config = tinyConfig(models, {
  dataset: { name: 'synthetic', count: 40, heldOut: 100 },
  attacks: [
    { attack: 'fgsm', set: { eps: 0.1 } },
    { id: 'ifgsm', attack: 'paper-ifgsm-search', set: { iterations: 3, attempts: 3 }, targets: ['untargeted', 'random'] },
    // Attacks only the first 4 examples kept per model: the subsample is drawn among those.
    { id: 'cw', attack: 'paper-cw', set: { iterations: 8, binarySteps: 2 }, count: 4 },
  ],
  clever: undefined,
  transfer: undefined,
  budgetCheck: { count: COUNT },
});
const out = join(dir, 'run');

/** p-quantile with linear interpolation between order statistics (numpy's default, as the report states). */
function quantile(sorted: number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  return sorted[lo]! + (at - lo) * ((sorted[Math.ceil(at)] ?? sorted[lo]!) - sorted[lo]!);
}

const readTable = (id: string) => JSON.parse(readFileSync(join(out, 'tables', `${id}.json`), 'utf8')) as Table;

test('budgetCheck: a seeded subsample of each attack setting with a budget is re-run at 4x into its own rows; the attack tables never see them; the report compares them', async () => {
  const result = await runStudy(config, { out });
  assert.equal(result.status.state, 'complete');
  const store = await openStudyStore(out);
  let attacks: AttackRow[];
  let budget: BudgetRow[];
  let storedModels: { name: string; sha256: string }[];
  try {
    storedModels = await store.models();
    attacks = await store.attackRows();
    budget = await store.budgetRows();
    assert.equal((await store.rowCounts()).budget, budget.length);
  } finally {
    await store.close();
  }
  const shas = [...new Set(attacks.map((r) => r.modelSha256))];
  const shaByName = new Map(storedModels.map((m) => [m.name, m.sha256]));
  assert.equal(shas.length, 3);
  const baseSettings = [...new Set(attacks.map((r) => r.settings))];
  assert.equal(baseSettings.length, 4, 'FGSM, I-FGSM search x 2 target kinds, C&W');
  assert.ok(budget.every((r) => r.method !== 'fgsm'), 'FGSM has no budget to check');
  assert.ok(attacks.every((r) => !budget.some((b) => b.settings === r.settings)), 'no attack row carries a larger budget');

  let compared = 0;
  for (const sha of shas) {
    for (const settings of baseSettings) {
      const base = attacks.filter((r) => r.modelSha256 === sha && r.settings === settings);
      const mine = budget.filter((r) => r.modelSha256 === sha && r.baseSettings === settings);
      if (base[0]!.method === 'fgsm') continue;
      // The subsample: the COUNT attacked examples whose per-example stream draws the smallest numbers.
      const draws = base.map((r) => ({ id: r.itemId, u: exampleRng(7, r.itemId, 'budget-check').uniform() })).sort((a, b) => a.u - b.u);
      const expected = draws.slice(0, COUNT).map((d) => d.id).sort();
      assert.deepEqual(mine.map((r) => r.itemId).sort(), expected, `${base[0]!.method} ${settings} on ${sha.slice(0, 8)}`);
      if (base[0]!.method === 'paper-cw') assert.ok(base.length <= 4);
      const params = JSON.parse(settings) as Record<string, unknown>;
      const scaled = base[0]!.attack === 'cw-l2'
        ? { ...params, iterations: 16, binarySteps: 4 }
        : { ...params, iterations: 6, attempts: 6 };
      for (const row of mine) {
        assert.equal(row.settings, canonicalJson(scaled), 'twice the steps on both axes of a search');
        assert.equal(row.factor, 4);
        assert.equal(row.seed, 7);
        const own = base.find((r) => r.itemId === row.itemId)!;
        assert.equal(row.label, own.label);
        assert.equal(row.target, own.target, 'the same seeded target as the base row');
        compared++;
      }
    }
  }
  assert.ok(compared >= 3 * 3, `${compared} budget rows checked`);

  await reportStudy(out);
  // The attack table counts the attack rows alone.
  const attackTable = readTable('attacks');
  assert.equal(attackTable.rows.reduce((n, r) => n + (r.attempted as number), 0), attacks.length);

  // The budget table, recomputed from the rows: per setting and model, the base distortion over the 4x one.
  const normOf = (r: AttackRow | BudgetRow) => (r.attack === 'cw-l2' ? 'l2' : 'linf');
  const table = readTable('budget-adequacy');
  assert.equal(table.rows.length, 3 * 3, 'I-FGSM x 2 target kinds and C&W, per model');
  let withRatios = 0;
  // The ratios and verdict of a set of budget rows, recomputed from the store.
  const judge = (rows: readonly BudgetRow[], settings: string) => {
    const pairs = rows.map((b) => ({ larger: b, base: attacks.find((a) => a.modelSha256 === b.modelSha256 && a.itemId === b.itemId && a.settings === settings)! }));
    const norm = normOf(pairs[0]!.base);
    const ratios = pairs
      .filter((p) => p.base.status === 'success' && p.larger.status === 'success')
      .map((p) => (p.base[norm] === p.larger[norm] ? 1 : p.base[norm]! / p.larger[norm]!))
      .sort((x, y) => x - y);
    const gained = pairs.filter((p) => p.base.status !== 'success' && p.larger.status === 'success').length;
    const lost = pairs.filter((p) => p.base.status === 'success' && p.larger.status !== 'success').length;
    const none = ratios.length === 0;
    const verdict = gained > 0 ? 'falls short' : none ? 'unassessed' : quantile(ratios, 0.5) <= 1.01 && quantile(ratios, 0.9) <= 1.05 ? 'meets' : 'falls short';
    const cells = [pairs.length, ratios.length, none ? null : quantile(ratios, 0.5), none ? null : quantile(ratios, 0.9), none ? null : ratios.at(-1), gained, lost, norm === 'l2' ? 'L2' : 'L∞', verdict];
    return { ratios, cells };
  };
  const cellsOf = (row: Record<string, unknown>) => [row.checked, row.compared, row.medianRatio, row.p90Ratio, row.maxRatio, row.gained, row.lost, row.norm, row.verdict];
  for (const row of table.rows) {
    const settings = canonicalJson(JSON.parse(row.settings as string));
    const sha = shaByName.get(row.model as string)!;
    const { ratios, cells } = judge(budget.filter((b) => b.modelSha256 === sha && b.baseSettings === settings), settings);
    assert.deepEqual(cellsOf(row), cells, `${row.setting} on ${row.model}`);
    if (ratios.length > 0) withRatios++;
  }
  assert.ok(withRatios > 0, 'some ratios were measured');
  // Per setting, over every model's rows, with the quantiles' distribution-free intervals.
  const pooled = readTable('budget-adequacy-settings');
  assert.equal(pooled.rows.length, 3, 'I-FGSM x 2 target kinds and C&W');
  for (const row of pooled.rows) {
    const settings = canonicalJson(JSON.parse(row.settings as string));
    const { ratios, cells } = judge(budget.filter((b) => b.baseSettings === settings), settings);
    assert.deepEqual(cellsOf(row), cells, row.setting as string);
    assert.equal(row.models, shas.length);
    const [median, p90] = [quantileInterval(ratios, 0.5), quantileInterval(ratios, 0.9)];
    assert.deepEqual([row.medianLow, row.medianHigh, row.p90Low, row.p90High], [median.low, median.high, p90.low, p90.high].map((v) => v ?? null));
  }
  // The sentence names the settings that meet the rule over all examples and on every model, from the same verdicts.
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { sections: { id: string; blocks: { kind: string; text?: string }[] }[] };
  const sentence = report.sections.find((x) => x.id === 'budget')!.blocks[0]!.text!;
  const meetingPooled = pooled.rows.filter((r) => r.verdict === 'meets').map((r) => r.setting as string);
  if (meetingPooled.length > 0) assert.ok(sentence.includes(`Over all models' examples, meet the rule: ${meetingPooled.join('; ')}.`), sentence);
  for (const row of pooled.rows.filter((r) => r.verdict === 'falls short')) {
    // Named with what fails the rule first, and for a ratio with its interval and whether that clears the rule.
    const change = (v: unknown) => (v === null ? '—' : `${(v as number) < 1 ? '−' : '+'}${Math.abs(((v as number) - 1) * 100).toFixed(2)}%`);
    const [name, low, high, limit] = (row.medianRatio as number) > 1.01 ? ['median', row.medianLow, row.medianHigh, 1.01] : ['p90', row.p90Low, row.p90High, 1.05];
    const why = (row.gained as number) > 0
      ? `${row.gained} success`
      : `${name} ${change(row[`${name}Ratio`])}, 95% interval ${change(low)} to ${change(high)}, ${low !== null && (low as number) > limit ? 'above' : 'which includes'} the rule's ${change(limit)})`;
    assert.ok(sentence.includes(`${row.setting} (${why}`), `${row.setting} falls short: ${sentence}`);
    assert.ok(sentence.includes('the distance to the reference minima (next section)'), 'a setting that falls short points to the reference minima');
  }
  if (!pooled.rows.some((r) => r.verdict === 'falls short')) assert.ok(!sentence.includes('reference minima'), sentence);
  // Per model, the count of models meeting it, from the per-model verdicts.
  for (const label of new Set(table.rows.map((r) => r.setting as string))) {
    const rows = table.rows.filter((r) => r.setting === label);
    const meets = rows.filter((r) => r.verdict === 'meets').length;
    assert.ok(sentence.includes(`${label} meets it on ${meets} of ${rows.length} model`), `${label}: ${sentence}`);
  }
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /Budget adequacy/);

  // Reference minima: per example, the smallest distortion of any minimal-distortion setting (not FGSM's fixed budget).
  const reference = readTable('reference-minima');
  assert.equal(reference.rows.length, 3 * 3);
  // What the table over all models must say of each setting: the union of its models' examples.
  const union = new Map<string, { models: number; examples: number; within: number; missed: number; ratios: number[] }>();
  for (const row of reference.rows) {
    const settings = canonicalJson(JSON.parse(row.settings as string));
    const sha = shaByName.get(row.model as string)!;
    const norm = row.norm === 'L2' ? 'l2' : 'linf';
    const mine = attacks.filter((r) => r.modelSha256 === sha && r.settings === settings);
    let examples = 0;
    let within = 0;
    let missed = 0;
    const ratios: number[] = [];
    for (const attempt of mine) {
      const found = attacks.filter((r) => r.modelSha256 === sha && r.itemId === attempt.itemId && r.targetKind === attempt.targetKind && r.method !== 'fgsm' && r.status === 'success');
      if (found.length === 0) continue;
      const best = Math.min(...found.map((r) => r[norm]!));
      examples++;
      if (attempt.status !== 'success') missed++;
      else {
        const ratio = attempt[norm] === best ? 1 : attempt[norm]! / best;
        ratios.push(ratio);
        if (ratio <= 1.01) within++;
      }
    }
    ratios.sort((x, y) => x - y);
    const all = union.get(row.setting as string) ?? { models: 0, examples: 0, within: 0, missed: 0, ratios: [] };
    union.set(row.setting as string, { models: all.models + 1, examples: all.examples + examples, within: all.within + within, missed: all.missed + missed, ratios: [...all.ratios, ...ratios] });
    assert.deepEqual(
      [row.examples, row.compared, row.medianRatio, row.within, row.missed],
      [examples, ratios.length, ratios.length ? quantile(ratios, 0.5) : null, { numerator: within, denominator: examples }, { numerator: missed, denominator: examples }],
      `${row.setting} on ${row.model}`,
    );
  }
  const perSetting = readTable('reference-minima-settings');
  assert.deepEqual(perSetting.rows.map((r) => r.setting), [...union.keys()], 'a row per setting, in the order of the table per model');
  for (const row of perSetting.rows) {
    const { models, examples, within, missed, ratios } = union.get(row.setting as string)!;
    ratios.sort((x, y) => x - y);
    const interval = quantileInterval(ratios, 0.5);
    assert.deepEqual(
      [row.models, row.examples, row.compared, row.medianRatio, row.p90Ratio, row.medianLow, row.medianHigh, row.within, row.missed],
      [models, examples, ratios.length, quantile(ratios, 0.5), quantile(ratios, 0.9), interval.low ?? null, interval.high ?? null, { numerator: within, denominator: examples }, { numerator: missed, denominator: examples }],
      `${row.setting} over all models`,
    );
  }
});

test('a second run computes nothing: the budget units resume like any other', async () => {
  const again = await runStudy(config, { out });
  assert.equal(again.computed, 0);
  assert.equal(again.status.state, 'complete');
  assert.equal(again.status.phases.budget.done, again.status.phases.budget.units);
  assert.ok(again.status.phases.budget.rows > 0);
});

test('--jobs 2 (worker processes) stores exactly the budget rows of an in-process run', async () => {
  const pooled = join(dir, 'jobs2');
  await runStudy(config, { out: pooled, jobs: 2 });
  assert.deepEqual(await storeSnapshot(pooled), await storeSnapshot(out));
});
