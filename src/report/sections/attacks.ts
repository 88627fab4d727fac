import { DISTORTION_NORMS } from '../../core/lp.js';
import { MEDIAN_NORMS } from '../attack-summary.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { NORM_LABELS } from '../format.js';
import { paragraph } from '../section.js';
import { SETTING_MODEL_COLUMNS, settingModelCells } from '../setting-columns.js';
import type { Column, Row, Table } from '../table.js';

/** L2 and L∞ are the study's norms; L0 and L1 means are shown too, their spreads only exported. */
const SHOWN_STD = new Set(['l2', 'linf']);

export function attacksSection(ctx: ReportContext): SectionOutput {
  const table: Table = {
    id: 'attacks',
    title: 'Attack success and distortion',
    caption:
      'Success rate = successes / attempted examples (a non-finite attempt counts as attempted and failed). ' +
      'Distortions are norms of x_adv − x in canonical space (pixel range 1; L0 counts changed values). ' +
      'The median counts every attacked example, a failure as +∞ (∞ when more than half failed), with a bootstrap 95% interval over the examples; ' +
      'the means (the reference study’s statistic) are over successful examples only, so read them beside the success rate. ' +
      'Cost is the mean over attempted examples of the batched gradient (and forward) calls each took part in and of its share of the wall time (a batch\'s time divided by its examples; it depends on the machine).',
    groupBy: 'setting',
    modelKey: 'model',
    columns: [
      ...SETTING_MODEL_COLUMNS,
      { key: 'attempted', label: 'attempted', kind: 'integer' },
      { key: 'succeeded', label: 'succeeded', kind: 'integer' },
      { key: 'successRate', label: 'success rate', kind: 'fraction' },
      { key: 'nonFinite', label: 'non-finite', kind: 'integer' },
      ...MEDIAN_NORMS.flatMap((norm): Column[] => [
        { key: `${norm}Median`, label: `median ${NORM_LABELS[norm]}`, kind: 'number' },
        { key: `${norm}MedianLow`, label: `median ${NORM_LABELS[norm]} CI low`, kind: 'number' },
        { key: `${norm}MedianHigh`, label: `median ${NORM_LABELS[norm]} CI high`, kind: 'number' },
      ]),
      ...(['l2', 'linf', 'l1', 'l0'] as const).flatMap((norm): Column[] => [
        { key: `${norm}Mean`, label: `mean ${NORM_LABELS[norm]}`, kind: 'number' },
        { key: `${norm}Std`, label: `std ${NORM_LABELS[norm]}`, kind: 'number', exportOnly: !SHOWN_STD.has(norm) },
      ]),
      { key: 'gradientCalls', label: 'gradient calls / example', kind: 'number' },
      { key: 'forwardCalls', label: 'forward calls / example', kind: 'number', exportOnly: true },
      { key: 'seconds', label: 'seconds / example', kind: 'number' },
    ],
    rows: ctx.attacks.flatMap(({ setting, byModel }) =>
      [...byModel].map(([sha, { aggregate: a, nonFinite, median, cost }]): Row => {
        return {
          ...settingModelCells(setting, ctx.models.get(sha)),
          attempted: a.attempted,
          succeeded: a.succeeded,
          successRate: a.successRate,
          nonFinite,
          ...Object.fromEntries(MEDIAN_NORMS.flatMap((norm) => [[`${norm}Median`, median[norm].median], [`${norm}MedianLow`, median[norm].interval[0]], [`${norm}MedianHigh`, median[norm].interval[1]]])),
          ...Object.fromEntries(DISTORTION_NORMS.flatMap((norm) => [[`${norm}Mean`, a.distortion[norm].mean], [`${norm}Std`, a.distortion[norm].std]])),
          ...cost,
        };
      }),
    ),
  };
  const intro =
    ctx.attacks.length === 0
      ? 'The store holds no attack rows.'
      : `${ctx.attacks.length} attack settings. Every adversarial example was re-classified with the plain model (argmax, no confidence margin) before it counted as a success.`;
  return { section: { id: 'attacks', title: 'Attack success and distortion', blocks: [paragraph(intro), { kind: 'table', table }] }, tables: [table] };
}
