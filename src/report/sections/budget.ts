import { minimisedNorm } from '../../analysis/minimal-distortion.js';
import type { LpNorm } from '../../core/lp.js';
import { BUDGET_RULE, budgetVerdict, compareBudgets, type BudgetComparison, type BudgetOutcome } from '../../analysis/budget-adequacy.js';
import type { AttackRow, BudgetRow } from '../../records/records.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { formatChange, NORM_LABELS, plural } from '../format.js';
import { paragraph } from '../section.js';
import { QUANTILE_INTERVAL_COLUMNS, quantileIntervalCells, SETTING_COLUMNS, SETTING_MODEL_COLUMNS, settingCells, settingModelCells, withQuantileIntervals } from '../setting-columns.js';
import type { Setting } from '../settings.js';
import type { Column, Row, Table } from '../table.js';
import type { Tagged } from '../tagged.js';

/** The budget check of one setting on one model: each re-run example beside its attack row. */
interface Check {
  setting: Setting;
  attack: AttackRow['attack'];
  model: string;
  factor: number;
  pairs: { base: AttackRow; larger: BudgetRow }[];
}

/**
 * Budget adequacy (issue 17): per attack setting, over every model's examples, and per setting and model,
 * the seeded subsample re-run at a multiple of the budget, compared example by example with the setting's
 * own rows (analysis/budget-adequacy.ts). A few examples per model say little about a p90; pooled over the
 * models, the setting's verdict rests on all of them, and its intervals say how firmly.
 */
