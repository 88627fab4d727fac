import type { ReportContext, SectionOutput } from '../report-context.js';
import { paragraph } from '../section.js';
import type { Column, Table } from '../table.js';

/** One row per model: what it is, how accurate it is on the study's examples, and its mean CLEVER scores. */
export function modelsSection(ctx: ReportContext): SectionOutput {
  const cleverColumns: Column[] = ctx.clever.flatMap(({ setting }) => [
    { key: `clever_mean_${setting.slug}`, label: `mean ${setting.label}`, kind: 'number' },
    { key: `clever_count_${setting.slug}`, label: `examples ${setting.label}`, kind: 'integer', exportOnly: true },
  ]);
  const table: Table = {
    id: 'models',
    title: 'Models',
    caption:
      'Top-1 accuracy is measured on the held-out split (every image of the dataset the study names), with its Wilson 95% interval; the sample’s clean pass, from which the attacked examples are chosen, is shown beside it. ' +
      'Depth counts the layers with weights on the longest path. A model’s name links to its rows in the other tables. ' +
      'CLEVER scores are estimated lower bounds on the distortion needed to change the prediction, in the norm named, in canonical pixel range 1.',
    columns: [
      { key: 'model', label: 'model', kind: 'text', linkTo: 'attacks' },
      { key: 'family', label: 'family', kind: 'text' },
      { key: 'sha256', label: 'sha256', kind: 'code', exportOnly: true },
      { key: 'parameters', label: 'parameters', kind: 'si' },
      { key: 'flopsPerImage', label: 'FLOPs per image', kind: 'si' },
      { key: 'depth', label: 'depth', kind: 'integer' },
      { key: 'heldOutEvaluated', label: 'held-out images', kind: 'integer' },
      { key: 'heldOutCorrect', label: 'held-out correct', kind: 'integer', exportOnly: true },
      { key: 'accuracy', label: 'top-1 accuracy', kind: 'fraction' },
      { key: 'accuracyLow', label: 'accuracy CI low', kind: 'fraction' },
      { key: 'accuracyHigh', label: 'accuracy CI high', kind: 'fraction' },
      { key: 'cleanEvaluated', label: 'sample examples', kind: 'integer' },
      { key: 'cleanCorrect', label: 'sample correct', kind: 'integer' },
      { key: 'cleanNonFinite', label: 'NaN/Inf logits', kind: 'integer' },
      ...cleverColumns,
    ],
    rows: ctx.models.ordered.map((m) => ({
      model: m.name,
      family: m.family,
      sha256: m.sha256,
      parameters: m.parameters,
      flopsPerImage: m.flopsPerImage,
      depth: m.depth,
      heldOutEvaluated: m.heldOut?.trials ?? null,
      heldOutCorrect: m.heldOut?.successes ?? null,
      accuracy: m.accuracy,
      accuracyLow: m.heldOut?.interval[0] ?? null,
      accuracyHigh: m.heldOut?.interval[1] ?? null,
      cleanEvaluated: m.cleanEvaluated,
      cleanCorrect: m.cleanCorrect,
      cleanNonFinite: m.cleanNonFinite,
      ...Object.fromEntries(
        ctx.clever.flatMap(({ setting, byModel }) => {
          const c = byModel.get(m.sha256);
          return [
            [`clever_mean_${setting.slug}`, c?.score.mean ?? null],
            [`clever_count_${setting.slug}`, c?.score.count ?? 0],
          ];
        }),
      ),
    })),
  };
  const failed: Table = {
    id: 'failed-units',
    title: 'Failed units',
    caption: 'Work units whose model produced NaN or Inf where the computation needs finite values: they have no rows, and the other units of the study are unaffected.',
    columns: [
      { key: 'model', label: 'model', kind: 'text' },
      { key: 'phase', label: 'phase', kind: 'text' },
      { key: 'method', label: 'method', kind: 'text' },
      { key: 'shard', label: 'shard', kind: 'integer' },
      { key: 'reason', label: 'reason', kind: 'text' },
    ],
    rows: ctx.failedUnits.map((u) => ({ model: u.model, phase: u.phase, method: u.method, shard: u.shard, reason: u.failure })),
  };
  const nonFinite = ctx.models.ordered.filter((m) => m.cleanNonFinite > 0);
  return {
    section: {
      id: 'models',
      title: 'Models',
      blocks: [
        paragraph(`${ctx.models.ordered.length} models in ${ctx.models.families.length} families, grouped by family throughout the report.`),
        { kind: 'table', table },
        ...(nonFinite.length > 0 ? [paragraph(`NaN or Inf logits on clean examples (counted as wrong): ${nonFinite.map((m) => `${m.name} on ${m.cleanNonFinite}`).join(', ')}.`)] : []),
        ...(failed.rows.length > 0 ? [{ kind: 'table' as const, table: failed }] : []),
      ],
    },
    tables: failed.rows.length > 0 ? [table, failed] : [table],
  };
}
