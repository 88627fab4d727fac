import type { z } from 'zod';
import type { DifferentiableClassifier } from '../runtime/classifier-types.js';
import { Batch } from './batch.js';
import { parseParams } from './params.js';
import { verify, type Candidate } from './result.js';
import type { Attack, AttackName, ParamValues } from './types.js';

/**
 * Makes an Attack of an implementation that receives validated, typed parameters and a Batch and returns
 * one candidate per example; the candidates are verified here (result.ts). The shape checks are
 * programming errors (the caller built the batch), so they throw plain Errors.
 */
export function defineAttack<S extends z.ZodObject>(
  name: AttackName,
  describe: string,
  paramsSchema: S,
  attack: (batch: Batch, params: z.output<S>) => Promise<readonly Candidate[]>,
): Attack {
  return {
    name,
    describe,
    paramsSchema,
    defaults: paramsSchema.parse({}) as ParamValues,
    async run(classifier: DifferentiableClassifier, x, n, labels, targets, params, opts) {
      const parsed = parseParams(name, paramsSchema, params);
      checkBatch(name, classifier, x, n, labels, targets, opts.ids.length);
      const batch = new Batch(classifier, x, n, labels, targets, opts);
      // Every attack's result is re-classified here, so no attack can report an unverified success.
      return verify(batch, await attack(batch, parsed));
    },
  };
}

function checkBatch(name: string, classifier: DifferentiableClassifier, x: Float32Array, n: number, labels: Int32Array, targets: Int32Array | undefined, ids: number): void {
  const [c, h, w] = classifier.inputShape;
  const k = classifier.numClasses;
  const fail = (what: string) => {
    throw new Error(`${name}: ${what}`);
  };
  if (!Number.isInteger(n) || n < 0 || x.length !== n * c * h * w) fail(`expected ${n} example(s) of ${c * h * w} values, got ${x.length} values`);
  if (labels.length !== n || ids !== n || (targets && targets.length !== n)) fail(`expected ${n} labels, ids${targets ? ' and targets' : ''}`);
  for (let e = 0; e < n; e++) {
    const y = labels[e]!;
    const t = targets?.[e];
    if (y < 0 || y >= k) fail(`label ${y} of example ${e} is not a class of a ${k}-class model`);
    if (t !== undefined && (t < 0 || t >= k || t === y)) fail(`target ${t} of example ${e} is not a class other than its label ${y}`);
  }
}
