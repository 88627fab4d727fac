import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { aggregateRecords } from '../../src/analysis/aggregate.js';
import { paretoFrontier } from '../../src/analysis/pareto.js';
import { fitScalingLaw, scalingLaws } from '../../src/analysis/scaling-law.js';
import { meanStd } from '../../src/analysis/stats.js';
import { wilsonInterval } from '../../src/analysis/proportion.js';
import type { AccuracyRow } from '../../src/records/records.js';
import { UserError } from '../../src/core/errors.js';
import { toCsv } from '../../src/report/csv.js';
import { formatChange, formatInterval } from '../../src/report/format.js';
import { chartElementId, renderHtml } from '../../src/report/html.js';
import { buildReport, chartsOf, type ReportData } from '../../src/report/report-model.js';
import { equation } from '../../src/report/sections/scaling.js';
import { catalogSettings, groupingSettings } from '../../src/report/settings.js';
import type { Cell, Table } from '../../src/report/table.js';
import { writeReport } from '../../src/report/write-report.js';
import { attack, CW, smallStudy } from './rows.js';

const close = (a: Cell | undefined, b: number, tol = 1e-12) => assert.ok(typeof a === 'number' && Math.abs(a - b) <= tol, `${String(a)} vs ${b}`);

function tableOf(report: ReturnType<typeof buildReport>, id: string): Table {
  const t = report.tables.find((x) => x.id === id);
  assert.ok(t, `no table ${id}; tables: ${report.tables.map((x) => x.id).join(', ')}`);
  return t;
}

/** The rows of a table whose `key` columns equal the given values. */
function rowsWhere(t: Table, where: Record<string, Cell>) {
  return t.rows.filter((r) => Object.entries(where).every(([k, v]) => r[k] === v));
}

function rowWhere(t: Table, where: Record<string, Cell>) {
  const rows = rowsWhere(t, where);
  assert.equal(rows.length, 1, `${t.id}: ${rows.length} rows match ${JSON.stringify(where)}`);
  return rows[0]!;
}

const CW_LABEL = 'paper-cw · untargeted';
const IFGSM_LABEL = 'paper-ifgsm-search · untargeted';
/** Clean top-1 error of the small study's models (1 - correct / 10, as the report computes it): ln of it is the scaling law's x. */
const ERROR: Record<string, number> = { 'a-small': 1 - 9 / 10, 'a-large': 1 - 8 / 10, 'b-small': 1 - 7 / 10, 'b-large': 1 - 6 / 10 };

