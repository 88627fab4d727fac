import type { LineSeriesOption } from 'echarts';
import type { DistortionNorm } from '../../core/lp.js';
import { meanOverSuccesses, scalingLaws, type ModelStatistic, type ScalingLaw } from '../../analysis/scaling-law.js';
import type { AttackSummary, MedianNorm } from '../attack-summary.js';
import { baseOption, SCATTER_HEIGHT, scatterByFamily, type ChartSpec } from '../chart.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { formatFraction, formatInteger, formatInterval, formatNumber, NORM_LABELS } from '../format.js';
import { paragraph, type Block } from '../section.js';
import type { Row, Table } from '../table.js';

/** The norms the study regresses. */
export const SCALING_NORMS: readonly MedianNorm[] = ['l2', 'linf'];

/** Stated in the method section, so passed explicitly rather than left to fitScalingLaw's defaults. */
export const BOOTSTRAP = { resamples: 2000, level: 0.95 } as const;

/**
 * What a fit regresses per model: the median minimal distortion over every attacked example (failures as
 * +Infinity), or the reference study's mean over successful examples.
 */
export type ScalingStatistic = 'median' | 'mean';
export const SCALING_STATISTICS: readonly ScalingStatistic[] = ['median', 'mean'];
export const STATISTIC_LABELS: Readonly<Record<ScalingStatistic, string>> = { median: 'median', mean: 'mean over successes' };

export interface ScalingFit {
  summary: AttackSummary;
  norm: DistortionNorm;
  statistic: ScalingStatistic;
  /** null when fewer than two usable models have different errors. */
  law: ScalingLaw | null;
  /** Model names not in the fit and why. */
  excluded: { model: string; reason: string }[];
}

function statisticOf(summary: AttackSummary, statistic: ScalingStatistic): ModelStatistic {
  if (statistic === 'mean') return meanOverSuccesses;
  return (a, norm) => summary.byModel.get(a.model)!.median[norm as MedianNorm].median;
}

/**
 * Per minimal-distortion attack setting, norm and statistic, distortion regressed on ln(top-1 error) across
 * models by scalingLaws. The error is the held-out one; an error of exactly 0 is fitted at its Wilson
 * interval's midpoint. Fixed-budget settings are not fitted: their distortion is their budget.
 */
export function scalingFits(ctx: ReportContext): ScalingFit[] {
  const top1Error = new Map<string, number>();
  for (const m of ctx.models.ordered) if (m.fitError !== null) top1Error.set(m.sha256, m.fitError);
  return ctx.attacks.filter((s) => s.minimal).flatMap((summary) =>
    SCALING_STATISTICS.flatMap((statistic) => {
      const usable = [...summary.byModel.values()].map((r) => r.aggregate).filter((a) => top1Error.has(a.model));
      // One setting per call: the bootstrap stream is named after the setting (and the statistic), so intervals do not depend on the other settings.
      const entries = usable.length > 0
        ? scalingLaws(usable, top1Error, { ...BOOTSTRAP, seed: ctx.bootstrapSeed, norms: SCALING_NORMS, statistic: statisticOf(summary, statistic), stream: statistic === 'mean' ? '' : `${statistic} ` })
        : [];
      return SCALING_NORMS.map((norm) => {
        const entry = entries.find((e) => e.norm === norm);
        const excluded = [...summary.byModel.keys()].flatMap((sha) => {
          const reason = !top1Error.has(sha) ? 'no accuracy' : entry?.excluded.includes(sha) ? (statistic === 'median' ? 'median ∞' : 'no success') : undefined;
          return reason ? [{ model: ctx.models.get(sha).name, reason }] : [];
        });
        return { summary, norm, statistic, law: entry?.law ?? null, excluded };
      });
    }),
  );
}

export function equation(norm: DistortionNorm, law: ScalingLaw, statistic: ScalingStatistic = 'mean'): string {
  const sign = law.intercept < 0 ? '-' : '+';
  return `${statistic} ${NORM_LABELS[norm]} = ${formatNumber(law.slope)} × ln(top-1 error) ${sign} ${formatNumber(Math.abs(law.intercept))}, R² = ${formatNumber(law.r2)}`;
}

function intervalNote(label: string, law: ScalingLaw): string {
  return `${label}: bootstrap ${Math.round(law.ci.level * 100)}% intervals (${law.resamples} resamples of the models): slope ${formatInterval(law.ci.slope)}, intercept ${formatInterval(law.ci.intercept)}, R² ${formatInterval(law.ci.r2)}.`;
}

