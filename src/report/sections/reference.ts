import { minimisedNorm } from '../../analysis/minimal-distortion.js';
import { distancesToReference, referenceMinima, REFERENCE_TOLERANCE, type MinimalAttempt, type ReferenceDistance, type ReferenceNorm } from '../../analysis/reference-minima.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { NORM_LABELS } from '../format.js';
import { paragraph } from '../section.js';
import { QUANTILE_INTERVAL_COLUMNS, quantileIntervalCells, SETTING_COLUMNS, SETTING_MODEL_COLUMNS, settingCells, settingModelCells, withQuantileIntervals } from '../setting-columns.js';
import type { Setting } from '../settings.js';
import type { Column, Table } from '../table.js';

/**
 * Reference minima (issue 17): per example, the smallest distortion any minimal-distortion attack setting
 * of the study found, per norm; per setting and model, how far the setting is from it in the norm it
 * minimises (analysis/reference-minima.ts).
 */
export function referenceSection(ctx: ReportContext): SectionOutput {
  const minimal = new Map(ctx.attacks.filter((s) => s.minimal).map((s) => [s.setting.key, s]));
  const settings = new Map<string, Setting>();
  const attempts: MinimalAttempt[] = ctx.rows.attacks.flatMap(({ row, setting }) => {
    if (!minimal.has(setting.key)) return [];
    settings.set(setting.key, setting);
    return [{ model: row.modelSha256, example: row.itemId, targetKind: row.targetKind, setting: setting.key, success: row.status === 'success', distortion: { l1: row.l1, l2: row.l2, linf: row.linf } }];
  });
  const normOf = (key: string): ReferenceNorm => {
    const summary = minimal.get(key)!;
    return minimisedNorm(summary.attack, summary.setting.params)!;
  };
  const distances = distancesToReference(attempts, normOf);
  const bySetting = new Map(distances.map((d) => [JSON.stringify([d.setting, d.model]), d]));
  const pooled = new Map(distancesToReference(attempts, normOf, REFERENCE_TOLERANCE, true).map((d) => [d.setting, d]));
  const cells = (d: ReferenceDistance) => ({
    norm: NORM_LABELS[d.norm],
    examples: d.examples,
    compared: d.compared,
    medianRatio: d.median ?? null,
    p90Ratio: d.p90 ?? null,
    ...quantileIntervalCells(d.medianInterval, d.p90Interval),
    within: { numerator: d.within, denominator: d.examples },
    missed: { numerator: d.missed, denominator: d.examples },
  });
  const definitions =
    'The reference of an example is the smallest distortion, per norm, that any minimal-distortion attack setting of the study found on it (per model and target kind; successes only). ' +
    'Each setting is compared in the norm it minimises. Ratio = the setting\'s distortion / the reference, over the examples it broke, shown as its change (+0.00%: it found the reference). ' +
    `Within ${REFERENCE_TOLERANCE * 100}%: examples where the ratio is at most ${1 + REFERENCE_TOLERANCE}; missed: examples it failed on while another setting broke them; ` +
    'both over the examples the setting attacked that some setting broke. A large distance or many misses points to a weak attack or masked gradients, not to robustness.';
  const settingTable: Table = {
    id: 'reference-minima-settings',
    title: 'Distance to the reference minima per attack setting',
    caption:
      `Each setting over the examples of every model (the table below breaks it down by model). ${definitions} ` +
      'The intervals are distribution-free 95% intervals of the median and the p90 (order statistics of the ratios); an end is — when too few examples bound it.',
    columns: [
      ...SETTING_COLUMNS,
      { key: 'models', label: 'models', kind: 'integer' },
      ...withQuantileIntervals(DISTANCE_COLUMNS),
    ],
    // Settings in catalog order, as in the table per model.
    rows: [...minimal.values()].flatMap(({ setting }) => {
      const d = pooled.get(setting.key);
      return d ? [{ ...settingCells(setting), models: d.models, ...cells(d) }] : [];
    }),
  };
  const table: Table = {
    id: 'reference-minima',
    title: 'Distance to the reference minima per model',
    caption: `${definitions} The intervals per model are exported, not shown: the table above has those over all models.`,
    groupBy: 'setting',
    modelKey: 'model',
    columns: [...SETTING_MODEL_COLUMNS, ...withQuantileIntervals(DISTANCE_COLUMNS).map((c) => (QUANTILE_INTERVAL_COLUMNS.includes(c) ? { ...c, exportOnly: true } : c))],
    // Settings in catalog order, models in report order.
    rows: [...minimal.values()].flatMap((summary) =>
      [...summary.byModel.keys()].flatMap((sha) => {
        const d = bySetting.get(JSON.stringify([summary.setting.key, sha]));
        if (!d) return [];
        return [{ ...settingModelCells(summary.setting, ctx.models.get(sha)), ...cells(d) }];
      }),
    ),
  };
  const references = referenceMinima(attempts);
  const perExample: Table = {
    id: 'reference-minima-examples',
    title: 'Reference minima per example',
    caption: 'Per model, example and target kind: the smallest L1, L2 and L∞ distortion any minimal-distortion attack setting found (∞: none succeeded), and the setting that found it.',
    columns: [
      { key: 'model', label: 'model', kind: 'text' },
      { key: 'example', label: 'example', kind: 'code' },
      { key: 'targetKind', label: 'target kind', kind: 'text' },
      ...(['l1', 'l2', 'linf'] as const).flatMap((norm) => [
        { key: norm, label: `reference ${NORM_LABELS[norm]}`, kind: 'number' as const },
        { key: `${norm}FoundBy`, label: `${NORM_LABELS[norm]} found by`, kind: 'text' as const },
      ]),
    ],
    rows: references.map((r) => ({
      model: ctx.models.get(r.model).name,
      example: r.example,
      targetKind: r.targetKind,
      ...Object.fromEntries((['l1', 'l2', 'linf'] as const).flatMap((norm) => {
        const by = r.foundBy[norm];
        return [[norm, r.minimum[norm]], [`${norm}FoundBy`, by === null ? null : settings.get(by)!.label]];
      })),
    })),
  };
  const intro =
    minimal.size === 0
      ? 'No minimal-distortion attack in the study: there is no reference to compare with.'
      : `${minimal.size} minimal-distortion attack settings set the reference of ${references.length} attacked examples (model × example × target kind). ` +
        `The per-example references are exported as ${perExample.id}.csv/json.` +
        (minimal.size === 1 ? ' With a single setting, the reference is that setting\'s own result: a second minimal-distortion attack is needed for the comparison to say anything.' : '');
  return {
    section: {
      id: 'reference',
      title: 'Distance to the reference minima',
      blocks: [paragraph(intro), ...(minimal.size === 0 ? [] : [settingTable, table].map((t) => ({ kind: 'table' as const, table: t })))],
    },
    tables: minimal.size === 0 ? [] : [settingTable, table, perExample],
  };
}

/** The columns of a setting's distance to the reference, after the setting (and model) columns. */
const DISTANCE_COLUMNS: readonly Column[] = [
  { key: 'norm', label: 'norm', kind: 'text' },
  { key: 'examples', label: 'examples with a reference', kind: 'integer' },
  { key: 'compared', label: 'broken by this setting', kind: 'integer' },
  { key: 'medianRatio', label: 'median ratio', kind: 'change' },
  { key: 'p90Ratio', label: 'p90 ratio', kind: 'change' },
  { key: 'within', label: `within ${REFERENCE_TOLERANCE * 100}%`, kind: 'ratio' },
  { key: 'missed', label: 'missed', kind: 'ratio' },
];
