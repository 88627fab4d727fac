import type { HeatmapSeriesOption } from 'echarts';
import { familyStyle, TOOLTIP, type ChartSpec } from '../chart.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { formatFraction, formatInteger, plural } from '../format.js';
import { paragraph, type Block } from '../section.js';
import type { Row, Table } from '../table.js';
import { evaluated, transferRate, type TransferCounts } from '../../analysis/transfer-counts.js';
import { cellKey, type TransferMatrix } from '../transfer-matrix.js';

/** A heatmap data item as an object (ECharts does not export the type by name). */
type HeatmapDataItemOption = Extract<NonNullable<HeatmapSeriesOption['data']>[number], { value: unknown }>;

/** Light enough at every step for black cell labels (YlGnBu, lightest five). */
const HEAT_COLORS = ['#ffffd9', '#edf8b1', '#c7e9b4', '#7fcdbb', '#41b6c4'];
/** Side of a heatmap cell in CSS pixels: 18 models and their names fit a printed page. */
const CELL = 28;
/** Average width of a 12 px axis-label character, to leave room for the longest model name. */
const CHAR_WIDTH = 7;
const LABEL_ROTATION = 45;

function excludedText(c: TransferCounts): string {
  // NaN/Inf target logits are named only where they happened: a healthy study's text stays short.
  const nonFinite = c.targetNonFinite > 0 ? `, ${plural(c.targetNonFinite, 'example', 'examples')} with NaN/Inf target logits` : '';
  return `${plural(c.sourceFailed, 'failed source attack')}, ${plural(c.targetMisclassifiesClean, 'example', 'examples')} the target misclassifies clean${nonFinite}`;
}

function heatmap(ctx: ReportContext, matrix: TransferMatrix): ChartSpec {
  const { setting, models, cells, totals } = matrix;
  const axisData = models.map((m) => ({ value: m.name, textStyle: { color: familyStyle(ctx.models.families, m.family).color } }));
  const data: HeatmapDataItemOption[] = [];
  models.forEach((source, y) =>
    models.forEach((target, x) => {
      const c = cells.get(cellKey(source.sha256, target.sha256));
      if (!c) return;
      const rate = transferRate(c);
      if (rate === null) return;
      const tooltip = [`${source.name} → ${target.name}`, `transferred ${c.transferred} of ${evaluated(c)} evaluated (${formatFraction(rate)})`, `excluded: ${excludedText(c)}`];
      // ECharts takes a name on every data item, though its heatmap typings omit it; the tooltip shows it ('{b}', escaped).
      data.push({ name: tooltip.join('\n'), value: [x, y, Math.round(rate * 1000) / 10] } as HeatmapDataItemOption);
    }),
  );
  const description =
    `Heatmap of transfer rates for ${setting.label}: rows are the ${models.length} source models, columns the target models, grouped by family; ` +
    `${formatInteger(evaluated(totals))} evaluated examples in all; excluded ${excludedText(totals)}.`;
  // The grid is laid out in pixels (square cells, room for the longest name) so family boundaries can be drawn on it.
  const side = CELL * models.length;
  const nameWidth = CHAR_WIDTH * Math.max(...models.map((m) => m.name.length));
  const left = nameWidth + 24;
  const top = 70;
  const drop = Math.ceil(nameWidth * Math.sin((LABEL_ROTATION * Math.PI) / 180)) + 16;
  const boundaries = models.flatMap((m, k) => (k > 0 && m.family !== models[k - 1]!.family ? [k * CELL] : []));
  const line = (x1: number, y1: number, x2: number, y2: number) => ({ type: 'line' as const, silent: true, z: 100, shape: { x1, y1, x2, y2 }, style: { stroke: '#222', lineWidth: 1.5 } });
  return {
    id: `transfer-${setting.slug}`,
    title: `Transfer rate · ${setting.label}`,
    height: top + side + drop + 30 + 60,
    description,
    notes: [
      `Cells: % of evaluated examples that transferred (hover for counts; the matrix table below gives every denominator). The diagonal (white-box) is blank. Lines and label colours mark the families.`,
      `Excluded from every denominator: ${excludedText(totals)}.`,
    ],
    option: {
      animation: false,
      aria: { enabled: true, label: { description } },
      title: { text: `Transfer rate (%) · ${setting.label}`, left: 'center', textStyle: { fontSize: 14 } },
      tooltip: TOOLTIP,
      grid: { top, left, width: side, height: side },
      xAxis: { type: 'category', data: axisData, name: 'target model', nameLocation: 'middle', nameGap: drop + 12, axisLabel: { rotate: LABEL_ROTATION, interval: 0 } },
      // Inverted so the first source is the top row; its name then sits at the top, over the source names.
      yAxis: { type: 'category', data: axisData, inverse: true, name: 'source model', nameLocation: 'start', nameGap: 12, axisLabel: { interval: 0 } },
      visualMap: {
        type: 'continuous',
        min: 0,
        max: 100,
        calculable: false,
        orient: 'horizontal',
        left,
        bottom: 0,
        itemHeight: 200,
        text: ['100%', '0%'],
        inRange: { color: HEAT_COLORS },
      },
      graphic: boundaries.flatMap((b) => [line(left + b, top, left + b, top + side), line(left, top + b, left + side, top + b)]),
      series: [
        {
          type: 'heatmap',
          name: 'transfer rate (%)',
          data,
          label: { show: true, formatter: '{@[2]}', fontSize: 10, color: '#000' },
          tooltip: { formatter: '{b}' },
          itemStyle: { borderColor: '#fff', borderWidth: 1 },
        },
      ],
    },
  };
}