function chart(ctx: ReportContext, median: ScalingFit & { law: ScalingLaw }, mean: ScalingFit | undefined): ChartSpec {
  const { summary, norm, law } = median;
  const normLabel = NORM_LABELS[norm];
  const points = law.models.map((sha) => {
    const m = ctx.models.get(sha);
    const { aggregate: a, median: med } = summary.byModel.get(sha)!;
    const y = med[norm as MedianNorm];
    const error = m.heldOut
      ? `top-1 error ${formatFraction(1 - m.heldOut.estimate)} [${formatFraction(1 - m.heldOut.interval[1])}, ${formatFraction(1 - m.heldOut.interval[0])}] on ${formatInteger(m.heldOut.trials)} held-out images`
      : `top-1 error ${formatFraction(1 - m.accuracy!)} on the attacked sample`;
    return {
      model: m,
      x: Math.log(m.fitError!),
      y: y.median,
      tooltip: [
        `${m.name} (${m.family})`,
        error,
        ...(m.heldOut && m.heldOut.successes === m.heldOut.trials ? [`no error: fitted at the interval's midpoint ${formatFraction(m.fitError!)}`] : []),
        `median ${normLabel} ${formatNumber(y.median)} ${formatInterval(y.interval)} over ${y.count} examples`,
        `mean ${normLabel} ${formatNumber(a.distortion[norm].mean)} over ${a.succeeded} successes (${formatFraction(a.successRate)})`,
      ],
    };
  });
  const xs = points.map((p) => p.x);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const line = (name: string, fit: ScalingLaw, style: 'dashed' | 'dotted'): LineSeriesOption => ({
    type: 'line',
    name,
    showSymbol: false,
    lineStyle: { color: '#444', type: style, width: 1.5 },
    itemStyle: { color: '#444' },
    tooltip: { show: false },
    data: [x0, x1].map((x) => [x, fit.intercept + fit.slope * x]),
  });
  const meanLaw = mean?.law ?? null;
  const description = `Scatter of median ${normLabel} distortion against ln(top-1 error) for ${points.length} models, with the least-squares line: ${equation(norm, law, 'median')}` +
    (meanLaw ? `; the dotted line is the fit of the mean over successes: ${equation(norm, meanLaw, 'mean')}.` : '.');
  const option = baseOption({
    title: `${normLabel} distortion vs ln(top-1 error) · ${summary.setting.label}`,
    subtitle: equation(norm, law, 'median'),
    description,
    xName: 'ln(top-1 error)',
    yName: `median ${normLabel} distortion (pixel range 1)`,
  });
  option.series = [
    ...scatterByFamily(points, ctx.models.families),
    line('median fit', law, 'dashed'),
    ...(meanLaw ? [line('mean-over-successes fit', meanLaw, 'dotted')] : []),
  ];
  return {
    id: `scaling-${summary.setting.slug}-${norm}`,
    title: `${normLabel} · ${summary.setting.label}`,
    description,
    height: SCATTER_HEIGHT,
    notes: [
      intervalNote('Median fit', law),
      ...(meanLaw ? [`Mean fit: ${equation(norm, meanLaw, 'mean')}. ${intervalNote('Mean fit', meanLaw).replace(/^Mean fit: /, '')}`] : []),
      ...(median.excluded.length > 0 ? [`Not in the median fit: ${median.excluded.map((e) => e.model).join(', ')}.`] : []),
    ],
    option,
  };
}