export function budgetSection(ctx: ReportContext): SectionOutput {
  const checks = budgetChecks(ctx.rows.attacks, ctx.rows.budget);
  if (checks.length === 0) {
    return { section: { id: 'budget', title: 'Budget adequacy', blocks: [paragraph('No budget check was run (config field budgetCheck).')] }, tables: [] };
  }
  const perModel = checks.map((check) => ({ check, assessment: assess(check) }));
  const groups = new Map<string, Check[]>();
  for (const c of checks) {
    const key = JSON.stringify([c.setting.key, c.factor]);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const pooled = [...groups.values()].map((group) => {
    const check: Check = { ...group[0]!, model: '', pairs: group.flatMap((c) => c.pairs) };
    return { check, models: group.length, assessment: assess(check) };
  });
  const settingTable: Table = {
    id: 'budget-adequacy-settings',
    title: 'Budget adequacy per attack setting',
    caption:
      "Each attack setting's budget check over the examples of every model (the table below breaks it down by model). " +
      `Rule (issue 17): median ratio at most ${formatChange(BUDGET_RULE.median)}, p90 at most ${formatChange(BUDGET_RULE.p90)}, no success gained. ` +
      'The intervals are distribution-free 95% intervals of the median and the p90 (order statistics of the ratios); an end is — when too few ' +
      'examples bound it (the p90\'s upper end needs 36).',
    columns: [
      ...SETTING_COLUMNS,
      { key: 'models', label: 'models', kind: 'integer' },
      // Each interval beside its statistic: the reader compares the two with the rule.
      ...withQuantileIntervals(COMPARISON_COLUMNS),
    ],
    rows: pooled.map(({ check, models, assessment }) => ({ ...settingCells(check.setting), models, ...comparisonCells(check, assessment) })),
  };
  const table: Table = {
    id: 'budget-adequacy',
    title: 'Budget adequacy per model',
    caption:
      'A seeded subsample of each attack setting\'s examples per model, attacked again at a multiple of its budget (4x: twice the binary-search steps ' +
      'or budgets tried of twice the iterations for C&W, EAD and the I-FGSM search; 4x the budgets tried for the FGSM search; 4x the iterations for the other ' +
      'iterative attacks; FGSM has no budget). ' +
      'Ratio = distortion at the budget / distortion at the larger budget, in the norm the attack minimises, on the examples both budgets made adversarial ' +
      '(above 1: the budget stopped short), shown as its change (+2.00%: 2% more distortion than the larger budget needed). Gained: examples only the larger budget broke; lost: the reverse. ' +
      `Rule (issue 17): median ratio at most ${formatChange(BUDGET_RULE.median)}, p90 at most ${formatChange(BUDGET_RULE.p90)}, no success gained; without a minimised norm (a fixed-ball attack), no success gained. ` +
      'Gradient calls are per example, at the budget and at the larger one.',
    groupBy: 'setting',
    modelKey: 'model',
    // With a few examples per model the intervals are mostly open: exported, not shown.
    columns: [...SETTING_MODEL_COLUMNS, ...COMPARISON_COLUMNS, ...QUANTILE_INTERVAL_COLUMNS.map((c) => ({ ...c, exportOnly: true }))],
    rows: perModel.map(({ check, assessment }) => ({ ...settingModelCells(check.setting, ctx.models.get(check.model)), ...comparisonCells(check, assessment) })),
  };
  const named = (verdict: Verdict) =>
    pooled.filter((g) => g.assessment.verdict === verdict).map((g) => `${g.check.setting.label}${verdict === 'falls short' ? ` (${shortfall(g.assessment.comparison)})` : ''}`);
  const perSetting = new Map<string, { label: string; meets: number; models: number }>();
  for (const { check, assessment: { verdict } } of perModel) {
    const entry = perSetting.get(check.setting.key) ?? { label: check.setting.label, meets: 0, models: 0 };
    entry.models++;
    if (verdict === 'meets') entry.meets++;
    perSetting.set(check.setting.key, entry);
  }
  const sizes = checks.map((c) => c.pairs.length);
  const [fewest, most] = [Math.min(...sizes), Math.max(...sizes)];
  const short = named('falls short');
  const list = (lead: string, labels: string[]) => (labels.length > 0 ? [`${lead}: ${labels.join('; ')}.`] : []);
  const summary = [
    `${plural(sizes.reduce((a, b) => a + b, 0), 'example')} re-run in ${plural(perSetting.size, 'attack setting')}, ${fewest === most ? fewest : `${fewest} to ${most}`} per model and setting.`,
    ...list("Over all models' examples, meet the rule", named('meets')),
    ...list('Fall short', short),
    // Budget adequacy compares a setting with itself; the reference minima compare it with every other attack.
    ...(short.length > 0 ? ['Their results would change with a larger budget; the distance to the reference minima (next section) shows how far each minimal-distortion setting is from the smallest distortion any attack of the study found.'] : []),
    ...list('Cannot be assessed (no example adversarial at both budgets)', named('unassessed')),
    `Per model: ${[...perSetting.values()].map((e) => `${e.label} meets it on ${e.meets} of ${plural(e.models, 'model')}`).join('; ')}` +
      // With few examples the p90 interpolates between the largest ratios: a per-model verdict rests on them.
      (most < 20 ? ', where so few examples put the p90 close to the largest ratio.' : '.'),
  ].join(' ');
  return {
    section: { id: 'budget', title: 'Budget adequacy', blocks: [paragraph(summary), { kind: 'table', table: settingTable }, { kind: 'table', table }] },
    tables: [settingTable, table],
  };
}

type Verdict = ReturnType<typeof budgetVerdict>;

/** The columns a comparison fills, in both tables. */
const COMPARISON_COLUMNS: readonly Column[] = [
  { key: 'factor', label: 'budget ×', kind: 'integer' },
  { key: 'norm', label: 'norm', kind: 'text' },
  { key: 'checked', label: 'examples checked', kind: 'integer' },
  { key: 'compared', label: 'both adversarial', kind: 'integer' },
  { key: 'medianRatio', label: 'median ratio', kind: 'change' },
  { key: 'p90Ratio', label: 'p90 ratio', kind: 'change' },
  { key: 'maxRatio', label: 'max ratio', kind: 'change' },
  { key: 'gained', label: 'successes gained', kind: 'integer' },
  { key: 'lost', label: 'successes lost', kind: 'integer' },
  { key: 'verdict', label: 'rule', kind: 'text' },
  { key: 'gradientCalls', label: 'gradient calls / example', kind: 'number', exportOnly: true },
  { key: 'gradientCallsLarger', label: 'gradient calls / example, larger budget', kind: 'number', exportOnly: true },
];

/**
 * What fails the rule first: a success gained, else the median, else the p90, with that statistic's 95%
 * interval and whether the interval clears the rule: a point estimate just past it may be sampling noise of
 * the few examples re-run, one whose interval lies beyond it is not.
 */
function shortfall(c: BudgetComparison): string {
  if (c.gained > 0) return `${plural(c.gained, 'success', 'successes')} gained`;
  const [name, value, interval, limit] = c.median! > BUDGET_RULE.median ? ['median', c.median!, c.medianInterval, BUDGET_RULE.median] : ['p90', c.p90!, c.p90Interval, BUDGET_RULE.p90];
  const firm = interval.low !== undefined && interval.low > limit;
  return `${name} ${formatChange(value)}, 95% interval ${formatChange(interval.low ?? null)} to ${formatChange(interval.high ?? null)}, ${firm ? 'above' : 'which includes'} the rule's ${formatChange(limit)}`;
}

/** A check's comparison in the norm its attack minimises (undefined: success only), judged by the rule. */
interface Assessment {
  norm: LpNorm | undefined;
  comparison: BudgetComparison;
  verdict: Verdict;
}

function assess({ setting, attack, pairs }: Check): Assessment {
  const norm = minimisedNorm(attack, setting.params);
  const outcome = (r: Pick<AttackRow, 'status' | 'l1' | 'l2' | 'linf'>): BudgetOutcome => ({ success: r.status === 'success', distortion: norm ? r[norm] : null });
  const comparison = compareBudgets(pairs.map((p) => ({ base: outcome(p.base), larger: outcome(p.larger) })), norm !== undefined);
  return { norm, comparison, verdict: budgetVerdict(comparison, norm !== undefined) };
}

function comparisonCells({ factor, pairs }: Check, { norm, comparison: c, verdict }: Assessment): Row {
  return {
    factor,
    norm: norm ? NORM_LABELS[norm] : null,
    checked: pairs.length,
    compared: c.compared,
    medianRatio: c.median ?? null,
    p90Ratio: c.p90 ?? null,
    maxRatio: c.max ?? null,
    gained: c.gained,
    lost: c.lost,
    verdict,
    gradientCalls: mean(pairs.map((p) => p.base.gradientCalls)),
    gradientCallsLarger: mean(pairs.map((p) => p.larger.gradientCalls)),
    ...quantileIntervalCells(c.medianInterval, c.p90Interval),
  };
}

/** The budget rows joined with the attack rows they re-run, per setting (catalog order) and model (row order). */
function budgetChecks(attacks: readonly Tagged<AttackRow>[], budget: readonly BudgetRow[]): Check[] {
  const key = (sha: string, item: string, method: string, settings: string, seed: number) => JSON.stringify([sha, item, method, settings, seed]);
  const base = new Map(attacks.map((t) => [key(t.row.modelSha256, t.row.itemId, t.row.method, t.row.settings, t.row.seed), t]));
  const checks = new Map<string, Check>();
  for (const larger of budget) {
    // A base row is missing only when its unit failed (NaN or Inf): there is nothing to compare with.
    const tagged = base.get(key(larger.modelSha256, larger.itemId, larger.method, larger.baseSettings, larger.seed));
    if (!tagged) continue;
    const k = JSON.stringify([tagged.setting.key, larger.modelSha256, larger.factor]);
    const check = checks.get(k) ?? { setting: tagged.setting, attack: tagged.row.attack, model: larger.modelSha256, factor: larger.factor, pairs: [] };
    check.pairs.push({ base: tagged.row, larger });
    checks.set(k, check);
  }
  const order = new Map<string, number>();
  attacks.forEach((t, i) => order.has(t.setting.key) || order.set(t.setting.key, i));
  return [...checks.values()].sort((a, b) => order.get(a.setting.key)! - order.get(b.setting.key)!);
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
