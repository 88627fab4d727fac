import type { ReportContext, SectionOutput } from '../report-context.js';
import type { Tagged } from '../tagged.js';
import { formatInteger } from '../format.js';
import { NORM_NAMES } from '../settings.js';
import { paragraph, type Block } from '../section.js';
import type { Table } from '../table.js';
import { BOOTSTRAP } from './scaling.js';

const list = (values: Iterable<string | number>): string => [...values].join(', ') || 'none';

/** When the rows were produced, from their (sorted, ISO 8601) creation times. */
function period(sorted: readonly string[]): string {
  if (sorted.length === 0) return '.';
  const [first, last] = [sorted[0]!, sorted[sorted.length - 1]!];
  return first === last ? ` at ${first}.` : ` between ${first} and ${last}.`;
}

/** Which rows use a setting, and with which seeds. */
function usage(ctx: ReportContext) {
  const bySetting = new Map<string, { seeds: Set<number>; attack: number; clever: number; transfer: number }>();
  const tally = (kind: 'attack' | 'clever' | 'transfer', rows: readonly Tagged<{ seed: number }>[]) => {
    for (const { row, setting } of rows) {
      const u = bySetting.get(setting.key) ?? { seeds: new Set<number>(), attack: 0, clever: 0, transfer: 0 };
      u.seeds.add(row.seed);
      u[kind]++;
      bySetting.set(setting.key, u);
    }
  };
  tally('attack', ctx.rows.attacks);
  tally('clever', ctx.rows.clever);
  tally('transfer', ctx.rows.transfer);
  return bySetting;
}

/** What produced the numbers: tool versions, seeds, every setting with its full parameters, and the config. */
export function methodSection(ctx: ReportContext): SectionOutput {
  const used = usage(ctx);
  const settings: Table = {
    id: 'settings',
    title: 'Settings',
    caption: 'Every setting in the store: its parameters as stored (canonical JSON), the seeds its rows were produced with and how many rows of each kind use it.',
    columns: [
      { key: 'setting', label: 'setting', kind: 'text' },
      { key: 'method', label: 'method', kind: 'code' },
      { key: 'targetKind', label: 'target kind', kind: 'text' },
      { key: 'norm', label: 'norm', kind: 'text' },
      { key: 'parameters', label: 'parameters', kind: 'code' },
      { key: 'seeds', label: 'seeds', kind: 'text' },
      { key: 'attackRows', label: 'attack rows', kind: 'integer' },
      { key: 'cleverRows', label: 'CLEVER rows', kind: 'integer' },
      { key: 'transferRows', label: 'transfer rows', kind: 'integer' },
    ],
    rows: ctx.settings.list.map((s) => {
      const u = used.get(s.key)!;
      return {
        setting: s.label,
        method: s.method,
        targetKind: s.targetKind,
        norm: s.norm === undefined ? null : (NORM_NAMES[s.norm] ?? s.norm),
        parameters: JSON.stringify(s.params),
        seeds: list([...u.seeds].sort((a, b) => a - b)),
        attackRows: u.attack,
        cleverRows: u.clever,
        transferRows: u.transfer,
      };
    }),
  };
  const all = [...ctx.rows.clean, ...ctx.rows.attacks.map((t) => t.row), ...ctx.rows.clever.map((t) => t.row), ...ctx.rows.transfer.map((t) => t.row), ...ctx.rows.budget];
  const versions = new Set(all.map((r) => r.toolVersion));
  const times = all.map((r) => r.createdAt).sort();
  const seeds = new Set(all.map((r) => r.seed));
  const blocks: Block[] = [
    paragraph(
      `Report by robustscope ${ctx.toolVersion}, a pure function of the stored rows: ${ctx.rows.clean.length} clean, ${ctx.rows.attacks.length} attack, ` +
        `${ctx.rows.clever.length} CLEVER, ${ctx.rows.transfer.length} transfer and ${ctx.rows.budget.length} budget-check rows, produced by robustscope ${list(versions)}` +
        period(times),
    ),
    paragraph(`Seeds in the rows: ${list([...seeds].sort((a, b) => a - b))}. Every random draw (targets, starts, CLEVER samples) derives from the seed and the example id.`),
    paragraph(
      'Images live in canonical space: float32 RGB in [0, 1], each model’s own preprocessing inside its graph, so every distortion is in pixel range 1. ' +
        'An attack succeeds when the re-classified image (plain argmax, no confidence margin) is misclassified (untargeted) or classified as the target (targeted). ' +
        'Success rate = successes / attempted. Per example, the distortion of a minimal-distortion attack (C&W, EAD, DeepFool, FMN, a budget search) is the smallest it found, and a failure counts as +∞: ' +
        'medians (with 1,000-resample bootstrap 95% intervals over the examples) and robustness curves use every attacked example; the reference study’s means are over successes only and are shown beside the success rate.',
    ),
    paragraph(
      'Accuracy is measured on a held-out evaluation: every model classifies every image of the split (or the configured number of them), ' +
        'separately from the attacked sample, and is reported with its Wilson 95% interval. The attacked examples of a model are the first sampled ones it classifies correctly (or, with correct-for-all, that every model does).',
    ),
    paragraph(
      `Scaling-law intervals: ${formatInteger(BOOTSTRAP.resamples)} bootstrap resamples of the models, ${Math.round(BOOTSTRAP.level * 100)}% percentile intervals, ` +
        `seed ${ctx.bootstrapSeed} (the smallest seed of the attack rows) with a stream named after each setting and norm.`,
    ),
    { kind: 'table', table: settings },
  ];
  if (ctx.config !== undefined) {
    blocks.push({ kind: 'subsection', id: 'config', title: 'Study configuration' }, { kind: 'preformatted', text: JSON.stringify(ctx.config, null, 2) });
  }
  return { section: { id: 'method', title: 'Method', blocks }, tables: [settings] };
}
