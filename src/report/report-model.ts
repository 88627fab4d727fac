import type { AccuracyRow, AttackRow, BudgetRow, CleanRow, CleverRow, ModelRow, TransferRow, UnitRow } from '../records/records.js';
import { summarizeAttacks } from './attack-summary.js';
import type { ChartSpec } from './chart.js';
import { summarizeCleverRows } from './clever-summary.js';
import type { ReportContext } from './report-context.js';
import { plural } from './format.js';
import { RowSettings } from './row-settings.js';
import { attacksSection } from './sections/attacks.js';
import { budgetSection } from './sections/budget.js';
import { referenceSection } from './sections/reference.js';
import { findings, findingsSection } from './sections/findings.js';
import { robustnessSection } from './sections/robustness.js';
import { cleverSection } from './sections/clever.js';
import { methodSection } from './sections/method.js';
import { modelsSection } from './sections/models.js';
import { paretoSection } from './sections/pareto.js';
import { scalingFits, scalingSection } from './sections/scaling.js';
import { transferSection } from './sections/transfer.js';
import { paragraph, type Section } from './section.js';
import { catalogSettings } from './settings.js';
import { indexModels } from './study-models.js';
import type { Table } from './table.js';
import { transferMatrices } from './transfer-matrix.js';

/** Everything a report is made of: the stored rows of one study. */
export interface ReportData {
  title?: string;
  models: readonly ModelRow[];
  clean: readonly CleanRow[];
  /** Held-out accuracy counts; without them accuracy is the sample's clean pass. */
  accuracy?: readonly AccuracyRow[];
  attacks: readonly AttackRow[];
  clever: readonly CleverRow[];
  transfer: readonly TransferRow[];
  /** The budget check's re-runs at a larger budget (config budgetCheck); none by default. */
  budget?: readonly BudgetRow[];
  /** Units the model failed (NaN or Inf where finite values were needed), with the reason; none by default. */
  failedUnits?: readonly Pick<UnitRow, 'model' | 'phase' | 'method' | 'settings' | 'shard' | 'failure'>[];
  /** The study's configuration, shown verbatim in the method section. */
  config?: unknown;
  /** Version of the tool writing the report (the rows carry the versions that produced them). */
  toolVersion: string;
}

export interface ReportModel {
  title: string;
  toolVersion: string;
  /** Opening lines of the page. */
  summary: string[];
  sections: Section[];
  /** Every table, each exported as CSV and JSON, including those too long to show on the page. */
  tables: Table[];
}

/**
 * The report as data: tables and chart specifications computed from stored rows, with no I/O, clock or
 * randomness beyond seeded bootstraps, so the same store always gives the same report.
 */
export function buildReport(data: ReportData): ReportModel {
  const models = indexModels(data.models, data.clean, data.accuracy);
  const bootstrapSeed = data.attacks.reduce((min, r) => Math.min(min, r.seed), data.attacks[0]?.seed ?? 0);
  // A row of a model the store does not list means an inconsistent store: say so before anything is computed.
  for (const r of [...data.attacks, ...data.clever, ...data.transfer, ...(data.budget ?? [])]) models.get(r.modelSha256);
  for (const r of data.transfer) models.get(r.sourceSha256);
  const rowSettings = new RowSettings();
  const attackParts = data.attacks.map((r) => rowSettings.attack(r));
  const cleverParts = data.clever.map((r) => rowSettings.clever(r));
  const transferParts = data.transfer.map((r) => rowSettings.transfer(r));
  const settings = catalogSettings([...attackParts, ...cleverParts, ...transferParts]);
  const rows: ReportContext['rows'] = {
    clean: data.clean,
    attacks: data.attacks.map((row, k) => ({ row, setting: settings.get(attackParts[k]!) })),
    clever: data.clever.map((row, k) => ({ row, setting: settings.get(cleverParts[k]!) })),
    transfer: data.transfer.map((row, k) => ({ row, setting: settings.get(transferParts[k]!) })),
    budget: data.budget ?? [],
  };
  const ctx: ReportContext = {
    title: data.title ?? 'Robustness study report',
    toolVersion: data.toolVersion,
    config: data.config,
    rows,
    models,
    settings,
    attacks: summarizeAttacks(rows.attacks, models, bootstrapSeed),
    clever: summarizeCleverRows(rows.clever, models),
    transfer: transferMatrices(rows.transfer, models),
    failedUnits: data.failedUnits ?? [],
    bootstrapSeed,
  };
  const fits = scalingFits(ctx);
  const outputs = [
    findingsSection(ctx, findings(ctx, fits)),
    modelsSection(ctx),
    attacksSection(ctx),
    budgetSection(ctx),
    referenceSection(ctx),
    robustnessSection(ctx),
    scalingSection(ctx, fits),
    paretoSection(ctx),
    transferSection(ctx),
    cleverSection(ctx),
    methodSection(ctx),
  ];
  const tables = outputs.flatMap((o) => o.tables);
  const files: Section = {
    id: 'data-files',
    title: 'Data files',
    blocks: [paragraph('Every table at full precision, as CSV and JSON, beside this page; report.json holds the whole report.'), { kind: 'downloads', tables }],
  };
  return {
    title: ctx.title,
    toolVersion: ctx.toolVersion,
    summary: [
      `${plural(models.ordered.length, 'model')} in ${plural(models.families.length, 'family', 'families')}; ` +
        `${plural(ctx.attacks.length, 'attack setting')} over ${plural(data.attacks.length, 'attacked example')}; ${plural(data.clever.length, 'CLEVER score')}; ` +
        `${plural(data.transfer.length, 'transfer evaluation')} in ${plural(ctx.transfer.length, 'setting')}.`,
    ],
    sections: [...outputs.map((o) => o.section), files],
    tables,
  };
}

/** The charts of a report in page order. */
export function chartsOf(model: ReportModel): ChartSpec[] {
  return model.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'figures' ? b.charts : [])));
}