describe('buildReport', () => {
  const data = smallStudy();
  const report = buildReport(data);

  it('lists the models grouped by family, with clean accuracy from the clean rows and mean CLEVER scores', () => {
    const models = tableOf(report, 'models');
    assert.deepEqual(
      models.rows.map((r) => [r.model, r.family, r.cleanEvaluated, r.cleanCorrect]),
      [
        ['a-small', 'Alpha', 10, 9],
        ['a-large', 'Alpha', 10, 8],
        ['b-small', 'Beta', 10, 7],
        ['b-large', 'Beta', 10, 6],
      ],
    );
    for (const r of models.rows) close(r.accuracy, 1 - ERROR[r.model as string]!);
    const cleverKey = models.columns.find((c) => c.key.startsWith('clever_mean_'))!.key;
    assert.deepEqual(
      models.rows.map((r) => r[cleverKey]),
      [0.5, 0.35, (0.2 + 0.1) / 2, null],
    );
  });

  it('counts success over all attempts (non-finite ones included) and averages distortions over successes only', () => {
    const attacks = tableOf(report, 'attacks');
    const aSmall = rowWhere(attacks, { setting: CW_LABEL, model: 'a-small' });
    assert.deepEqual([aSmall.attempted, aSmall.succeeded, aSmall.successRate, aSmall.nonFinite], [4, 2, 0.5, 1]);
    close(aSmall.l2Mean, 1.5);
    close(aSmall.l2Std, 0.5);
    close(aSmall.linfMean, 0.2);
    close(aSmall.l1Mean, 15);
    close(aSmall.l0Mean, 150);
    const expected: [string, string, number, number, number][] = [
      [CW_LABEL, 'a-large', 3, 0.75, 1.0],
      [CW_LABEL, 'b-small', 2, 0.5, 0.6],
      [CW_LABEL, 'b-large', 1, 0.25, 0.3],
      [IFGSM_LABEL, 'a-small', 2, 1, 4],
      [IFGSM_LABEL, 'b-small', 2, 1, 1.25],
    ];
    for (const [setting, model, succeeded, rate, l2] of expected) {
      const r = rowWhere(attacks, { setting, model });
      assert.equal(r.succeeded, succeeded);
      assert.equal(r.successRate, rate);
      close(r.l2Mean, l2);
    }
    assert.equal(rowsWhere(attacks, { setting: IFGSM_LABEL, model: 'b-large' }).length, 0, 'no rows, no line');
    assert.deepEqual([...new Set(attacks.rows.map((r) => r.setting))], [CW_LABEL, IFGSM_LABEL]);

    // A failed row's distortion fields, whatever they hold, never reach a mean.
    const noisy: ReportData = { ...data, attacks: data.attacks.map((r) => (r.status === 'success' ? r : { ...r, l0: 1e6, l1: 1e5, l2: 100, linf: 1 })) };
    assert.deepEqual(tableOf(buildReport(noisy), 'attacks').rows, attacks.rows);
  });

  it("shows each model's mean cost per attempted example under every attack setting", () => {
    const costly: ReportData = { ...data, attacks: data.attacks.map((r, i) => ({ ...r, gradientCalls: 10 * (i + 1), forwardCalls: i, timeMs: 1000 * i })) };
    const attacks = tableOf(buildReport(costly), 'attacks');
    const rows = costly.attacks.filter((r) => r.method === CW.method && r.modelSha256 === 'sha-a-small');
    const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
    const r = rowWhere(attacks, { setting: CW_LABEL, model: 'a-small' });
    assert.equal(rows.length, 4);
    close(r.gradientCalls, mean((row) => row.gradientCalls));
    close(r.forwardCalls, mean((row) => row.forwardCalls));
    close(r.seconds, mean((row) => row.timeMs / 1000));
    assert.ok(!attacks.columns.find((c) => c.key === 'gradientCalls')!.exportOnly);
  });

  it('shows the scaling laws (median and mean) that fitScalingLaw and scalingLaws compute, equation and intervals included', () => {
    const fits = tableOf(report, 'scaling-laws');
    const MEAN = 'mean over successes';
    const points = (l2: Record<string, number>) => Object.entries(l2).map(([model, distortion]) => ({ model: `sha-${model}`, top1Error: ERROR[model]!, distortion }));
    const cwL2 = fitScalingLaw(points({ 'a-small': 1.5, 'a-large': 1.0, 'b-small': 0.6, 'b-large': 0.3 }), { seed: 7 });
    const cwLinf = fitScalingLaw(points({ 'a-small': 0.2, 'a-large': 0.1, 'b-small': 0.06, 'b-large': 0.02 }), { seed: 7 });
    const ifgsmL2 = fitScalingLaw(points({ 'a-small': 4, 'a-large': 2, 'b-small': 1.25 }), { seed: 7 });
    for (const [setting, norm, law] of [[CW_LABEL, 'L2', cwL2], [CW_LABEL, 'L∞', cwLinf], [IFGSM_LABEL, 'L2', ifgsmL2]] as const) {
      const r = rowWhere(fits, { setting, norm, statistic: MEAN });
      assert.equal(r.models, law.models.length);
      close(r.slope, law.slope);
      close(r.intercept, law.intercept);
      close(r.r2, law.r2);
    }
    assert.ok((cwL2.slope as number) < 0, 'more accurate models need more distortion in this study');

    // Medians count failures as +∞: three C&W models failed on half or more of their examples, so no median line.
    const cwMedian = rowWhere(fits, { setting: CW_LABEL, norm: 'L2', statistic: 'median' });
    assert.equal(cwMedian.models, 0);
    assert.equal(cwMedian.excluded, 'a-small, b-small, b-large (median ∞)', 'one reason, said once');
    // Every I-FGSM attempt succeeded: its medians are its models' middle values (here equal to the means).
    close(rowWhere(fits, { setting: IFGSM_LABEL, norm: 'L2', statistic: 'median' }).slope, ifgsmL2.slope, 1e-9);

    // The mean intervals are scalingLaws' on the same aggregates, seeded with the rows' seed.
    const cwRows = data.attacks.filter((r) => r.method === CW.method);
    const aggregates = aggregateRecords(
      cwRows.map((r) => ({
        model: r.modelSha256,
        attack: r.method,
        settings: groupingSettings({ method: r.method, params: JSON.parse(r.settings) as Record<string, unknown>, targetKind: r.targetKind }),
        success: r.status === 'success',
        l0: r.l0,
        l1: r.l1,
        l2: r.l2,
        linf: r.linf,
      })),
    );
    const [l2Entry, linfEntry] = scalingLaws(aggregates, new Map(Object.entries(ERROR).map(([m, e]) => [`sha-${m}`, e])), { seed: 7, resamples: 2000, level: 0.95 });
    for (const [norm, entry] of [['L2', l2Entry!], ['L∞', linfEntry!]] as const) {
      const r = rowWhere(fits, { setting: CW_LABEL, norm, statistic: MEAN });
      const law = entry.law!;
      assert.deepEqual([r.slopeLow, r.slopeHigh, r.interceptLow, r.interceptHigh, r.r2Low, r.r2High], [...law.ci.slope, ...law.ci.intercept, ...law.ci.r2]);
      assert.equal(r.resamples, law.resamples);
    }
    const line = equation('l2', l2Entry!.law!);
    assert.match(line, /^mean L2 = -0\.861 × ln\(top-1 error\) - 0\.448, R² = 0\.992$/);

    // The page shows the median fit with the mean fit beside it, rounded.
    const chart = chartsOf(report).find((c) => c.id.startsWith('scaling-') && c.id.endsWith('-l2') && c.title.includes('paper-ifgsm-search'))!;
    const medianLine = (chart.option.title as { subtext: string }).subtext;
    assert.match(medianLine, /^median L2 = .* × ln\(top-1 error\)/);
    assert.ok(chart.notes.some((n) => n.startsWith('Mean fit: mean L2 = ')), chart.notes.join(' | '));
    assert.equal(chartsOf(report).filter((c) => c.id.startsWith('scaling-') && c.title.includes('paper-cw')).length, 0, 'no median line, no chart');
    const html = renderHtml(report, '/* library */');
    const ifgsmMean = rowWhere(fits, { setting: IFGSM_LABEL, norm: 'L2', statistic: MEAN });
    const meanInterval = formatInterval([ifgsmMean.slopeLow as number, ifgsmMean.slopeHigh as number]);
    assert.ok(chart.notes.some((n) => n.startsWith('Mean fit') && n.includes(`slope ${meanInterval}`)), `${meanInterval} in ${chart.notes.join(' | ')}`);
    assert.ok(html.includes(meanInterval));
    assert.ok(html.includes(JSON.stringify(medianLine).slice(1, -1)), 'the equation is in the chart data');
  });

  it('marks the accuracy-robustness frontier of median distortions as paretoFrontier does', () => {
    const pareto = tableOf(report, 'pareto');
    const l2 = rowsWhere(pareto, { setting: IFGSM_LABEL, norm: 'L2' });
    const expected = paretoFrontier(l2.map((r) => ({ model: r.model as string, accuracy: r.accuracy as number, distortion: r.distortion as number })));
    assert.deepEqual(
      l2.map((r) => [r.model, r.onFrontier, r.dominatedBy]),
      expected.map((p) => [p.model, p.onFrontier, p.dominatedBy.join('; ')]),
    );
    assert.deepEqual(l2.map((r) => [r.model, r.distortion]), [['a-small', 4], ['a-large', 2], ['b-small', 1.25]]);
    assert.deepEqual(l2.filter((r) => r.onFrontier).map((r) => r.model), ['a-small']);
    assert.deepEqual(rowsWhere(pareto, { setting: CW_LABEL, norm: 'L2' }).map((r) => r.model), ['a-large'], 'a median of ∞ has no point');
  });

  it('rates transfer over evaluated examples only and counts the excluded ones', () => {
    const summary = rowWhere(tableOf(report, 'transfer-summary'), { setting: CW_LABEL });
    assert.deepEqual(
      [summary.models, summary.pairs, summary.transferred, summary.evaluated, summary.rate, summary.sourceFailed, summary.targetMisclassifiesClean],
      [3, 3, 3, 6, 0.5, 2, 1],
    );
    const pairs = tableOf(report, 'transfer-pairs');
    const pair = (source: string, target: string) => {
      const r = rowWhere(pairs, { setting: CW_LABEL, source, target });
      return [r.transferred, r.evaluated, r.rate, r.sourceFailed, r.targetMisclassifiesClean];
    };
    assert.deepEqual(pair('a-small', 'a-large'), [1, 2, 0.5, 1, 0]);
    assert.deepEqual(pair('a-small', 'b-small'), [1, 1, 1, 0, 1]);
    assert.deepEqual(pair('b-small', 'a-small'), [1, 3, 1 / 3, 1, 0]);
    assert.equal(rowWhere(pairs, { setting: IFGSM_LABEL, source: 'b-small', target: 'a-small' }).evaluated, 0, 'only a failed source: nothing to rate');

    const matrix = report.tables.find((t) => t.id.startsWith('transfer-matrix-') && t.title.includes('paper-cw'))!;
    assert.deepEqual(
      matrix.rows.map((r) => [r.source, r['a-small'], r['a-large'], r['b-small']]),
      [
        ['a-small', null, { numerator: 1, denominator: 2 }, { numerator: 1, denominator: 1 }],
        ['a-large', null, null, null],
        ['b-small', { numerator: 1, denominator: 3 }, null, null],
      ],
    );
    assert.equal(toCsv(matrix).split('\r\n')[3], `b-small,Beta,${1 / 3},,`);

    const heatmap = chartsOf(report).find((c) => c.id.startsWith('transfer-') && c.title.includes('paper-cw'))!;
    const series = (heatmap.option.series as { data: { name: string; value: number[] }[] }[])[0]!;
    assert.deepEqual(
      series.data.map((d) => d.value),
      [
        [1, 0, 50],
        [2, 0, 100],
        [0, 2, 33.3],
      ],
      'off-diagonal cells with evaluated examples only, rates in %',
    );
    assert.equal(series.data[0]!.name, 'a-small → a-large\ntransferred 1 of 2 evaluated (50.0%)\nexcluded: 1 failed source attack, 0 examples the target misclassifies clean');
    assert.ok(heatmap.notes.some((n) => n.includes('2 failed source attacks, 1 example the target misclassifies clean')));
  });

  it('compares mean CLEVER L2 with mean C&W L2 per model', () => {
    const rows = tableOf(report, 'clever-vs-attack').rows;
    assert.deepEqual(
      rows.map((r) => [r.model, r.cleverMean, r.cleverExamples, r.attackL2Mean, r.attackSucceeded]),
      [
        ['a-small', 0.5, 2, 1.5, 2],
        ['a-large', 0.35, 1, 1, 3],
        ['b-small', 0.15000000000000002, 2, 0.6, 2],
      ],
    );
    const clever = rowWhere(tableOf(report, 'clever'), { model: 'a-small' });
    assert.deepEqual([clever.examples, clever.mean, clever.std, clever.fallbacks], [2, 0.5, 0.09999999999999998, 1]);
    assert.equal(chartsOf(report).filter((c) => c.id.startsWith('clever-')).length, 1);
  });

  it('writes CSV with a header of column keys, numbers at full precision and quoted text', () => {
    const lines = toCsv(tableOf(report, 'attacks')).split('\r\n');
    assert.equal(lines[0], 'setting,settings,model,family,attempted,succeeded,successRate,nonFinite,l2Median,l2MedianLow,l2MedianHigh,linfMedian,linfMedianLow,linfMedianHigh,l2Mean,l2Std,linfMean,linfStd,l1Mean,l1Std,l0Mean,l0Std,gradientCalls,forwardCalls,seconds');
    assert.match(lines[1]!, /,a-small,Alpha,4,2,0\.5,1,Infinity,/, 'a median of +∞ is written Infinity');
    const cwLarge = rowWhere(tableOf(report, 'attacks'), { setting: CW_LABEL, model: 'a-large' });
    close(cwLarge.l2Median, 1.1, 1e-12);
    close(cwLarge.linfMedian, 0.11, 1e-12);
    const expected = `${CW_LABEL},"{""c"":0.01,""kappa"":0,""target"":""untargeted""}",a-large,Alpha,4,3,0.75,0,1,${meanStd([0.8, 1.2, 1.0]).std},0.09999999999999999,0.01632993161855452,10,1.632993161855452,100,16.32993161855452,10,11,0.001`.split(',');
    const fields = lines[2]!.split(',');
    assert.deepEqual([...fields.slice(0, 10), ...fields.slice(16)], expected, 'means at full precision after the median columns (the medians: 1.1 = (1.0 + 1.2) / 2, the failure as +∞)');
    assert.equal(lines.at(-1), '', 'ends with a line break');
    assert.equal(lines.length, 1 + 7 + 1);
    const models = toCsv(tableOf(report, 'models')).split('\r\n');
    assert.match(models[4]!, /^b-large,Beta,sha-b-large,40000000,1600000000,8,,,0\.6,,,10,6,0,,0$/, 'a missing value is an empty field');
  });

  it('names settings by method and target kind, adding only the parameters that tell them apart', () => {
    const params = (kappa: number, target: string) => ({ c: 0.01, kappa, target });
    const labels = catalogSettings([
      { method: 'paper-cw', params: params(0, 'untargeted'), targetKind: 'untargeted' },
      { method: 'paper-cw', params: params(20, 'untargeted'), targetKind: 'untargeted' },
      { method: 'paper-cw', params: params(0, 'random'), targetKind: 'random' },
      { method: 'clever', params: { norm: '2' }, targetKind: 'top2', norm: '2' },
      { method: 'paper-cw', params: { target: 'untargeted', kappa: 0, c: 0.01 }, targetKind: 'untargeted' },
    ]).list.map((s) => [s.label, s.slug]);
    assert.deepEqual(labels, [
      ['paper-cw · untargeted · kappa=0', '1-paper-cw-untargeted-kappa-0'],
      ['paper-cw · untargeted · kappa=20', '2-paper-cw-untargeted-kappa-20'],
      ['paper-cw · random · kappa=0', '3-paper-cw-random-kappa-0'],
      ['CLEVER · L2 · top2', '4-clever-l2-top2'],
    ]);
  });

  it('is a pure function of the rows', () => {
    assert.deepEqual(buildReport(smallStudy()), report);
  });

  it('refuses rows of a model the store does not list, naming its hash', () => {
    const stray = { ...data, attacks: [...data.attacks, attack('ghost', CW, 0, 'failed')] };
    assert.throws(() => buildReport(stray), (e: unknown) => e instanceof UserError && /sha-ghost/.test(e.message));
  });

  it('reports an empty store without failing', () => {
    const empty = buildReport({ models: [], clean: [], attacks: [], clever: [], transfer: [], toolVersion: '0.1.0' });
    assert.equal(chartsOf(empty).length, 0);
    assert.ok(renderHtml(empty, '').includes('The store holds no attack rows.'));
  });
});

