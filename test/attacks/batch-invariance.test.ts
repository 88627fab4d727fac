import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runAttack } from '../../src/attacks/registry.js';
import type { TargetKind } from '../../src/core/targets.js';
import type { AttackResult, ParamValues } from '../../src/attacks/types.js';
import { reluSetup, SIZE } from './models.js';

const N = 32;
const net = await reluSetup(N, 5);
const ids = Array.from({ length: N }, (_, e) => `test:${e}`);

/** Runs an attack over the examples in batches of `size` and concatenates the results. */
async function inBatches(name: string, params: ParamValues, target: TargetKind, size: number): Promise<AttackResult[]> {
  const results: AttackResult[] = [];
  for (let start = 0; start < N; start += size) {
    const end = Math.min(N, start + size);
    const batch = { x: net.x.subarray(start * SIZE, end * SIZE), n: end - start, labels: net.labels.subarray(start, end), ids: ids.slice(start, end) };
    results.push(...(await runAttack(name, net.model, batch, { params, target, seed: 42 })).results);
  }
  // Time is the one field that may differ.
  return results.map(({ timeMs, ...rest }) => ({ ...rest, timeMs: 0 }));
}

const RUNS: [string, ParamValues][] = [
  ['fgsm', { eps: 0.03 }],
  ['ifgsm', { eps: 0.03 }],
  ['ifgsm', { search: true, iterations: 10, attempts: 5 }],
  ['pgd', { eps: 0.02, iterations: 10, restarts: 3 }],
  ['pgd', { eps: 0.2, norm: 'l2', iterations: 10, restarts: 2 }],
  ['cw-l2', { iterations: 60, binarySteps: 4 }],
  ['ead', { iterations: 60, binarySteps: 4, rule: 'en' }],
  ['deepfool', {}],
  ['deepfool', { norm: 'linf' }],
  ['fmn', { iterations: 30 }],
  ['fmn', { norm: 'linf', iterations: 30 }],
  ['fmn', { norm: 'l1', iterations: 30 }],
  ['apgd', { eps: 0.02, iterations: 20, restarts: 2 }],
  ['apgd', { eps: 0.2, norm: 'l2', loss: 'dlr', iterations: 20 }],
];

describe('batch-size invariance', () => {
  for (const target of ['untargeted', 'random'] as const) {
    for (const [name, params] of RUNS) {
      it(`${name} ${JSON.stringify(params)} ${target}: identical results in batches of 1, 7 and 32`, async () => {
        const whole = await inBatches(name, params, target, 32);
        assert.ok(whole.some((r) => r.success) && whole.some((r) => r.iterations > 0));
        assert.deepEqual(await inBatches(name, params, target, 7), whole);
        assert.deepEqual(await inBatches(name, params, target, 1), whole);
      });
    }
  }
});