export function scalingSection(ctx: ReportContext, fits: readonly ScalingFit[]): SectionOutput {
  const table: Table = {
    id: 'scaling-laws',
    title: 'Scaling-law fits',
    caption:
      'Least-squares fits of distortion on ln(top-1 error) across models, one per minimal-distortion attack setting, norm and statistic (the median over every attacked example, failures counted as +∞; the mean over successes), ' +
      'with bootstrap percentile intervals from resampling the models. A model is left out of a fit when it has no accuracy or its statistic is not finite (median ∞: more than half of its attacks failed; mean: no success).',
    groupBy: 'setting',
    columns: [
      { key: 'setting', label: 'attack setting', kind: 'text' },
      { key: 'norm', label: 'norm', kind: 'text' },
      { key: 'statistic', label: 'statistic', kind: 'text' },
      { key: 'models', label: 'models', kind: 'integer' },
      { key: 'slope', label: 'slope', kind: 'number' },
      { key: 'slopeLow', label: 'slope CI low', kind: 'number' },
      { key: 'slopeHigh', label: 'slope CI high', kind: 'number' },
      { key: 'intercept', label: 'intercept', kind: 'number' },
      { key: 'interceptLow', label: 'intercept CI low', kind: 'number', exportOnly: true },
      { key: 'interceptHigh', label: 'intercept CI high', kind: 'number', exportOnly: true },
      { key: 'r2', label: 'R²', kind: 'number' },
      { key: 'r2Low', label: 'R² CI low', kind: 'number' },
      { key: 'r2High', label: 'R² CI high', kind: 'number' },
      { key: 'level', label: 'CI level', kind: 'fraction', exportOnly: true },
      { key: 'resamples', label: 'bootstrap resamples', kind: 'integer', exportOnly: true },
      { key: 'excluded', label: 'models left out', kind: 'text' },
    ],
    rows: fits.map(({ summary, norm, statistic, law, excluded }): Row => ({
      setting: summary.setting.label,
      norm: NORM_LABELS[norm],
      statistic: STATISTIC_LABELS[statistic],
      models: law?.models.length ?? 0,
      slope: law?.slope ?? null,
      slopeLow: law?.ci.slope[0] ?? null,
      slopeHigh: law?.ci.slope[1] ?? null,
      intercept: law?.intercept ?? null,
      interceptLow: law?.ci.intercept[0] ?? null,
      interceptHigh: law?.ci.intercept[1] ?? null,
      r2: law?.r2 ?? null,
      r2Low: law?.ci.r2[0] ?? null,
      r2High: law?.ci.r2[1] ?? null,
      level: law?.ci.level ?? null,
      resamples: law?.resamples ?? null,
      excluded: excluded.length === 0 ? '' : excluded.every((e) => e.reason === excluded[0]!.reason) ? `${excluded.map((e) => e.model).join(', ')} (${excluded[0]!.reason})` : excluded.map((e) => `${e.model} (${e.reason})`).join(', '),
    })),
  };
  const blocks: Block[] = [
    paragraph(
      'The study’s “linear scaling law”: across models, distortion = slope × ln(top-1 error) + intercept. ' +
        'A positive slope means more accurate models (lower error) need less distortion, i.e. are less robust. ' +
        'Each fit is shown for the median minimal distortion, which counts every attacked example (a failure as +∞), and for the reference study’s mean over successful examples. ' +
        'The top-1 error is measured on the held-out split.',
    ),
  ];
  const zeroError = ctx.models.ordered.filter((m) => m.heldOut && m.heldOut.successes === m.heldOut.trials);
  if (zeroError.length > 0) {
    blocks.push(paragraph(
      `${zeroError.map((m) => `${m.name} (0 errors in ${formatInteger(m.heldOut!.trials)} images, error ≤ ${formatFraction(1 - m.heldOut!.interval[0])})`).join(', ')}: ` +
        'an error of 0 has no logarithm, so these are fitted at the midpoint of their Wilson 95% interval and shown with its upper bound.',
    ));
  }
  const fixed = ctx.attacks.filter((s) => !s.minimal);
  if (fixed.length > 0) {
    blocks.push(paragraph(`Not fitted: ${fixed.map((s) => s.setting.label).join(', ')}, whose distortion is set by a fixed budget rather than searched per example (kept for transfer); FGSM enters through its smallest-budget search.`));
  }
  for (const summary of ctx.attacks.filter((s) => s.minimal)) {
    const mine = fits.filter((f) => f.summary === summary);
    const charts = mine
      .filter((f): f is ScalingFit & { law: ScalingLaw } => f.statistic === 'median' && f.law !== null)
      .map((f) => chart(ctx, f, mine.find((g) => g.statistic === 'mean' && g.norm === f.norm)));
    blocks.push({ kind: 'subsection', id: `scaling-${summary.setting.slug}`, title: summary.setting.label });
    if (charts.length > 0) blocks.push({ kind: 'figures', charts });
    if (charts.length < SCALING_NORMS.length) blocks.push(paragraph('No median fit where fewer than two usable models with different top-1 errors have a finite median.'));
  }
  blocks.push({ kind: 'table', table });
  if (ctx.attacks.length === 0) blocks.push(paragraph('No attack rows: nothing to fit.'));
  return { section: { id: 'scaling', title: 'Distortion vs accuracy: the scaling law', blocks }, tables: [table] };
}