function matrixTable(matrix: TransferMatrix): Table {
  const { setting, models, cells } = matrix;
  return {
    id: `transfer-matrix-${setting.slug}`,
    title: `Transfer matrix · ${setting.label}`,
    caption: 'Rows: source model; columns: target model. Cell: transfer rate (transferred / evaluated); the CSV holds the rate, transfer-pairs holds the counts.',
    columns: [
      { key: 'source', label: 'source \\ target', kind: 'text' },
      { key: 'family', label: 'family', kind: 'text' },
      ...models.map((m) => ({ key: m.name, label: m.name, kind: 'ratio' as const })),
    ],
    rows: models.map((source): Row => ({
      source: source.name,
      family: source.family,
      ...Object.fromEntries(
        models.map((target) => {
          const c = cells.get(cellKey(source.sha256, target.sha256));
          return [target.name, c ? { numerator: c.transferred, denominator: evaluated(c) } : null];
        }),
      ),
    })),
  };
}

export function transferSection(ctx: ReportContext): SectionOutput {
  const countColumns = [
    { key: 'transferred', label: 'transferred', kind: 'integer' },
    { key: 'evaluated', label: 'evaluated', kind: 'integer' },
    { key: 'rate', label: 'transfer rate', kind: 'fraction' },
    { key: 'notTransferred', label: 'not transferred', kind: 'integer', exportOnly: true },
    { key: 'sourceFailed', label: 'excluded: source attack failed', kind: 'integer' },
    { key: 'targetMisclassifiesClean', label: 'excluded: target wrong on clean', kind: 'integer' },
    { key: 'targetNonFinite', label: 'excluded: NaN/Inf target logits', kind: 'integer' },
  ] as const;
  const counts = (c: TransferCounts): Row => ({ ...c, evaluated: evaluated(c), rate: transferRate(c) });
  const summary: Table = {
    id: 'transfer-summary',
    title: 'Transferability by setting',
    caption: 'All ordered (source, target) pairs of a setting pooled. Excluded examples are in no denominator.',
    columns: [
      { key: 'setting', label: 'source attack setting', kind: 'text' },
      { key: 'models', label: 'models', kind: 'integer' },
      { key: 'pairs', label: 'pairs', kind: 'integer' },
      ...countColumns,
      { key: 'sameModelRows', label: 'same-model rows (left out)', kind: 'integer', exportOnly: true },
      { key: 'matrixTable', label: 'matrix table', kind: 'code', exportOnly: true },
    ],
    rows: ctx.transfer.map((t) => ({
      setting: t.setting.label,
      models: t.models.length,
      pairs: t.cells.size,
      ...counts(t.totals),
      sameModelRows: t.sameModelRows,
      matrixTable: `transfer-matrix-${t.setting.slug}`,
    })),
  };
  const pairs: Table = {
    id: 'transfer-pairs',
    title: 'Transfer counts per pair',
    caption: 'One row per setting and ordered (source, target) pair with every outcome counted.',
    columns: [
      { key: 'setting', label: 'source attack setting', kind: 'text' },
      { key: 'source', label: 'source', kind: 'text' },
      { key: 'sourceFamily', label: 'source family', kind: 'text' },
      { key: 'target', label: 'target', kind: 'text' },
      { key: 'targetFamily', label: 'target family', kind: 'text' },
      ...countColumns,
    ],
    rows: ctx.transfer.flatMap(({ setting, models, cells }) =>
      models.flatMap((source) =>
        models.flatMap((target) => {
          const c = cells.get(cellKey(source.sha256, target.sha256));
          return c ? [{ setting: setting.label, source: source.name, sourceFamily: source.family, target: target.name, targetFamily: target.family, ...counts(c) }] : [];
        }),
      ),
    ),
  };
  const matrices = ctx.transfer.map(matrixTable);
  const blocks: Block[] = [
    paragraph(
      'Adversarial examples of a source model fed to a target model. Untargeted: transferred when the target model misclassifies the example; ' +
        'targeted: when the attack’s target class is in the target model’s top 5. Examples whose source attack failed, and examples the target model ' +
        'misclassifies even clean, are excluded from the denominator and counted.',
    ),
  ];
  if (ctx.transfer.length === 0) blocks.push(paragraph('The store holds no transfer rows.'));
  else blocks.push({ kind: 'table', table: summary }, paragraph('Counts per pair are in the transfer-pairs table (see Data files).'));
  ctx.transfer.forEach((matrix, k) => {
    blocks.push({ kind: 'subsection', id: `transfer-${matrix.setting.slug}`, title: matrix.setting.label });
    blocks.push({ kind: 'figures', charts: [heatmap(ctx, matrix)] }, { kind: 'table', table: matrices[k]! });
  });
  return { section: { id: 'transfer', title: 'Transferability', blocks }, tables: [summary, pairs, ...matrices] };
}
