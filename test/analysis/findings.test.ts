import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { architectureFinding, familyMinusSize, type ArchitecturePoint } from '../../src/analysis/findings/architecture.js';
import { depthFinding, withinFamilySlope, type DepthPoint } from '../../src/analysis/findings/depth.js';
import { scalingFinding, scalingVerdict } from '../../src/analysis/findings/scaling.js';
import { asymmetricPairs, transferFinding, widestFamily, withinMinusAcross, type TransferPair } from '../../src/analysis/findings/transfer.js';
import { combineVerdicts } from '../../src/analysis/findings/verdict.js';
import { Rng } from '../../src/core/rng.js';

const rng = new Rng(1, 2, 3);
const noise = (scale: number) => (rng.int(2001) / 1000 - 1) * scale;

describe('combining evidence', () => {
  it('supported needs half the rows and no contradiction; not supported the mirror; else inconclusive', () => {
    assert.equal(combineVerdicts(['supported', 'supported', 'inconclusive']), 'supported');
    assert.equal(combineVerdicts(['supported', 'inconclusive', 'inconclusive']), 'inconclusive');
    assert.equal(combineVerdicts(['supported', 'supported', 'not supported']), 'inconclusive');
    assert.equal(combineVerdicts(['not supported', 'not supported', 'inconclusive']), 'not supported');
    assert.equal(combineVerdicts([]), 'inconclusive');
  });
});

describe('finding 1: the scaling law', () => {
  it('is supported by a positive slope with a line explaining half the variance, contradicted by a negative one', () => {
    assert.equal(scalingVerdict({ interval: [0.1, 0.3], r2: 0.8 }), 'supported');
    assert.equal(scalingVerdict({ interval: [0.1, 0.3], r2: 0.3 }), 'inconclusive', 'right direction, but not a line');
    assert.equal(scalingVerdict({ interval: [-0.1, 0.3], r2: 0.8 }), 'inconclusive');
    assert.equal(scalingVerdict({ interval: [-0.3, -0.1], r2: 0.8 }), 'not supported');
    const f = scalingFinding([
      { scope: 'C&W · L2', slope: 0.2, interval: [0.1, 0.3], r2: 0.9, models: 19, statistic: 'median' },
      { scope: 'C&W · L∞', slope: 0.1, interval: [0.05, 0.2], r2: 0.7, models: 19, statistic: 'median' },
    ]);
    assert.equal(f.verdict, 'supported');
    assert.equal(f.evidence.length, 2);
    assert.match(f.evidence[0]!.basis, /19 models, R² 0.90/);
  });
});

describe('finding 2: architecture vs size', () => {
  const families = ['a', 'b', 'c', 'd'];
  const points = (distortion: (family: number, parameters: number) => number): ArchitecturePoint[] =>
    families.flatMap((family, f) => [1, 2, 3, 4].map((k) => {
      const parameters = 1000 * 2 ** ((k * 7 + f * 3) % 8);
      return { model: `${family}${k}`, family, parameters, distortion: distortion(f, parameters) };
    }));

  it('is supported when distortion is set by family, whatever the size', () => {
    const byFamily = points((f) => Math.exp(f + noise(0.05)));
    assert.ok(familyMinusSize(byFamily)! > 0.5);
    const finding = architectureFinding([{ scope: 'x', points: byFamily }], 1);
    assert.equal(finding.verdict, 'supported');
    assert.ok(finding.evidence[0]!.interval![0] > 0);
  });

  it('is not supported when distortion is set by size, whatever the family', () => {
    const bySize = points((_f, p) => Math.sqrt(p) * Math.exp(noise(0.01)));
    assert.ok(familyMinusSize(bySize)! < 0);
    assert.equal(architectureFinding([{ scope: 'x', points: bySize }], 1).verdict, 'not supported');
  });

  it('leaves out models without a finite median and says so; one family gives no statistic', () => {
    const withFailure = [...points((f) => Math.exp(f)), { model: 'z', family: 'a', parameters: 5, distortion: Infinity }];
    assert.match(architectureFinding([{ scope: 'x', points: withFailure }], 1).evidence[0]!.basis, /1 without a finite median left out/);
    assert.equal(familyMinusSize(points((f) => f + 1).filter((p) => p.family === 'a')), null);
  });
});

