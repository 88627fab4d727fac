import type { LineSeriesOption } from 'echarts';
import { robustnessCurve } from '../../analysis/minimal-distortion.js';
import { MEDIAN_NORMS, type AttackSummary, type MedianNorm } from '../attack-summary.js';
import { baseOption, familyStyle, SCATTER_HEIGHT, type ChartSpec } from '../chart.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { NORM_LABELS } from '../format.js';
import { paragraph, type Block } from '../section.js';

/** One curve per model: the fraction of its attacked examples not broken at each distortion budget. */
function chart(ctx: ReportContext, summary: AttackSummary, norm: MedianNorm): ChartSpec {
  const normLabel = NORM_LABELS[norm];
  const curves = [...summary.byModel].map(([sha, { aggregate }]) => ({ model: ctx.models.get(sha), curve: robustnessCurve(aggregate.perExample[norm]) }));
  const end = Math.max(...curves.map((c) => c.curve.eps[c.curve.eps.length - 1]!));
  const series: LineSeriesOption[] = curves.map(({ model, curve }) => {
    const { color, symbol } = familyStyle(ctx.models.families, model.family);
    const points = curve.eps.map((eps, k) => [eps, curve.notBroken[k]!]);
    return {
      type: 'line',
      name: model.name,
      step: 'end',
      symbol,
      symbolSize: 4,
      showSymbol: false,
      itemStyle: { color },
      lineStyle: { color, width: 1.2 },
      emphasis: { focus: 'series' },
      // Drawn on to the largest budget of any model, at the share never broken.
      data: [...points, [end, curve.floor]],
    };
  });
  const description = `Robustness curves of ${curves.length} models under ${summary.setting.label}: the fraction of attacked examples not broken within each ${normLabel} budget; a failed attack counts as never broken.`;
  const option = baseOption({
    title: `Examples not broken vs ${normLabel} budget · ${summary.setting.label}`,
    description,
    xName: `${normLabel} distortion budget (pixel range 1)`,
    yName: 'fraction not broken',
  });
  option.tooltip = { trigger: 'axis', confine: true };
  option.yAxis = { ...(option.yAxis as object), min: 0, max: 1, scale: false };
  option.series = series;
  return {
    id: `robustness-${summary.setting.slug}-${norm}`,
    title: `${normLabel} · ${summary.setting.label}`,
    description,
    height: SCATTER_HEIGHT,
    notes: [],
    option,
  };
}

/** The robustness curves of every minimal-distortion setting, per norm. */
export function robustnessSection(ctx: ReportContext): SectionOutput {
  const minimal = ctx.attacks.filter((s) => s.minimal);
  const blocks: Block[] = [
    paragraph(
      'For each model, the fraction of its attacked examples that the attack did not break within a distortion budget (fraction not broken at eps = examples whose minimal distortion exceeds eps). ' +
        'Unlike a mean over successes, the curve keeps every example: a failed attack stays unbroken at every budget, so each curve ends at the share of examples its attack did not break. Colours are families, as elsewhere.',
    ),
  ];
  for (const summary of minimal) {
    blocks.push({ kind: 'subsection', id: `robustness-${summary.setting.slug}`, title: summary.setting.label });
    blocks.push({ kind: 'figures', charts: MEDIAN_NORMS.map((norm) => chart(ctx, summary, norm)) });
  }
  if (minimal.length === 0) blocks.push(paragraph('No minimal-distortion attack setting: no curve to draw.'));
  return { section: { id: 'robustness', title: 'Robustness curves', blocks }, tables: [] };
}
