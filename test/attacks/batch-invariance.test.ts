import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runAttack } from '../../src/attacks/registry.js';
import type { TargetKind } from '../../src/core/targets.js';
import type { AttackResult, ParamValues } from '../../src/attacks/types.js';
import type { DifferentiableClassifier } from '../../src/runtime/classifier-types.js';
import { reluSetup, SIZE } from './models.js';

const N = 32;
const net = await reluSetup(N, 5);
const ids = Array.from({ length: N }, (_, e) => `test:${e}`);

/**
 * Runs an attack over the examples, in `order`, in batches of `size`, each with `slots` examples advanced
 * per call (continuous batching), and returns the results in the examples' own order.
 */
async function inBatches(name: string, params: ParamValues, target: TargetKind, size: number, slots?: number, order = ids.map((_, e) => e)): Promise<AttackResult[]> {
  const x = new Float32Array(N * SIZE);
  order.forEach((e, i) => x.set(net.x.subarray(e * SIZE, (e + 1) * SIZE), i * SIZE));
  const labels = Int32Array.from(order, (e) => net.labels[e]!);
  const results: AttackResult[] = [];
  for (let start = 0; start < N; start += size) {
    const end = Math.min(N, start + size);
    const batch = { x: x.subarray(start * SIZE, end * SIZE), n: end - start, labels: labels.subarray(start, end), ids: order.slice(start, end).map((e) => ids[e]!) };
    results.push(...(await runAttack(name, net.model, batch, { params, target, seed: 42, slots })).results);
  }
  const byExample = new Array<AttackResult>(N);
  // Time is the one field that may differ.
  order.forEach((e, i) => (byExample[e] = { ...results[i]!, timeMs: 0 }));
  return byExample;
}

const RUNS: [string, ParamValues][] = [
  ['fgsm', { eps: 0.03 }],
  ['ifgsm', { eps: 0.03 }],
  ['ifgsm', { search: true, iterations: 10, attempts: 5 }],
  ['pgd', { eps: 0.02, iterations: 10, restarts: 3 }],
  ['pgd', { eps: 0.2, norm: 'l2', iterations: 10, restarts: 2 }],
  ['cw-l2', { iterations: 60, binarySteps: 4 }],
  ['cw-l2', { iterations: 60, binarySteps: 6, warmStart: true, minGain: 0.01 }],
  ['cw-l2', { iterations: 60, binarySteps: 5, warmStart: true, minGain: 0.01, linearStart: 1, growth: 2, lr: 0.01, lrDecay: 'cosine', lrPerDistance: 0.3 }],
  ['ead', { iterations: 60, binarySteps: 4, rule: 'en' }],
  ['ead', { iterations: 60, binarySteps: 4, warmStart: true }],
  ['ead', { iterations: 60, binarySteps: 4, linearStart: 10, growth: 10 }],
  ['ead', { iterations: 60, binarySteps: 4, abortAfterSuccess: false }],
  ['deepfool', {}],
  ['deepfool', { norm: 'linf' }],
  ['fmn', { iterations: 30 }],
  ['fmn', { norm: 'linf', iterations: 30 }],
  ['fmn', { norm: 'l1', iterations: 30 }],
  ['apgd', { eps: 0.02, iterations: 20, restarts: 2 }],
  ['apgd', { eps: 0.2, norm: 'l2', loss: 'dlr', iterations: 20 }],
];

/** A fixed shuffle of the examples. */
const SHUFFLED = ids.map((_, e) => (e * 13 + 5) % N);

describe('batch-size, slot and order invariance', () => {
  for (const target of ['untargeted', 'random'] as const) {
    for (const [name, params] of RUNS) {
      it(`${name} ${JSON.stringify(params)} ${target}: identical results in batches of 1, 7 and 32, with 5 slots, and shuffled with 3 slots`, async () => {
        const whole = await inBatches(name, params, target, 32);
        assert.ok(whole.some((r) => r.success) && whole.some((r) => r.iterations > 0));
        assert.deepEqual(await inBatches(name, params, target, 7), whole);
        assert.deepEqual(await inBatches(name, params, target, 1), whole);
        assert.deepEqual(await inBatches(name, params, target, 32, 5), whole);
        assert.deepEqual(await inBatches(name, params, target, 32, 3, SHUFFLED), whole);
      });
    }
  }
});

describe('continuous batching', () => {
  it('fills every call to the slot count until the queue runs dry, and no call exceeds it', async () => {
    const sizes: number[] = [];
    const model: DifferentiableClassifier = {
      inputShape: net.model.inputShape,
      numClasses: net.model.numClasses,
      labels: net.model.labels,
      classIds: net.model.classIds,
      logits: (x, n) => net.model.logits(x, n),
      gradient: (x, n, head, p) => {
        sizes.push(n);
        return net.model.gradient(x, n, head, p);
      },
      dispose: async () => {},
    };
    // Early abort ends examples' binary-search steps at different iterations, so they finish at different times.
    const { results } = await runAttack('cw-l2', model, { x: net.x, n: N, labels: net.labels, ids }, { params: { iterations: 60, binarySteps: 4 }, slots: 8 });
    const perExample = results.map((r) => r.gradientCalls);
    assert.ok(Math.min(...perExample) < Math.max(...perExample), 'examples should take different numbers of steps');
    assert.equal(sizes.reduce((a, b) => a + b, 0), perExample.reduce((a, b) => a + b, 0));
    const firstShort = sizes.findIndex((n) => n < 8);
    assert.ok(sizes.every((n) => n <= 8) && firstShort > 0, `calls of ${sizes.join(' ')}`);
    // Once a call is short the queue is empty: every later call is short too.
    assert.ok(sizes.slice(firstShort).every((n) => n < 8), `calls of ${sizes.join(' ')}`);
    // Fixed groups of 8 would each run as long as their slowest example.
    const fixed = [0, 8, 16, 24].reduce((a, start) => a + Math.max(...perExample.slice(start, start + 8)), 0);
    assert.ok(sizes.length < fixed, `${sizes.length} calls, fixed groups ${fixed}`);
  });
});
