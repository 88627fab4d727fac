import { bootstrapInterval, combineVerdicts, intervalVerdict, type Evidence, type Finding } from './verdict.js';

export interface DepthPoint {
  model: string;
  family: string;
  depth: number;
  /** The model's L∞ distortion statistic (a median); only finite values are used. */
  distortion: number;
}

export interface DepthGroup {
  scope: string;
  points: DepthPoint[];
}

/**
 * The pooled within-family slope of distortion on depth: each family's models centred on the family's
 * means, one common slope fitted through all of them (a fixed-effects regression), so that differences
 * between families do not count. null when no family has models of two depths.
 */
export function withinFamilySlope(points: readonly DepthPoint[]): number | null {
  let sxy = 0;
  let sxx = 0;
  for (const family of new Set(points.map((p) => p.family))) {
    const mine = points.filter((p) => p.family === family);
    const mx = mine.reduce((a, p) => a + p.depth, 0) / mine.length;
    const my = mine.reduce((a, p) => a + p.distortion, 0) / mine.length;
    for (const p of mine) {
      sxy += (p.depth - mx) * (p.distortion - my);
      sxx += (p.depth - mx) ** 2;
    }
  }
  return sxx > 0 ? sxy / sxx : null;
}

/** Resamples models within each family, so every resample keeps the study's families and their sizes. */
function withinFamilies(points: readonly DepthPoint[], int: (n: number) => number): DepthPoint[] {
  return [...new Set(points.map((p) => p.family))].flatMap((family) => {
    const mine = points.filter((p) => p.family === family);
    return mine.map(() => mine[int(mine.length)]!);
  });
}

/** Finding 3: within a family, deeper models need a larger L∞ distortion. */
export function depthFinding(groups: readonly DepthGroup[], seed: number): Finding {
  const evidence: Evidence[] = groups.map((g) => {
    const usable = g.points.filter((p) => Number.isFinite(p.distortion));
    const value = withinFamilySlope(usable);
    const interval = value === null ? null : bootstrapInterval(usable, withinFamilySlope, { seed, stream: `depth ${g.scope}`, draw: withinFamilies });
    const families = [...new Set(usable.map((p) => p.family))].filter((f) => new Set(usable.filter((p) => p.family === f).map((p) => p.depth)).size > 1);
    return {
      scope: g.scope,
      statistic: 'within-family slope per layer',
      value,
      interval,
      verdict: intervalVerdict(interval),
      basis: `${families.length} ${families.length === 1 ? 'family' : 'families'} with models of different depths (${families.join(', ') || 'none'})`,
    };
  });
  return {
    id: 3,
    claim: 'Within a family, deeper models are slightly more robust in L∞.',
    rule: `Statistic: the slope of median L∞ distortion on depth (weight layers on the longest path) with one intercept per family, so only differences within a family count. Per attack: supported when the 95% bootstrap interval (models resampled within their families) of the slope lies above 0, not supported when below 0, inconclusive otherwise.`,
    evidence,
    verdict: combineVerdicts(evidence.map((e) => e.verdict)),
  };
}
