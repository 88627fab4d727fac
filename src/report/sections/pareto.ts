import type { DistortionNorm } from '../../core/lp.js';
import { paretoFrontier, type ParetoMembership } from '../../analysis/pareto.js';
import type { AttackSummary } from '../attack-summary.js';
import { baseOption, HOVER_LABEL, SCATTER_HEIGHT, tooltipText, type ChartSpec } from '../chart.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { formatFraction, formatNumber, NORM_LABELS } from '../format.js';
import { paragraph, type Block } from '../section.js';
import type { Row, Table } from '../table.js';
import { SCALING_NORMS } from './scaling.js';

const FRONTIER_COLOR = '#D55E00';
const DOMINATED_COLOR = '#8c8c8c';

interface Frontier {
  summary: AttackSummary;
  norm: DistortionNorm;
  /** `model` is the sha256. */
  members: ParetoMembership[];
}

/**
 * Per minimal-distortion attack setting and norm: models with an accuracy (held-out) and a finite median
 * minimal distortion, placed by paretoFrontier.
 */
function frontiers(ctx: ReportContext): Frontier[] {
  return ctx.attacks.filter((s) => s.minimal).flatMap((summary) =>
    SCALING_NORMS.map((norm) => {
      const points = [...summary.byModel].flatMap(([sha, { median }]) => {
        const accuracy = ctx.models.get(sha).accuracy;
        const distortion = median[norm].median;
        return accuracy === null || !Number.isFinite(distortion) ? [] : [{ model: sha, accuracy, distortion }];
      });
      return { summary, norm, members: paretoFrontier(points) };
    }),
  );
}

function chart(ctx: ReportContext, { summary, norm, members }: Frontier): ChartSpec {
  const normLabel = NORM_LABELS[norm];
  const item = (p: ParetoMembership) => {
    const m = ctx.models.get(p.model);
    const dominators = p.dominatedBy.map((sha) => ctx.models.get(sha).name);
    return {
      name: m.name,
      value: [p.accuracy * 100, p.distortion],
      tooltip: {
        formatter: tooltipText([
          `${m.name} (${m.family})`,
          `clean accuracy ${formatFraction(p.accuracy)}`,
          `median ${normLabel} ${formatNumber(p.distortion)}`,
          p.onFrontier ? 'on the frontier' : `dominated by ${dominators.join(', ')}`,
        ]),
      },
    };
  };
  const onFrontier = members.filter((p) => p.onFrontier).sort((a, b) => a.accuracy - b.accuracy || b.distortion - a.distortion);
  const names = onFrontier.map((p) => ctx.models.get(p.model).name);
  const description = `Scatter of median ${normLabel} distortion against top-1 accuracy for ${members.length} models; the Pareto frontier (${names.join(', ')}) is highlighted and joined.`;
  const option = baseOption({
    title: `Accuracy vs ${normLabel} robustness · ${summary.setting.label}`,
    description,
    xName: 'top-1 accuracy (%)',
    yName: `median ${normLabel} distortion (pixel range 1)`,
  });
  option.series = [
    {
      type: 'scatter',
      name: 'dominated',
      symbolSize: 9,
      itemStyle: { color: DOMINATED_COLOR },
      ...HOVER_LABEL,
      data: members.filter((p) => !p.onFrontier).map(item),
    },
    {
      type: 'line',
      name: 'Pareto frontier',
      symbol: 'diamond',
      symbolSize: 13,
      itemStyle: { color: FRONTIER_COLOR },
      lineStyle: { color: FRONTIER_COLOR, width: 2 },
      ...HOVER_LABEL,
      data: onFrontier.map(item),
    },
  ];
  return {
    id: `pareto-${summary.setting.slug}-${norm}`,
    title: `${normLabel} · ${summary.setting.label}`,
    description,
    height: SCATTER_HEIGHT,
    notes: ['A model is on the frontier when no other model is at least as accurate and as robust and strictly better in one of the two.'],
    option,
  };
}

export function paretoSection(ctx: ReportContext): SectionOutput {
  const all = frontiers(ctx);
  const table: Table = {
    id: 'pareto',
    title: 'Accuracy-robustness Pareto frontier',
    caption: 'Per minimal-distortion attack setting and norm: each model’s top-1 accuracy (held-out) and median minimal distortion (failures as +∞; higher is more robust), and the models that dominate it.',
    groupBy: 'setting',
    modelKey: 'model',
    columns: [
      { key: 'setting', label: 'attack setting', kind: 'text' },
      { key: 'model', label: 'model', kind: 'text' },
      { key: 'family', label: 'family', kind: 'text' },
      { key: 'norm', label: 'norm', kind: 'text' },
      { key: 'accuracy', label: 'top-1 accuracy', kind: 'fraction' },
      { key: 'distortion', label: 'median distortion', kind: 'number' },
      { key: 'onFrontier', label: 'on frontier', kind: 'boolean' },
      { key: 'dominatedBy', label: 'dominated by', kind: 'text' },
    ],
    rows: all.flatMap(({ summary, norm, members }) =>
      members.map((p): Row => {
        const m = ctx.models.get(p.model);
        return {
          setting: summary.setting.label,
          norm: NORM_LABELS[norm],
          model: m.name,
          family: m.family,
          accuracy: p.accuracy,
          distortion: p.distortion,
          onFrontier: p.onFrontier,
          dominatedBy: p.dominatedBy.map((sha) => ctx.models.get(sha).name).join('; '),
        };
      }),
    ),
  };
  const blocks: Block[] = [
    paragraph(
      'Is robustness the price of accuracy? A model on the frontier is not beaten on both counts by any other. ' +
        'Models without an accuracy, or whose median distortion is +∞ (more than half of their attacks failed), have no point in a setting.',
    ),
  ];
  for (const summary of ctx.attacks.filter((s) => s.minimal)) {
    const charts = all.filter((f) => f.summary === summary && f.members.length > 0).map((f) => chart(ctx, f));
    blocks.push({ kind: 'subsection', id: `pareto-${summary.setting.slug}`, title: summary.setting.label });
    blocks.push(charts.length > 0 ? { kind: 'figures', charts } : paragraph('No model has both an accuracy and a finite median distortion here.'));
  }
  blocks.push({ kind: 'table', table });
  return { section: { id: 'pareto', title: 'Accuracy-robustness Pareto frontier', blocks }, tables: [table] };
}
