import { wilsonInterval } from '../proportion.js';
import { bootstrapInterval, combineVerdicts, intervalVerdict, type Evidence, type Finding, type Verdict } from './verdict.js';

/** One ordered (source, target) pair of a transfer setting: examples evaluated and transferred. */
export interface TransferPair {
  source: string;
  target: string;
  sourceFamily: string;
  targetFamily: string;
  transferred: number;
  /** Transferred + not transferred (exclusions left out). */
  evaluated: number;
}

export interface TransferGroup {
  scope: string;
  pairs: TransferPair[];
}

const rate = (p: TransferPair) => p.transferred / p.evaluated;
const meanRate = (pairs: readonly TransferPair[]) => (pairs.length === 0 ? null : pairs.reduce((a, p) => a + rate(p), 0) / pairs.length);
const within = (p: TransferPair) => p.sourceFamily === p.targetFamily;

/** Pairs of the resampled source models (a source drawn twice brings its pairs twice): pairs of one source are not independent. */
function bySources(pairs: readonly TransferPair[]): (sources: readonly string[]) => TransferPair[] {
  const of = new Map<string, TransferPair[]>();
  for (const p of pairs) of.set(p.source, [...(of.get(p.source) ?? []), p]);
  return (sources) => sources.flatMap((s) => of.get(s) ?? []);
}

/** Mean within-family pair rate minus mean across-family pair rate. */
export function withinMinusAcross(pairs: readonly TransferPair[]): number | null {
  const w = meanRate(pairs.filter(within));
  const a = meanRate(pairs.filter((p) => !within(p)));
  return w === null || a === null ? null : w - a;
}

/** The family whose models' examples transfer most to other families, and its lead over the rest. */
export function widestFamily(pairs: readonly TransferPair[]): { family: string; lead: number } | null {
  const across = pairs.filter((p) => !within(p));
  const families = [...new Set(across.map((p) => p.sourceFamily))];
  if (families.length < 2) return null;
  const rates = families.map((f) => ({ family: f, rate: meanRate(across.filter((p) => p.sourceFamily === f))! })).sort((a, b) => b.rate - a.rate);
  return { family: rates[0]!.family, lead: leadOf(pairs, rates[0]!.family)! };
}

/** Mean across-family rate of `family`'s models minus that of the other families' models. */
function leadOf(pairs: readonly TransferPair[], family: string): number | null {
  const across = pairs.filter((p) => !within(p));
  const mine = meanRate(across.filter((p) => p.sourceFamily === family));
  const others = meanRate(across.filter((p) => p.sourceFamily !== family));
  return mine === null || others === null ? null : mine - others;
}

/**
 * Unordered pairs evaluated both ways whose two rates differ by a two-proportion z-test at 5%. Under
 * symmetric transfer about 5% of pairs would; pairs sharing a model are not independent, so the share's
 * Wilson interval is a guide, not a test.
 */
export function asymmetricPairs(pairs: readonly TransferPair[]): { significant: number; pairs: number } {
  const byKey = new Map(pairs.map((p) => [`${p.source}\u0000${p.target}`, p]));
  let significant = 0;
  let count = 0;
  for (const ab of pairs) {
    if (ab.source >= ab.target) continue;
    const ba = byKey.get(`${ab.target}\u0000${ab.source}`);
    if (!ba || ab.evaluated === 0 || ba.evaluated === 0) continue;
    count++;
    const pooled = (ab.transferred + ba.transferred) / (ab.evaluated + ba.evaluated);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / ab.evaluated + 1 / ba.evaluated));
    if (se > 0 && Math.abs(rate(ab) - rate(ba)) / se > 1.959963984540054) significant++;
  }
  return { significant, pairs: count };
}

/** Chance share of asymmetric pairs (the test's level), and the share below which transfer counts as symmetric. */
export const CHANCE_ASYMMETRY = 0.05;
export const SYMMETRIC_BELOW = 0.1;

export function asymmetryVerdict(interval: readonly [number, number]): Verdict {
  if (interval[0] > CHANCE_ASYMMETRY) return 'supported';
  if (interval[1] < SYMMETRIC_BELOW) return 'not supported';
  return 'inconclusive';
}

/** Finding 4: transfer stays mostly within families, one family transfers widely, and transfer is asymmetric. */
export function transferFinding(groups: readonly TransferGroup[], seed: number): Finding {
  const evidence: Evidence[] = groups.flatMap((g) => {
    const pairs = g.pairs.filter((p) => p.evaluated > 0);
    const sources = [...new Set(pairs.map((p) => p.source))];
    const pick = bySources(pairs);
    const draw = (d: readonly string[], int: (n: number) => number) => d.map(() => d[int(d.length)]!);
    const basis = `${pairs.length} ordered pairs of ${sources.length} source models`;

    const gap = withinMinusAcross(pairs);
    const gapInterval = gap === null ? null : bootstrapInterval(sources, (s) => withinMinusAcross(pick(s)), { seed, stream: `transfer within ${g.scope}`, draw });
    const w = meanRate(pairs.filter(within));
    const a = meanRate(pairs.filter((p) => !within(p)));
    const rows: Evidence[] = [{
      scope: g.scope,
      statistic: 'rate within − across families',
      value: gap,
      interval: gapInterval,
      verdict: intervalVerdict(gapInterval),
      basis: `${basis}; within ${w === null ? '—' : (w * 100).toFixed(1) + '%'}, across ${a === null ? '—' : (a * 100).toFixed(1) + '%'}`,
    }];

    const widest = widestFamily(pairs);
    const leadInterval = widest === null ? null : bootstrapInterval(sources, (s) => leadOf(pick(s), widest.family), { seed, stream: `transfer widest ${g.scope}`, draw });
    rows.push({
      scope: g.scope,
      statistic: `lead of the widest-transferring family${widest ? ` (${widest.family})` : ''}`,
      value: widest?.lead ?? null,
      interval: leadInterval,
      verdict: intervalVerdict(leadInterval),
      basis,
    });

    const asym = asymmetricPairs(pairs);
    const share = asym.pairs === 0 ? null : wilsonInterval(asym.significant, asym.pairs);
    rows.push({
      scope: g.scope,
      statistic: 'share of asymmetric pairs',
      value: share?.estimate ?? null,
      interval: share?.interval ?? null,
      verdict: share === null ? 'inconclusive' : asymmetryVerdict(share.interval),
      basis: `${asym.significant} of ${asym.pairs} unordered pairs`,
    });
    return rows;
  });
  return {
    id: 4,
    claim: 'Adversarial examples transfer mostly within their family, one family\u2019s examples transfer widely, and transfer is asymmetric.',
    rule:
      'Statistics: the mean transfer rate of same-family model pairs minus that of other pairs; the widest-transferring family\u2019s mean rate to other families minus the other families\u2019; the share of model pairs whose two directions differ (two-proportion z-test at 5%). ' +
      'Per transfer setting: within − across and the widest family\u2019s lead are supported when their 95% bootstrap interval (resampling source models) lies above 0, not supported when below 0, inconclusive otherwise. ' +
      `Asymmetry is supported when the Wilson interval of the share of asymmetric pairs lies above the ${CHANCE_ASYMMETRY * 100}% expected by chance, not supported when it lies below ${SYMMETRIC_BELOW * 100}%, inconclusive otherwise.`,
    evidence,
    verdict: combineVerdicts(evidence.map((e) => e.verdict)),
  };
}
