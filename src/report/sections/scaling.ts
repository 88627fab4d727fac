import type { DistortionNorm } from '../../core/lp.js';
import { scalingLaws, type ScalingLaw } from '../../analysis/scaling-law.js';
import type { AttackSummary } from '../attack-summary.js';
import { baseOption, SCATTER_HEIGHT, scatterByFamily, type ChartSpec } from '../chart.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { formatFraction, formatInterval, formatNumber, NORM_LABELS } from '../format.js';
import { paragraph, type Block } from '../section.js';
import type { Row, Table } from '../table.js';

/** The norms the study regresses. */
export const SCALING_NORMS: readonly DistortionNorm[] = ['l2', 'linf'];

/** Stated in the method section, so passed explicitly rather than left to fitScalingLaw's defaults. */
export const BOOTSTRAP = { resamples: 2000, level: 0.95 } as const;

export interface ScalingFit {
  summary: AttackSummary;
  norm: DistortionNorm;
  /** null when fewer than two usable models have different errors. */
  law: ScalingLaw | null;
  /** Model name and why it is not in the fit. */
  excluded: { model: string; reason: string }[];
}

/**
 * Per attack setting and norm, mean distortion regressed on ln(top-1 error) across models by scalingLaws.
 * A model needs a clean accuracy below 1 (ln 0 has no value) and at least one success.
 */
export function scalingFits(ctx: ReportContext): ScalingFit[] {
  const top1Error = new Map<string, number>();
  const unusable = new Map<string, string>();
  for (const m of ctx.models.ordered) {
    if (m.accuracy === null) unusable.set(m.sha256, 'no clean accuracy');
    else if (m.accuracy >= 1) unusable.set(m.sha256, 'top-1 error 0 (ln undefined)');
    else top1Error.set(m.sha256, 1 - m.accuracy);
  }
  return ctx.attacks.flatMap((summary) => {
    const usable = [...summary.byModel.values()].map((r) => r.aggregate).filter((a) => top1Error.has(a.model));
    // One setting per call: the bootstrap stream is named after the setting, so the intervals are the same as in a joint call.
    const entries = usable.length > 0 ? scalingLaws(usable, top1Error, { ...BOOTSTRAP, seed: ctx.bootstrapSeed, norms: SCALING_NORMS }) : [];
    return SCALING_NORMS.map((norm) => {
      const entry = entries.find((e) => e.norm === norm);
      const excluded = [...summary.byModel.keys()].flatMap((sha) => {
        const reason = unusable.get(sha) ?? (entry?.excluded.includes(sha) ? 'no successful attack' : undefined);
        return reason ? [{ model: ctx.models.get(sha).name, reason }] : [];
      });
      return { summary, norm, law: entry?.law ?? null, excluded };
    });
  });
}

export function equation(norm: DistortionNorm, law: ScalingLaw): string {
  const sign = law.intercept < 0 ? '-' : '+';
  return `mean ${NORM_LABELS[norm]} = ${formatNumber(law.slope)} × ln(top-1 error) ${sign} ${formatNumber(Math.abs(law.intercept))}, R² = ${formatNumber(law.r2)}`;
}

function chart(ctx: ReportContext, fit: ScalingFit & { law: ScalingLaw }): ChartSpec {
  const { summary, norm, law } = fit;
  const normLabel = NORM_LABELS[norm];
  const points = law.models.map((sha) => {
    const m = ctx.models.get(sha);
    const a = summary.byModel.get(sha)!.aggregate;
    const y = a.distortion[norm].mean!;
    return { model: m, x: Math.log(1 - m.accuracy!), y, tooltip: [`${m.name} (${m.family})`, `top-1 error ${formatFraction(1 - m.accuracy!)}`, `mean ${normLabel} ${formatNumber(y)} over ${a.succeeded} successes`] };
  });
  const xs = points.map((p) => p.x);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const level = `${Math.round(law.ci.level * 100)}%`;
  const description = `Scatter of mean ${normLabel} distortion against ln(top-1 error) for ${points.length} models, with the least-squares line: ${equation(norm, law)}.`;
  const option = baseOption({
    title: `${normLabel} distortion vs ln(top-1 error) · ${summary.setting.label}`,
    subtitle: equation(norm, law),
    description,
    xName: 'ln(top-1 error)',
    yName: `mean ${normLabel} distortion (pixel range 1)`,
  });
  option.series = [
    ...scatterByFamily(points, ctx.models.families),
    {
      type: 'line',
      name: 'least-squares fit',
      showSymbol: false,
      lineStyle: { color: '#444', type: 'dashed', width: 1.5 },
      itemStyle: { color: '#444' },
      tooltip: { show: false },
      data: [x0, x1].map((x) => [x, law.intercept + law.slope * x]),
    },
  ];
  return {
    id: `scaling-${summary.setting.slug}-${norm}`,
    title: `${normLabel} · ${summary.setting.label}`,
    description,
    height: SCATTER_HEIGHT,
    notes: [
      `Bootstrap ${level} intervals (${law.resamples} resamples of the models): slope ${formatInterval(law.ci.slope)}, intercept ${formatInterval(law.ci.intercept)}, R² ${formatInterval(law.ci.r2)}.`,
      ...excludedNote(fit.excluded),
    ],
    option,
  };
}