describe('held-out accuracy, findings and links', () => {
  const base = smallStudy();
  const heldOut = (name: string, correct: number, evaluated = 5000): AccuracyRow => ({
    toolVersion: '0.1.0-test', createdAt: '2025-01-02T03:04:05.000Z', modelSha256: `sha-${name}`, itemId: `synthetic:test[0,${evaluated})`,
    method: 'accuracy', settings: '{}', seed: 7, start: 0, end: evaluated, evaluated, correct, inTop5: correct,
  });
  // a-small makes no error on 5,000 held-out images; the others' held-out accuracies differ from the sample's.
  const data: ReportData = { ...base, accuracy: [heldOut('a-small', 5000), heldOut('a-large', 4500), heldOut('b-small', 4000), heldOut('b-large', 3000)] };
  const report = buildReport(data);

  it('takes accuracy from the held-out rows, with the Wilson interval; an error of 0 is kept, fitted at the interval midpoint', () => {
    const models = tableOf(report, 'models');
    const aSmall = rowWhere(models, { model: 'a-small' });
    const wilson = wilsonInterval(5000, 5000);
    assert.deepEqual([aSmall.accuracy, aSmall.accuracyLow, aSmall.accuracyHigh, aSmall.heldOutEvaluated], [1, wilson.interval[0], 1, 5000]);
    assert.deepEqual([aSmall.cleanEvaluated, aSmall.cleanCorrect], [10, 9], 'the sample\'s clean pass is still shown');
    close(rowWhere(models, { model: 'b-large' }).accuracy, 0.6);

    // The I-FGSM median fit includes a-small, at ln(1 - Wilson midpoint).
    const fits = tableOf(report, 'scaling-laws');
    const fit = rowWhere(fits, { setting: IFGSM_LABEL, norm: 'L2', statistic: 'median' });
    assert.equal(fit.models, 3);
    const expected = fitScalingLaw([
      { model: 'a-small', top1Error: 1 - wilson.center, distortion: 4 },
      { model: 'a-large', top1Error: 0.1, distortion: 2 },
      { model: 'b-small', top1Error: 0.2, distortion: 1.25 },
    ], { seed: 7 });
    close(fit.slope, expected.slope, 1e-9);
    const html = renderHtml(report, '');
    assert.ok(html.includes('a-small (0 errors in 5,000 images, error ≤ 0.1%)'), 'the zero error is stated with its upper bound');
  });

  it('states the four findings, each with evidence rows and a verdict', () => {
    const summary = tableOf(report, 'findings');
    assert.deepEqual(summary.rows.map((r) => r.finding), [1, 2, 3, 4]);
    for (const r of summary.rows) assert.ok(['supported', 'not supported', 'inconclusive'].includes(r.verdict as string));
    const evidence = tableOf(report, 'findings-evidence');
    // Finding 1 has one row per fitted line (median and mean fits of both settings that have a line).
    const fitted = tableOf(report, 'scaling-laws').rows.filter((r) => (r.models as number) > 0).length;
    assert.equal(evidence.rows.filter((r) => String(r.finding).startsWith('1.')).length, fitted);
    // Finding 4: three statistics per transfer setting.
    assert.equal(evidence.rows.filter((r) => String(r.finding).startsWith('4.')).length, 3 * tableOf(report, 'transfer-summary').rows.length);
  });

  it('links each model of the models table to its rows, which are marked by model', () => {
    const html = renderHtml(report, '');
    assert.ok(html.includes('<a href="#attacks-model-a-small" data-model-link="a-small"'), 'the model name links to its first attack row');
    assert.ok(html.includes('<tr id="attacks-model-a-small" data-model="a-small">'));
    assert.equal(html.match(/data-model="a-small">/g)?.length, 2 + 2 + 2, 'its two attack rows, its two reference-minima rows (both settings minimise a distortion) and its two Pareto rows (I-FGSM L2, L∞) are marked');
    assert.ok(html.includes('<tr id="reference-minima-model-a-small" data-model="a-small">'));
    assert.ok(html.includes('<tr id="pareto-model-a-small" data-model="a-small">'));
  });
});

