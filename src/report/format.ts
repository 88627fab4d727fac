/**
 * How numbers read on the page. Tables in CSV and JSON keep full precision; the page rounds, because
 * a reader compares magnitudes, and 3 significant digits are more than the sampling error of any rate or
 * mean in a study of a thousand images.
 */

/** Shown for a value that does not exist (no successes to average, no examples to divide by). */
export const MISSING = '—';

export function formatFraction(v: number | null): string {
  return v === null ? MISSING : `${(v * 100).toFixed(1)}%`;
}

export function formatInteger(v: number | null): string {
  return v === null ? MISSING : v.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

/**
 * A ratio near 1 as its signed change in percent to 2 decimals (1.0037: +0.37%), where 3 significant digits
 * would show 1.00 for anything within half a percent, the resolution budget rules are stated in.
 */
export function formatChange(v: number | null): string {
  if (v === null) return MISSING;
  const percent = (v - 1) * 100;
  return `${percent < 0 ? '−' : '+'}${Math.abs(percent).toFixed(2)}%`;
}

/** 3 significant digits, in plain notation unless the value is tiny or huge. */
export function formatNumber(v: number | null): string {
  if (v === null) return MISSING;
  if (v === 0) return '0';
  // A median of minimal distortions is +Infinity when most attacks failed: no distortion broke the example.
  if (v === Infinity) return '∞';
  const magnitude = Math.abs(v);
  if (magnitude < 1e-3 || magnitude >= 1e6) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

const SI_PREFIXES = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;

/** Parameter and FLOP counts span 1e3..1e11 across a zoo: "25.6 M" reads better than 25,557,032. */
export function formatSi(v: number | null): string {
  if (v === null) return MISSING;
  for (const [scale, prefix] of SI_PREFIXES) {
    if (Math.abs(v) >= scale) return `${Number((v / scale).toPrecision(3))} ${prefix}`;
  }
  return String(v);
}

export function formatRatio(numerator: number, denominator: number): string {
  return denominator === 0 ? MISSING : `${formatFraction(numerator / denominator)} (${numerator}/${denominator})`;
}

/** "[a, b]" for a confidence interval. */
export function formatInterval([lo, hi]: readonly [number, number]): string {
  return `[${formatNumber(lo)}, ${formatNumber(hi)}]`;
}

/** "1 example", "3 examples". */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${formatInteger(n)} ${n === 1 ? noun : nouns}`;
}

export const NORM_LABELS = { l0: 'L0', l1: 'L1', l2: 'L2', linf: 'L∞' } as const;