function excludedNote(excluded: ScalingFit['excluded']): string[] {
  return excluded.length === 0 ? [] : [`Not in the fit: ${excluded.map((e) => `${e.model} (${e.reason})`).join(', ')}.`];
}

export function scalingSection(ctx: ReportContext, fits: readonly ScalingFit[]): SectionOutput {
  const table: Table = {
    id: 'scaling-laws',
    title: 'Scaling-law fits',
    caption:
      'Least-squares fits of mean distortion (over successes) on ln(top-1 error) across models, one per attack setting and norm, with bootstrap percentile intervals from resampling the models.',
    groupBy: 'setting',
    columns: [
      { key: 'setting', label: 'attack setting', kind: 'text' },
      { key: 'norm', label: 'norm', kind: 'text' },
      { key: 'models', label: 'models', kind: 'integer' },
      { key: 'slope', label: 'slope', kind: 'number' },
      { key: 'slopeLow', label: 'slope CI low', kind: 'number' },
      { key: 'slopeHigh', label: 'slope CI high', kind: 'number' },
      { key: 'intercept', label: 'intercept', kind: 'number' },
      { key: 'interceptLow', label: 'intercept CI low', kind: 'number' },
      { key: 'interceptHigh', label: 'intercept CI high', kind: 'number' },
      { key: 'r2', label: 'R²', kind: 'number' },
      { key: 'r2Low', label: 'R² CI low', kind: 'number' },
      { key: 'r2High', label: 'R² CI high', kind: 'number' },
      { key: 'level', label: 'CI level', kind: 'fraction', exportOnly: true },
      { key: 'resamples', label: 'bootstrap resamples', kind: 'integer', exportOnly: true },
      { key: 'excluded', label: 'not in the fit', kind: 'text' },
    ],
    rows: fits.map(({ summary, norm, law, excluded }): Row => ({
      setting: summary.setting.label,
      norm: NORM_LABELS[norm],
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
      excluded: excluded.map((e) => `${e.model} (${e.reason})`).join('; '),
    })),
  };
  const blocks: Block[] = [
    paragraph(
      'The study’s “linear scaling law”: across models, mean distortion of successful adversarial examples = slope × ln(top-1 error) + intercept. ' +
        'A negative slope means more accurate models (lower error) need more distortion; a positive one, that they need less, i.e. are less robust.',
    ),
  ];
  for (const summary of ctx.attacks) {
    const mine = fits.filter((f) => f.summary === summary);
    const charts = mine.filter((f): f is ScalingFit & { law: ScalingLaw } => f.law !== null).map((f) => chart(ctx, f));
    blocks.push({ kind: 'subsection', id: `scaling-${summary.setting.slug}`, title: summary.setting.label });
    if (charts.length > 0) blocks.push({ kind: 'figures', charts });
    if (charts.length < mine.length) blocks.push(paragraph('No fit where fewer than two usable models with different top-1 errors had successful attacks.'));
  }
  blocks.push({ kind: 'table', table });
  if (ctx.attacks.length === 0) blocks.push(paragraph('No attack rows: nothing to fit.'));
  return { section: { id: 'scaling', title: 'Distortion vs accuracy: the scaling law', blocks }, tables: [table] };
}
