import { architectureFinding } from '../../analysis/findings/architecture.js';
import { depthFinding } from '../../analysis/findings/depth.js';
import { scalingFinding } from '../../analysis/findings/scaling.js';
import { transferFinding, type TransferPair } from '../../analysis/findings/transfer.js';
import { COMBINE_RULE, type Finding } from '../../analysis/findings/verdict.js';
import { evaluated } from '../../analysis/transfer-counts.js';
import type { ReportContext, SectionOutput } from '../report-context.js';
import { NORM_LABELS } from '../format.js';
import { paragraph, type Block } from '../section.js';
import type { Row, Table } from '../table.js';
import { SCALING_NORMS, STATISTIC_LABELS, type ScalingFit } from './scaling.js';

/** The reference study's four findings, each tested on this study's data by its stated rule. */
export function findings(ctx: ReportContext, fits: readonly ScalingFit[]): Finding[] {
  const minimal = ctx.attacks.filter((s) => s.minimal);
  const scope = (label: string, norm?: keyof typeof NORM_LABELS) => (norm ? `${label} · ${NORM_LABELS[norm]}` : label);
  const scaling = scalingFinding(
    fits.flatMap((f) => (f.law ? [{ scope: scope(f.summary.setting.label, f.norm), slope: f.law.slope, interval: f.law.ci.slope, r2: f.law.r2, models: f.law.models.length, statistic: STATISTIC_LABELS[f.statistic] }] : [])),
  );
  const architecture = architectureFinding(
    minimal.flatMap((summary) =>
      SCALING_NORMS.map((norm) => ({
        scope: scope(summary.setting.label, norm),
        points: [...summary.byModel].map(([sha, r]) => {
          const m = ctx.models.get(sha);
          return { model: m.name, family: m.family, parameters: m.parameters, distortion: r.median[norm].median };
        }),
      })),
    ),
    ctx.bootstrapSeed,
  );
  const depth = depthFinding(
    minimal.map((summary) => ({
      scope: scope(summary.setting.label, 'linf'),
      points: [...summary.byModel].map(([sha, r]) => {
        const m = ctx.models.get(sha);
        return { model: m.name, family: m.family, depth: m.depth, distortion: r.median.linf.median };
      }),
    })),
    ctx.bootstrapSeed,
  );
  const transfer = transferFinding(
    ctx.transfer.map((matrix) => ({
      scope: matrix.setting.label,
      pairs: matrix.models.flatMap((s) =>
        matrix.models.flatMap((t): TransferPair[] => {
          const c = matrix.cells.get(`${s.sha256} ${t.sha256}`);
          return c && s !== t ? [{ source: s.name, target: t.name, sourceFamily: s.family, targetFamily: t.family, transferred: c.transferred, evaluated: evaluated(c) }] : [];
        }),
      ),
    })),
    ctx.bootstrapSeed,
  );
  return [scaling, architecture, depth, transfer];
}

export function findingsSection(ctx: ReportContext, all: readonly Finding[]): SectionOutput {
  const summary: Table = {
    id: 'findings',
    title: 'Findings',
    caption: 'The reference study’s findings and what this study’s data say, each by the rule stated below the table.',
    columns: [
      { key: 'finding', label: 'finding', kind: 'integer' },
      { key: 'claim', label: 'the reference study found', kind: 'text' },
      { key: 'verdict', label: 'this study', kind: 'text' },
      { key: 'evidence', label: 'evidence rows', kind: 'integer' },
      { key: 'supported', label: 'supported', kind: 'integer' },
      { key: 'against', label: 'not supported', kind: 'integer' },
    ],
    rows: all.map((f): Row => ({
      finding: f.id,
      claim: f.claim,
      verdict: f.verdict,
      evidence: f.evidence.length,
      supported: f.evidence.filter((e) => e.verdict === 'supported').length,
      against: f.evidence.filter((e) => e.verdict === 'not supported').length,
    })),
  };
  const evidence: Table = {
    id: 'findings-evidence',
    title: 'Evidence for each finding',
    caption: 'One row per statistic and part of the data, with its 95% interval and verdict; the statistics are defined in the rules above.',
    groupBy: 'finding',
    columns: [
      { key: 'finding', label: 'finding', kind: 'text' },
      { key: 'scope', label: 'data', kind: 'text' },
      { key: 'statistic', label: 'statistic', kind: 'text' },
      { key: 'value', label: 'value', kind: 'number' },
      { key: 'low', label: 'CI low', kind: 'number' },
      { key: 'high', label: 'CI high', kind: 'number' },
      { key: 'verdict', label: 'verdict', kind: 'text' },
      { key: 'basis', label: 'based on', kind: 'text' },
    ],
    rows: all.flatMap((f) =>
      f.evidence.map((e): Row => ({
        finding: `${f.id}. ${f.claim}`,
        scope: e.scope,
        statistic: e.statistic,
        value: e.value,
        low: e.interval?.[0] ?? null,
        high: e.interval?.[1] ?? null,
        verdict: e.verdict,
        basis: e.basis,
      })),
    ),
  };
  const blocks: Block[] = [
    paragraph(
      'Each of the reference study’s findings is tested on this study’s data: every statistic comes with a 95% interval, and a stated rule marks it supported, not supported (the data point the other way) or inconclusive (the interval is too wide to say). ' +
        'With a zoo of a few dozen models at most, an inconclusive verdict is an honest outcome, not a failure of the study.',
    ),
    { kind: 'table', table: summary },
    ...all.map((f) => paragraph(`Rule for finding ${f.id}: ${f.rule}`)),
    paragraph(COMBINE_RULE),
    { kind: 'table', table: evidence },
  ];
  return { section: { id: 'findings', title: 'Findings', blocks }, tables: [summary, evidence] };
}
