import { seededStream } from '../../core/rng.js';
import { percentileInterval } from '../stats.js';

/** What this study's data say about one of the reference study's findings. */
export type Verdict = 'supported' | 'not supported' | 'inconclusive';

/** One statistic bearing on a finding, over one part of the data (an attack and norm, a transfer setting). */
export interface Evidence {
  /** The part of the data: "C&W · L2", "fgsm · eps=0.1", ... */
  scope: string;
  /** What `value` is, in words. */
  statistic: string;
  /** null when the data do not allow the statistic (too few models, no pairs). */
  value: number | null;
  /** 95% interval of the value; null with the value. */
  interval: [number, number] | null;
  verdict: Verdict;
  /** What the statistic rests on (models, pairs, R²), and anything left out. */
  basis: string;
}

export interface Finding {
  id: number;
  /** The reference study's claim. */
  claim: string;
  /** How each piece of evidence, and the finding as a whole, is marked. */
  rule: string;
  evidence: Evidence[];
  verdict: Verdict;
}

export const LEVEL = 0.95;
export const RESAMPLES = 1000;

/** An effect whose interval lies above `threshold` supports the claim, below it contradicts it; otherwise inconclusive. */
export function intervalVerdict(interval: readonly [number, number] | null, threshold = 0): Verdict {
  if (interval === null) return 'inconclusive';
  if (interval[0] > threshold) return 'supported';
  if (interval[1] < threshold) return 'not supported';
  return 'inconclusive';
}

/**
 * Share of resamples that must define the statistic for its interval to be used: an interval drawn from the
 * few resamples where it is defined (two models of one family: half of them repeat one model) is narrower
 * than the data allow, and would make a verdict of a single pair.
 */
export const MIN_DEFINED_SHARE = 0.9;

export const COMBINE_RULE =
  `A bootstrap interval is given only when at least ${MIN_DEFINED_SHARE * 100}% of the resamples define the statistic (else the row is inconclusive: with two models of one family, half the resamples repeat one model). ` +
  'The finding as a whole is supported when at least half of its evidence rows are and none contradicts it, not supported when at least half contradict it and none supports it, and inconclusive otherwise.';

/** The finding's verdict from its evidence rows (see COMBINE_RULE). */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  const count = (v: Verdict) => verdicts.filter((x) => x === v).length;
  const supported = count('supported');
  const against = count('not supported');
  if (verdicts.length === 0) return 'inconclusive';
  if (supported * 2 >= verdicts.length && against === 0) return 'supported';
  if (against * 2 >= verdicts.length && supported === 0) return 'not supported';
  return 'inconclusive';
}


/**
 * A percentile bootstrap of `statistic` over resamples drawn by `draw`; resamples where the statistic is
 * undefined (null: too few groups left) are skipped. null (no interval: inconclusive) when fewer than
 * MIN_DEFINED_SHARE of the resamples give a value.
 */
export function bootstrapInterval<T>(
  data: readonly T[],
  statistic: (sample: readonly T[]) => number | null,
  opts: { seed: number; stream: string; draw?: (data: readonly T[], int: (n: number) => number) => T[] },
): [number, number] | null {
  const rng = seededStream(opts.seed, opts.stream, 'findings-bootstrap');
  const int = (n: number) => rng.int(n);
  const draw = opts.draw ?? ((d, pick) => d.map(() => d[pick(d.length)]!));
  const values: number[] = [];
  for (let b = 0; b < RESAMPLES; b++) {
    const v = statistic(draw(data, int));
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  return values.length === 0 || values.length < MIN_DEFINED_SHARE * RESAMPLES ? null : percentileInterval(values, LEVEL);
}