describe('writeReport', () => {
  it('writes a self-contained report.html, report.json and every table as CSV and JSON', async () => {
    const out = await mkdtemp(join(tmpdir(), 'robustscope-report-'));
    try {
      const data = smallStudy();
      const written = await writeReport(out, data);
      const report = buildReport(data);
      assert.equal(written.html, join(out, 'report.html'));
      assert.deepEqual(
        written.files.sort(),
        [join(out, 'report.html'), join(out, 'report.json'), ...report.tables.flatMap((t) => [join(out, 'tables', `${t.id}.csv`), join(out, 'tables', `${t.id}.json`)])].sort(),
      );
      assert.equal((await readdir(join(out, 'tables'))).length, 2 * report.tables.length);
      assert.equal(await readFile(join(out, 'tables', 'attacks.csv'), 'utf8'), toCsv(tableOf(report, 'attacks')));
      assert.deepEqual(JSON.parse(await readFile(join(out, 'tables', 'transfer-pairs.json'), 'utf8')), tableOf(report, 'transfer-pairs'));
      const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { tables: Table[]; config: unknown };
      assert.deepEqual(json.config, data.config);
      assert.equal(json.tables.length, report.tables.length);

      const html = await readFile(written.html, 'utf8');
      assert.doesNotMatch(html, /<script\b[^>]*\bsrc\s*=/i, 'no external scripts');
      assert.doesNotMatch(html, /<link\b/i, 'no linked stylesheets, icons or preloads');
      assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i, 'no network URLs in attributes');
      assert.doesNotMatch(html, /@import|url\(\s*["']?(?:https?:)?\/\//i, 'no network URLs in styles');
      assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
      assert.ok(html.includes('echarts.init('), 'the page draws with the inlined library');
      assert.ok(html.length > 500_000, 'ECharts (about 1 MB) is inlined');
      assert.ok(html.includes('hand-made &lt;rows&gt; &amp; \\&quot;quotes\\&quot;'), 'the config is shown as JSON, escaped');

      const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
      assert.equal(new Set(ids).size, ids.length, 'ids are unique');
      for (const c of chartsOf(report)) assert.ok(ids.includes(chartElementId(c)), `a container for ${c.id}`);
      for (const href of html.matchAll(/href="#([^"]+)"/g)) assert.ok(ids.includes(href[1]), `the contents link #${href[1]} has a target`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('formatChange', () => {
  it('shows a ratio near 1 as its signed change in percent, where 3 significant digits would hide it', () => {
    assert.equal(formatChange(1.0037), '+0.37%');
    assert.equal(formatChange(0.9912), '−0.88%');
    assert.equal(formatChange(1), '+0.00%');
    assert.equal(formatChange(2.1033), '+110.33%');
    assert.equal(formatChange(null), '—');
  });
});
