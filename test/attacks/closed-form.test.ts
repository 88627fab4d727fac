import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { ATTACKS, runAttack } from '../../src/attacks/registry.js';
import type { AttackResult, ParamValues } from '../../src/attacks/types.js';
import type { DifferentiableClassifier } from '../../src/runtime/classifier-types.js';
import { MINI_BUDGETS } from '../../src/study/config/presets/mini.js';
import { linearSetup, logitGap, onnxLinearClassifier, SHAPE, SIZE, weightGapNorm, type LinearSetup } from './models.js';

/**
 * On a linear model the smallest perturbation that moves x from class y to class j's side of the boundary
 * Z_y = Z_j is (Z_y - Z_j) / ||w_y - w_j||_2 in L2 and (Z_y - Z_j) / ||w_y - w_j||_1 in L-inf, provided the
 * box does not bind (the inputs sit near the centre of the box, which each test checks). Untargeted, the
 * nearest of the boundaries counts (the class region is an intersection of half-spaces).
 */

type Setup = LinearSetup<DifferentiableClassifier>;
type Backend = 'typescript' | 'onnx';

/** The setup on one backend: the pure-TypeScript model, or the same weights as an ONNX graph on ORT. */
async function onBackend(backend: Backend, s: LinearSetup): Promise<Setup> {
  return backend === 'typescript' ? s : { ...s, model: await onnxLinearClassifier(s.W, s.b, SHAPE) };
}

const ids = (n: number) => Array.from({ length: n }, (_, e) => `item:${e}`);

function run(s: Setup, name: keyof typeof ATTACKS, params: ParamValues, targets?: Int32Array): Promise<AttackResult[]> {
  return ATTACKS[name].run(s.model, s.x, s.n, s.labels, targets, params, { seed: 0, ids: ids(s.n) });
}

/** Per example: the minimal distortion over the given candidate classes, in the dual norm of p. */
function minimal(s: Setup, classes: number[], p: 1 | 2): number[] {
  return Array.from({ length: s.n }, (_, e) => Math.min(...classes.map((j) => logitGap(s, e, 0, j) / weightGapNorm(s, 0, j, p))));
}

/** The box does not bind: the L-inf-minimal perturbation (the largest per element) stays inside [0,1]. */
function assertInsideBox(s: Setup, linf: number[]): void {
  for (let e = 0; e < s.n; e++) {
    const x = s.x.subarray(e * SIZE, (e + 1) * SIZE);
    for (const v of x) assert.ok(v - linf[e]! > 0 && v + linf[e]! < 1);
  }
}

function report(t: TestContext, what: string, expected: number[], found: number[]): void {
  t.diagnostic(`${what}: expected ${expected.map((v) => v.toFixed(5)).join(' ')}; found ${found.map((v) => v.toFixed(5)).join(' ')}`);
}

function assertWithin(found: number[], expected: number[], relative: number): void {
  found.forEach((f, e) => assert.ok(Math.abs(f - expected[e]!) <= relative * expected[e]!, `example ${e}: ${f} vs ${expected[e]} (${relative * 100}%)`));
}

function successes(results: AttackResult[], key: 'l1' | 'l2' | 'linf'): number[] {
  return results.map((r, e) => {
    assert.equal(r.status, 'success', `example ${e} failed`);
    return r.distortion![key];
  });
}

