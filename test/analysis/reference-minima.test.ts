import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distancesToReference, referenceMinima, type MinimalAttempt, type ReferenceNorm } from '../../src/analysis/reference-minima.js';

const hit = (setting: string, example: string, l2: number, linf: number, l1: number, targetKind = 'untargeted'): MinimalAttempt =>
  ({ model: 'm', example, targetKind, setting, success: true, distortion: { l1, l2, linf } });
const miss = (setting: string, example: string): MinimalAttempt =>
  ({ model: 'm', example, targetKind: 'untargeted', setting, success: false, distortion: { l1: null, l2: null, linf: null } });

// Settings A and B minimise L2, C minimises L-inf. e3 nobody breaks; A-random is a targeted setting on e1.
const attempts: MinimalAttempt[] = [
  hit('A', 'e1', 1.0, 0.1, 5), hit('B', 'e1', 1.2, 0.05, 4), hit('C', 'e1', 2, 0.08, 9),
  miss('A', 'e2'), hit('B', 'e2', 0.5, 0.2, 3), miss('C', 'e2'),
  miss('A', 'e3'), miss('B', 'e3'), miss('C', 'e3'),
  hit('A', 'e4', 1.0, 0.1, 5), hit('B', 'e4', 1.009, 0.1, 5),
  hit('A-random', 'e1', 0.2, 0.01, 1, 'random'),
];
const normOf = (s: string): ReferenceNorm => (s === 'C' ? 'linf' : 'l2');

test('reference minima: per example and target kind, the smallest successful distortion per norm and who found it', () => {
  const refs = referenceMinima(attempts);
  const e = (example: string, targetKind = 'untargeted') => refs.find((r) => r.example === example && r.targetKind === targetKind)!;
  assert.equal(refs.length, 5, 'e1..e4 untargeted and e1 random');
  assert.deepEqual([e('e1').minimum, e('e1').foundBy], [{ l1: 4, l2: 1.0, linf: 0.05 }, { l1: 'B', l2: 'A', linf: 'B' }]);
  assert.deepEqual(e('e2').minimum, { l1: 3, l2: 0.5, linf: 0.2 });
  assert.deepEqual([e('e3').minimum, e('e3').foundBy], [{ l1: Infinity, l2: Infinity, linf: Infinity }, { l1: null, l2: null, linf: null }]);
  assert.equal(e('e4').foundBy.linf, 'A', 'a tie goes to the first to find it');
  assert.deepEqual(e('e1', 'random').minimum, { l1: 1, l2: 0.2, linf: 0.01 }, 'a targeted result sets no untargeted reference, nor the reverse');
});

test('distance to the reference: median and p90 of distortion / reference, within 1%, missed where another succeeded', () => {
  const d = new Map(distancesToReference(attempts, normOf).map((r) => [r.setting, r]));
  const pick = (s: string) => {
    const r = d.get(s)!;
    return { norm: r.norm, examples: r.examples, compared: r.compared, median: r.median, p90: r.p90, within: r.within, missed: r.missed };
  };
  // A (L2): e1 at the reference, e2 missed (B broke it), e3 not counted (nobody broke it), e4 the reference.
  assert.deepEqual(pick('A'), { norm: 'l2', examples: 3, compared: 2, median: 1, p90: 1, within: 2, missed: 1 });
  // B (L2): ratios e1 1.2, e2 1 (its own), e4 1.009 (within 1%); p90 interpolated at 0.9 x 2 = 1.8 of the sorted ratios.
  assert.deepEqual(pick('B'), { norm: 'l2', examples: 3, compared: 3, median: 1.009, p90: 1.009 + 0.8 * (1.2 - 1.009), within: 2, missed: 0 });
  // C (L-inf): e1 0.08 against B's 0.05; e2 missed.
  assert.deepEqual({ ...pick('C'), median: Number(pick('C').median!.toFixed(12)) }, { norm: 'linf', examples: 2, compared: 1, median: 1.6, p90: 0.08 / 0.05, within: 0, missed: 1 });
  assert.deepEqual(pick('A-random'), { norm: 'l2', examples: 1, compared: 1, median: 1, p90: 1, within: 1, missed: 0 });
  // A tolerance of 0.5% leaves B's e4 (0.9% away) out.
  assert.equal(distancesToReference(attempts, normOf, 0.005).find((r) => r.setting === 'B')!.within, 1);
});

test('pooled over models: each setting over the union of its models\' examples, against each example\'s own reference', () => {
  const other = attempts.filter((a) => a.targetKind === 'untargeted').map((a) => ({ ...a, model: 'n' }));
  // On model n, B's e1 is doubled: 2.4 against A's 1.0 there, so the pooled B ratios are 1.2, 1, 1.009, 2.4, 1, 1.009.
  other[1] = hit('B', 'e1', 2.4, 0.05, 4);
  other[1]!.model = 'n';
  const pooled = distancesToReference([...attempts, ...other], normOf, undefined, true);
  const b = pooled.find((d) => d.setting === 'B')!;
  assert.deepEqual([b.model, b.models, b.examples, b.compared, b.median, b.within, b.missed], [null, 2, 6, 6, (1.009 + 1.009) / 2, 4, 0]);
  assert.equal(b.medianInterval.level, 0.95);
  assert.equal(b.p90Interval.high, undefined, 'six ratios bound no upper end of the p90');
  const a = pooled.find((d) => d.setting === 'A')!;
  assert.deepEqual([a.models, a.examples, a.compared, a.missed], [2, 6, 4, 2]);
  assert.deepEqual(pooled.find((d) => d.setting === 'A-random')!.models, 1, 'the targeted setting ran on m only');
});
