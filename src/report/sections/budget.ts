import { minimisedNorm } from '../../analysis/minimal-distortion.js';
import { BUDGET_RULE, budgetVerdict, compareBudgets, type BudgetOutcome } from '../../analysis/budget-adequacy.js';
import type { AttackRow, BudgetRow } from '../../records/records.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { NORM_LABELS, plural } from '../format.js';
import { paragraph } from '../section.js';
import { SETTING_MODEL_COLUMNS, settingModelCells } from '../setting-columns.js';
import type { Setting } from '../settings.js';
import type { Row, Table } from '../table.js';
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
 * Budget adequacy (issue 17): per attack setting and model, the seeded subsample re-run at a multiple of
 * the budget, compared example by example with the setting's own rows (analysis/budget-adequacy.ts).
 */
export function budgetSection(ctx: ReportContext): SectionOutput {
  const checks = budgetChecks(ctx.rows.attacks, ctx.rows.budget);
  const verdicts = new Map<string, { setting: Setting; verdicts: { model: string; verdict: ReturnType<typeof budgetVerdict> }[] }>();
  const rows = checks.map(({ setting, attack, model, factor, pairs }): Row => {
    const norm = minimisedNorm(attack, setting.params);
    const outcome = (r: Pick<AttackRow, 'status' | 'l1' | 'l2' | 'linf'>): BudgetOutcome => ({ success: r.status === 'success', distortion: norm ? r[norm] : null });
    const c = compareBudgets(pairs.map((p) => ({ base: outcome(p.base), larger: outcome(p.larger) })), norm !== undefined);
    const verdict = budgetVerdict(c, norm !== undefined);
    const m = ctx.models.get(model);
    const entry = verdicts.get(setting.key) ?? { setting, verdicts: [] };
    entry.verdicts.push({ model: m.name, verdict });
    verdicts.set(setting.key, entry);
    return {
      ...settingModelCells(setting, m),
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
    };
  });
  const table: Table = {
    id: 'budget-adequacy',
    title: 'Budget adequacy',
    caption:
      'A seeded subsample of each attack setting\'s examples per model, attacked again at a multiple of its budget (4x: twice the binary-search steps ' +
      'or budgets tried of twice the iterations for C&W, EAD and the I-FGSM search; 4x the budgets tried for the FGSM search; 4x the iterations for the other ' +
      'iterative attacks; FGSM has no budget). ' +
      'Ratio = distortion at the budget / distortion at the larger budget, in the norm the attack minimises, on the examples both budgets made adversarial ' +
      '(above 1: the budget stopped short). Gained: examples only the larger budget broke; lost: the reverse. ' +
      `Rule (issue 17): median ratio at most ${BUDGET_RULE.median}, p90 at most ${BUDGET_RULE.p90}, no success gained; without a minimised norm (a fixed-ball attack), no success gained. ` +
      'Gradient calls are per example, at the budget and at the larger one.',
    groupBy: 'setting',
    modelKey: 'model',
    columns: [
      ...SETTING_MODEL_COLUMNS,
      { key: 'factor', label: 'budget ×', kind: 'integer' },
      { key: 'norm', label: 'norm', kind: 'text' },
      { key: 'checked', label: 'examples checked', kind: 'integer' },
      { key: 'compared', label: 'both adversarial', kind: 'integer' },
      { key: 'medianRatio', label: 'median ratio', kind: 'number' },
      { key: 'p90Ratio', label: 'p90 ratio', kind: 'number' },
      { key: 'maxRatio', label: 'max ratio', kind: 'number' },
      { key: 'gained', label: 'successes gained', kind: 'integer' },
      { key: 'lost', label: 'successes lost', kind: 'integer' },
      { key: 'verdict', label: 'rule', kind: 'text' },
      { key: 'gradientCalls', label: 'gradient calls / example', kind: 'number', exportOnly: true },
      { key: 'gradientCallsLarger', label: 'gradient calls / example, larger budget', kind: 'number', exportOnly: true },
    ],
    rows,
  };
  if (checks.length === 0) {
    return { section: { id: 'budget', title: 'Budget adequacy', blocks: [paragraph('No budget check was run (config field budgetCheck).')] }, tables: [] };
  }
  const all = [...verdicts.values()];
  const modelCount = (models: string[], of: number) => (models.length === of ? 'on every model' : `on ${models.join(', ')}`);
  const listed = (verdict: ReturnType<typeof budgetVerdict>) =>
    all.flatMap((s) => {
      const models = s.verdicts.filter((v) => v.verdict === verdict).map((v) => v.model);
      return models.length === 0 ? [] : [`${s.setting.label} (${modelCount(models, s.verdicts.length)})`];
    });
  const meets = all.filter((s) => s.verdicts.every((v) => v.verdict === 'meets')).map((s) => s.setting.label);
  const short = listed('falls short');
  const unassessed = listed('unassessed');
  const sizes = checks.map((c) => c.pairs.length);
  const [fewest, most] = [Math.min(...sizes), Math.max(...sizes)];
  const summary = [
    `${plural(sizes.reduce((a, b) => a + b, 0), 'example')} re-run in ${plural(all.length, 'attack setting')}, ${fewest === most ? fewest : `${fewest} to ${most}`} per model and setting.`,
    meets.length > 0 ? `Meet the rule on every model: ${meets.join('; ')}.` : 'No setting meets the rule on every model.',
    ...(short.length > 0 ? [`Fall short: ${short.join('; ')}.`] : []),
    ...(unassessed.length > 0 ? [`Cannot be assessed (no example adversarial at both budgets): ${unassessed.join('; ')}.`] : []),
    // With few examples the p90 interpolates between the largest ratios: the counts say how much it rests on.
    ...(most < 20 ? ['With so few examples per model the p90 is close to the largest ratio: read it with the counts beside it.'] : []),
  ].join(' ');
  return { section: { id: 'budget', title: 'Budget adequacy', blocks: [paragraph(summary), { kind: 'table', table }] }, tables: [table] };
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