for (const backend of ['typescript', 'onnx'] as const) {
  describe(`closed-form distortions on a 2-class linear model (${backend})`, () => {
    const base = linearSetup([1.5], 4, 1);
    let s: Setup = base;
    before(async () => { s = await onBackend(backend, base); });
    after(() => s.model.dispose());
    const l2 = minimal(base, [1], 2);
    const linf = minimal(base, [1], 1);

    it('sits far enough inside the box', () => assertInsideBox(s, l2.map((v, e) => Math.max(v, linf[e]!))));

    it('DeepFool-L2 reaches the minimal L2 within 1%', async (t) => {
      const found = successes(await run(s, 'deepfool', { overshoot: 0.001 }), 'l2');
      report(t, 'deepfool L2', l2, found);
      assertWithin(found, l2, 0.01);
    });

    it('DeepFool-Linf reaches the minimal L-inf within 1%', async (t) => {
      const found = successes(await run(s, 'deepfool', { norm: 'linf', overshoot: 0.001 }), 'linf');
      report(t, 'deepfool Linf', linf, found);
      assertWithin(found, linf, 0.01);
    });

    it('C&W-L2 reaches the minimal L2 within 1% (defaults, the paper preset, warm-started with an early end of the search, the mini budget)', async (t) => {
      for (const [name, params] of [['cw-l2', {}], ['paper-cw', {}], ['cw-l2', { warmStart: true, minGain: 0.001 }], ['paper-cw', MINI_BUDGETS.cw]] as const) {
        const { results } = await runAttack(name, s.model, { x: s.x, n: s.n, labels: s.labels, ids: ids(s.n) }, { params });
        const found = successes(results, 'l2');
        report(t, `${name} ${JSON.stringify(params)} L2`, l2, found);
        assertWithin(found, l2, 0.01);
        for (const r of results) assert.ok(r.c! > 0);
      }
    });

    it('the I-FGSM search reaches the minimal L-inf within its bisection resolution', async (t) => {
      const { results } = await runAttack('paper-ifgsm-search', s.model, { x: s.x, n: s.n, labels: s.labels, ids: ids(s.n) });
      const found = results.map((r) => r.eps!);
      report(t, 'ifgsm search eps', linf, found);
      found.forEach((eps, e) => {
        const resolution = bisectionResolution(linf[e]!, 0.02, 9);
        t.diagnostic(`example ${e}: resolution ${resolution.toFixed(5)}`);
        assert.ok(eps >= linf[e]! * (1 - 1e-5) && eps - linf[e]! <= resolution, `example ${e}: eps ${eps}, minimal ${linf[e]}`);
        // Signed-gradient steps on a linear model use the whole budget.
        assert.ok(Math.abs(results[e]!.distortion!.linf - eps) < 1e-6);
      });
    });

    it('FMN reaches the minimal L2 and L-inf within 1%', async (t) => {
      for (const [norm, expected] of [['l2', l2], ['linf', linf]] as const) {
        const found = successes(await run(s, 'fmn', { norm }), norm);
        report(t, `fmn ${norm}`, expected, found);
        assertWithin(found, expected, 0.01);
      }
    });

    it('FMN-L1 reaches the box-constrained minimal L1 within 1%', async (t) => {
      const expected = Array.from({ length: s.n }, (_, e) => minimalL1InBox(base, e, 1));
      const found = successes(await run(s, 'fmn', { norm: 'l1' }), 'l1');
      report(t, 'fmn l1', expected, found);
      assertWithin(found, expected, 0.01);
    });

    it('APGD (CE) succeeds just outside the minimal L-inf and L2 radius and cannot inside it', async (t) => {
      for (const [norm, minimum] of [['linf', linf], ['l2', l2]] as const) {
        for (const e of [0, 1, 2, 3]) {
          const one = { x: s.x.subarray(e * SIZE, (e + 1) * SIZE), n: 1, labels: s.labels.subarray(e, e + 1), ids: [`item:${e}`] };
          const outside = await runAttack('apgd', s.model, one, { params: { norm, eps: minimum[e]! * 1.01 } });
          const inside = await runAttack('apgd', s.model, one, { params: { norm, eps: minimum[e]! * 0.99 } });
          t.diagnostic(`apgd ${norm} example ${e}: minimal ${minimum[e]!.toFixed(5)}, found ${outside.results[0]!.distortion?.[norm]?.toFixed(5)}`);
          assert.equal(outside.results[0]!.status, 'success', `${norm} example ${e} at 1.01 x minimal`);
          assert.ok(outside.results[0]!.distortion![norm] <= minimum[e]! * 1.01 * (1 + 1e-5));
          assert.equal(inside.results[0]!.status, 'failed', `${norm} example ${e} at 0.99 x minimal`);
        }
      }
    });

    it('APGD with the DLR loss on a 2-class model is an error naming the classes it needs', async () => {
      await assert.rejects(run(s, 'apgd', { loss: 'dlr' }), (err: Error) => err.name === 'UserError' && /DLR loss needs at least 3 classes; this model has 2/.test(err.message));
    });

    it('EAD with the L1 rule finds a perturbation no larger in L1 than C&W (defaults, and EAD at the mini budget)', async (t) => {
      const cw = successes(await run(s, 'cw-l2', {}), 'l1');
      for (const params of [{}, MINI_BUDGETS.ead]) {
        const ead = successes(await run(s, 'ead', params), 'l1');
        report(t, `L1 of EAD ${JSON.stringify(params)} vs C&W`, cw, ead);
        ead.forEach((v, e) => assert.ok(v <= cw[e]!, `example ${e}: EAD ${v} > C&W ${cw[e]}`));
      }
    });

    it("EAD's L1 against the box-constrained minimum: closer when a successful step is not aborted early", async (t) => {
      const expected = Array.from({ length: s.n }, (_, e) => minimalL1InBox(base, e, 1));
      const protocol = successes(await run(s, 'ead', MINI_BUDGETS.ead), 'l1');
      const late = successes(await run(s, 'ead', { ...MINI_BUDGETS.ead, abortAfterSuccess: false }), 'l1');
      report(t, 'ead l1, early abort', expected, protocol);
      report(t, 'ead l1, abortAfterSuccess off', expected, late);
      // Early abort ends the steps before the late shrinkage that finds the smallest L1 (README, EAD).
      protocol.forEach((v, e) => assert.ok(v > 1.15 * expected[e]!, `example ${e}: early abort ${v} vs minimal ${expected[e]}`));
      late.forEach((v, e) => {
        assert.ok(v >= expected[e]! * (1 - 1e-5) && v <= 1.1 * expected[e]!, `example ${e}: ${v} vs minimal ${expected[e]}`);
        assert.ok(v < protocol[e]!, `example ${e}: ${v} not below early abort's ${protocol[e]}`);
      });
    });
  });

  describe(`closed-form distortions on a 5-class linear model (${backend})`, () => {
    // Untargeted I-FGSM has no closed form here: the cross-entropy gradient mixes all classes' weights.
    it('untargeted: DeepFool and C&W reach the nearest boundary in L2', async (t) => {
      const s = await onBackend(backend, linearSetup([1.5, 1.8, 2.2, 2.6], 4, 7));
      const l2 = minimal(s, [1, 2, 3, 4], 2);
      assertInsideBox(s, l2);
      for (const [name, params] of [['deepfool', { overshoot: 0.001 }], ['cw-l2', {}]] as const) {
        const found = successes(await run(s, name, params), 'l2');
        report(t, `${name} L2`, l2, found);
        assertWithin(found, l2, 0.01);
      }
    });

    it('untargeted: FMN reaches the nearest boundary in L2 and L-inf within 1%', async (t) => {
      const s = await onBackend(backend, linearSetup([1.5, 1.8, 2.2, 2.6], 4, 7));
      for (const [norm, p] of [['l2', 2], ['linf', 1]] as const) {
        const expected = minimal(s, [1, 2, 3, 4], p);
        assertInsideBox(s, expected);
        const found = successes(await run(s, 'fmn', { norm }), norm);
        report(t, `fmn ${norm}`, expected, found);
        assertWithin(found, expected, 0.01);
      }
    });

    it('APGD with the DLR loss succeeds just outside the minimal L-inf radius, targeted and not', async (t) => {
      const s = await onBackend(backend, linearSetup([1.5, 30, 30, 30], 4, 11));
      const linf = minimal(s, [1], 1);
      for (const targets of [undefined, new Int32Array(s.n).fill(1)]) {
        for (let e = 0; e < s.n; e++) {
          const one = { ...s, x: s.x.subarray(e * SIZE, (e + 1) * SIZE), n: 1, labels: s.labels.subarray(e, e + 1) };
          const [outside] = await run(one, 'apgd', { loss: 'dlr', eps: linf[e]! * 1.01 }, targets?.subarray(e, e + 1));
          const [inside] = await run(one, 'apgd', { loss: 'dlr', eps: linf[e]! * 0.99 }, targets?.subarray(e, e + 1));
          t.diagnostic(`apgd dlr ${targets ? 'targeted' : 'untargeted'} example ${e}: ${outside!.status} at 1.01 x ${linf[e]!.toFixed(5)}`);
          assert.equal(outside!.status, 'success');
          assert.equal(outside!.predicted, 1);
          assert.equal(inside!.status, 'failed');
        }
      }
    });

    it('targeted (y, t): the pair formula holds when the other classes are far below', async (t) => {
      const s = await onBackend(backend, linearSetup([1.5, 30, 30, 30], 4, 11));
      const targets = new Int32Array(s.n).fill(1);
      const l2 = minimal(s, [1], 2);
      const linf = minimal(s, [1], 1);
      assertInsideBox(s, l2.map((v, e) => Math.max(v, linf[e]!)));
      for (const [name, params] of [['deepfool', { overshoot: 0.001 }], ['cw-l2', {}]] as const) {
        const results = await run(s, name, params, targets);
        for (const r of results) assert.equal(r.predicted, 1);
        const found = successes(results, 'l2');
        report(t, `targeted ${name} L2`, l2, found);
        assertWithin(found, l2, 0.01);
      }
      // The top-2 target of every example is class 1, the nearest.
      const { results } = await runAttack('paper-ifgsm-search', s.model, { x: s.x, n: s.n, labels: s.labels, ids: ids(s.n) }, { target: 'top2' });
      report(t, 'targeted ifgsm search eps', linf, results.map((r) => r.eps!));
      results.forEach((r, e) => {
        assert.equal(r.target, 1);
        assert.ok(r.eps! >= linf[e]! * (1 - 1e-5) && r.eps! - linf[e]! <= bisectionResolution(linf[e]!, 0.02, 9));
      });
    });
  });
}