describe('finding 3: depth within families', () => {
  const points = (perLayer: number): DepthPoint[] =>
    ['a', 'b', 'c'].flatMap((family, f) => [8, 14, 20].map((depth) => ({ model: `${family}${depth}`, family, depth, distortion: 0.1 * f + perLayer * depth + noise(0.0005) })));

  it('recovers the within-family slope even when families differ in level', () => {
    // Between families the deepest are the least robust here; within each, depth helps.
    const mixed: DepthPoint[] = [
      { model: 'a1', family: 'a', depth: 2, distortion: 1.0 }, { model: 'a2', family: 'a', depth: 4, distortion: 1.2 },
      { model: 'b1', family: 'b', depth: 10, distortion: 0.1 }, { model: 'b2', family: 'b', depth: 12, distortion: 0.3 },
    ];
    assert.ok(Math.abs(withinFamilySlope(mixed)! - 0.1) < 1e-12);
  });

  it('is supported by a positive within-family slope and contradicted by a negative one', () => {
    assert.equal(depthFinding([{ scope: 'x', points: points(0.002) }], 1).verdict, 'supported');
    assert.equal(depthFinding([{ scope: 'x', points: points(-0.002) }], 1).verdict, 'not supported');
  });

  it('is inconclusive when no family has two depths', () => {
    const flat = points(0.002).filter((p) => p.depth === 8);
    const f = depthFinding([{ scope: 'x', points: flat }], 1);
    assert.equal(f.evidence[0]!.value, null);
    assert.equal(f.verdict, 'inconclusive');
  });

  it('is inconclusive when the slope rests on one pair: two models of one family, however clear their difference', () => {
    // Half of the within-family resamples repeat one model and define no slope; the rest all give the
    // pair's slope, a zero-width interval that would otherwise read as certainty.
    const pair: DepthPoint[] = [{ model: 'a8', family: 'a', depth: 8, distortion: 0.01 }, { model: 'a14', family: 'a', depth: 14, distortion: 0.03 }];
    const f = depthFinding([{ scope: 'x', points: pair }], 1);
    assert.ok(Math.abs(f.evidence[0]!.value! - 0.02 / 6) < 1e-12);
    assert.equal(f.evidence[0]!.interval, null);
    assert.equal(f.verdict, 'inconclusive');
  });
});

describe('finding 4: transfer', () => {
  const models = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1', 'c2', 'd1', 'd2'];
  const pairs = (rateOf: (s: string, t: string) => number, n = 200): TransferPair[] =>
    models.flatMap((s) => models.filter((t) => t !== s).map((t) => ({ source: s, target: t, sourceFamily: s[0]!, targetFamily: t[0]!, evaluated: n, transferred: Math.round(rateOf(s, t) * n) })));

  it('within families and a widely transferring family: supported, with the family named', () => {
    const data = pairs((s, t) => (s[0] === t[0] ? 0.8 : s[0] === 'a' ? 0.6 : 0.2) + noise(0.02));
    assert.ok(withinMinusAcross(data)! > 0.4);
    assert.equal(widestFamily(data)!.family, 'a');
    const f = transferFinding([{ scope: 'fgsm', pairs: data }], 1);
    assert.equal(f.evidence[0]!.verdict, 'supported');
    assert.equal(f.evidence[1]!.verdict, 'supported');
    assert.match(f.evidence[1]!.statistic, /\(a\)/);
  });

  it('across families as much as within: the within-family claim is not supported', () => {
    const data = pairs((s, t) => (s[0] === t[0] ? 0.2 : 0.6));
    assert.equal(transferFinding([{ scope: 'fgsm', pairs: data }], 1).evidence[0]!.verdict, 'not supported');
  });

  it('asymmetry: counted by a two-proportion test per unordered pair', () => {
    const symmetric = pairs(() => 0.3);
    assert.deepEqual(asymmetricPairs(symmetric), { significant: 0, pairs: 45 });
    const sym = transferFinding([{ scope: 'fgsm', pairs: symmetric }], 1).evidence[2]!;
    assert.equal(sym.verdict, 'not supported', `${sym.interval}`);
    // a -> b transfers far more than b -> a whenever a sorts first.
    const oneWay = pairs((s, t) => (s < t ? 0.7 : 0.2));
    assert.deepEqual(asymmetricPairs(oneWay), { significant: 45, pairs: 45 });
    assert.equal(transferFinding([{ scope: 'fgsm', pairs: oneWay }], 1).evidence[2]!.verdict, 'supported');
  });
});
