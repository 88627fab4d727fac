import type { AttackSummary } from '../attack-summary.js';
import { baseOption, SCATTER_HEIGHT, scatterByFamily, type ChartSpec, type ModelPoint } from '../chart.js';
import type { CleverSummary } from '../clever-summary.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { formatNumber } from '../format.js';
import { paragraph, type Block } from '../section.js';
import type { Row, Table } from '../table.js';

/**
 * CLEVER (L2) estimates the smallest L2 perturbation that changes a prediction; C&W-L2 finds a small one.
 * Comparing their per-model means asks whether the cheap, attack-independent score ranks models as the
 * attack does, as the study did. Pairs share the target kind.
 */
interface Pairing {
  clever: CleverSummary;
  attack: AttackSummary;
  points: (ModelPoint & { cleverCount: number; succeeded: number })[];
}

function pairings(ctx: ReportContext): Pairing[] {
  return ctx.clever
    .filter((c) => c.setting.norm === '2')
    .flatMap((clever) =>
      ctx.attacks
        .filter((a) => a.attack === 'cw-l2' && a.setting.targetKind === clever.setting.targetKind)
        .map((attack) => ({
          clever,
          attack,
          points: [...clever.byModel].flatMap(([sha, c]) => {
            const a = attack.byModel.get(sha)?.aggregate;
            const l2 = a?.distortion.l2.mean ?? null;
            if (c.score.mean === null || l2 === null) return [];
            const model = ctx.models.get(sha);
            const tooltip = [`${model.name} (${model.family})`, `mean CLEVER ${formatNumber(c.score.mean)} over ${c.score.count} examples`, `mean C&W L2 ${formatNumber(l2)} over ${a!.succeeded} successes`];
            return [{ model, x: c.score.mean, y: l2, tooltip, cleverCount: c.score.count, succeeded: a!.succeeded }];
          }),
        })),
    );
}

function chart(ctx: ReportContext, { clever, attack, points }: Pairing): ChartSpec {
  const description = `Scatter of mean C&W L2 distortion against mean CLEVER L2 score for ${points.length} models (${attack.setting.label} vs ${clever.setting.label}), with the line y = x.`;
  const option = baseOption({
    title: `C&W L2 distortion vs CLEVER · ${attack.setting.targetKind}`,
    subtitle: `${attack.setting.label} vs ${clever.setting.label}`,
    description,
    xName: 'mean CLEVER L2 score (pixel range 1)',
    yName: 'mean C&W L2 distortion (pixel range 1)',
  });
  const top = Math.max(...points.flatMap((p) => [p.x, p.y]));
  option.series = [
    ...scatterByFamily(points, ctx.models.families),
    {
      type: 'line',
      name: 'y = x',
      showSymbol: false,
      lineStyle: { color: '#888', type: 'dotted' },
      itemStyle: { color: '#888' },
      tooltip: { show: false },
      data: [
        [0, 0],
        [top, top],
      ],
    },
  ];
  return {
    id: `clever-${clever.setting.slug}-${attack.setting.slug}`,
    title: `${attack.setting.label} vs ${clever.setting.label}`,
    description,
    height: SCATTER_HEIGHT,
    notes: ['CLEVER estimates a lower bound on the minimal distortion: points far below y = x would contradict it; points above show how much room the attack leaves.'],
    option,
  };
}

export function cleverSection(ctx: ReportContext): SectionOutput {
  const scores: Table = {
    id: 'clever',
    title: 'CLEVER scores',
    caption: 'Per CLEVER setting and model: the mean and std of the scores (capped at the sampling radius) and how many fell back to the sample maximum.',
    groupBy: 'setting',
    columns: [
      { key: 'setting', label: 'CLEVER setting', kind: 'text' },
      { key: 'settings', label: 'parameters', kind: 'code', exportOnly: true },
      { key: 'model', label: 'model', kind: 'text' },
      { key: 'family', label: 'family', kind: 'text' },
      { key: 'examples', label: 'examples', kind: 'integer' },
      { key: 'mean', label: 'mean score', kind: 'number' },
      { key: 'std', label: 'std', kind: 'number' },
      { key: 'fallbacks', label: 'fit fallbacks', kind: 'integer' },
    ],
    rows: ctx.clever.flatMap(({ setting, byModel }) =>
      [...byModel].map(([sha, c]): Row => {
        const m = ctx.models.get(sha);
        return { setting: setting.label, settings: JSON.stringify(setting.params), model: m.name, family: m.family, examples: c.score.count, mean: c.score.mean, std: c.score.std, fallbacks: c.fallbacks };
      }),
    ),
  };
  const all = pairings(ctx);
  const comparison: Table = {
    id: 'clever-vs-attack',
    title: 'CLEVER vs C&W L2',
    caption: 'Per model: mean CLEVER L2 score and mean C&W L2 distortion over successes, for the same target kind.',
    groupBy: 'pair',
    columns: [
      { key: 'pair', label: 'attack vs CLEVER setting', kind: 'text' },
      { key: 'model', label: 'model', kind: 'text' },
      { key: 'family', label: 'family', kind: 'text' },
      { key: 'cleverMean', label: 'mean CLEVER L2', kind: 'number' },
      { key: 'cleverExamples', label: 'CLEVER examples', kind: 'integer' },
      { key: 'attackL2Mean', label: 'mean C&W L2', kind: 'number' },
      { key: 'attackSucceeded', label: 'C&W successes', kind: 'integer' },
    ],
    rows: all.flatMap(({ clever, attack, points }) =>
      points.map((p) => ({
        pair: `${attack.setting.label} vs ${clever.setting.label}`,
        model: p.model.name,
        family: p.model.family,
        cleverMean: p.x,
        cleverExamples: p.cleverCount,
        attackL2Mean: p.y,
        attackSucceeded: p.succeeded,
      })),
    ),
  };
  const blocks: Block[] = [];
  if (ctx.clever.length === 0) blocks.push(paragraph('The store holds no CLEVER rows.'));
  else blocks.push({ kind: 'table', table: scores });
  const charts = all.filter((p) => p.points.length > 0).map((p) => chart(ctx, p));
  blocks.push({ kind: 'subsection', id: 'clever-vs-cw', title: 'CLEVER vs C&W L2 distortion' });
  if (charts.length > 0) blocks.push({ kind: 'figures', charts }, { kind: 'table', table: comparison });
  else blocks.push(paragraph('No comparison: it needs CLEVER L2 scores and successful C&W-L2 attacks of the same target kind on the same models.'));
  return { section: { id: 'clever', title: 'CLEVER', blocks }, tables: [scores, comparison] };
}