/**
 * The smallest L1 perturbation that carries example e of a linear model to the boundary Z_0 = Z_j inside
 * the box: a fractional knapsack, filled greedily by the coordinates of largest |w_0 - w_j|, each moved as
 * far as the box allows, until the logit gap is closed.
 */
function minimalL1InBox(s: LinearSetup, e: number, j: number): number {
  let gap = logitGap(s, e, 0, j);
  const coords = Array.from({ length: SIZE }, (_, d) => ({ w: s.W[j]![d]! - s.W[0]![d]!, x: s.x[e * SIZE + d]! }));
  coords.sort((a, b) => Math.abs(b.w) - Math.abs(a.w));
  let l1 = 0;
  for (const { w, x } of coords) {
    const room = w > 0 ? 1 - x : x;
    const move = Math.min(room, gap / Math.abs(w));
    l1 += move;
    gap -= move * Math.abs(w);
    if (gap <= 0) return l1;
  }
  throw new Error(`example ${e} cannot reach class ${j} inside the box`);
}

/**
 * Width of the final bracket of the study's search for a threshold: from `start`, double on failure and
 * halve on success until bracketed, then bisect; `attempts` tries in all. Written out independently of
 * the implementation.
 */
function bisectionResolution(threshold: number, start: number, attempts: number): number {
  let lo = 0;
  let hi = Infinity;
  let eps = start;
  for (let a = 0; a < attempts; a++) {
    if (eps > threshold) hi = eps;
    else lo = eps;
    // (lo + hi) / 2 halves eps while no failure has been seen (lo = 0).
    eps = hi === Infinity ? eps * 2 : (lo + hi) / 2;
  }
  return hi - lo;
}
