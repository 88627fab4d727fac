import { z } from 'zod';
import { row } from './batch.js';
import { projectToBall, randomStartInBall, steepestStep } from '../core/lp.js';
import { isAdversarial } from './criterion.js';
import { defineAttack } from './define.js';
import { lossParam, stepObjective } from './objective.js';
import { choice, flag, num } from './params.js';
import type { Candidate } from './result.js';
import { exampleRng } from '../core/rng.js';

export const pgdParams = z.object({
  eps: num(z.number().positive(), 8 / 255, 'radius of the ball (the default suits L-inf; set it for L2)'),
  norm: choice(['linf', 'l2'], 'linf', "the ball: 'linf' (signed-gradient steps) or 'l2' (normalised-gradient steps)"),
  iterations: num(z.number().int().positive(), 40, 'steps per restart'),
  relStep: num(z.number().positive(), 2.5 / 40, 'step size as a fraction of eps (Madry et al.: 2.5 / iterations)'),
  restarts: num(z.number().int().positive(), 1, 'runs from fresh random starts until one succeeds'),
  randomStart: flag(true, 'start from a uniform random point of the ball (clipped to the box) instead of the clean image'),
  loss: lossParam,
});

/**
 * PGD (Madry et al. 2018): steepest-ascent steps projected onto the box and the eps-ball, from a random
 * start, returning the last iterate. A run that ends without success is retried from a new random start
 * while restarts remain; the starts come from the example's own random stream.
 */
export const pgd = defineAttack('pgd', 'Projected gradient descent with random start, L-inf or L2', pgdParams, async (batch, p) => {
  const { head, params, direction } = stepObjective(p.loss, batch);
  const { n, size } = batch;
  const adv = batch.copyOfX();
  const step = new Int32Array(n);
  const restart = new Int32Array(n);
  const done = new Uint8Array(n);
  const found: Candidate[] = Array.from({ length: n }, () => ({ image: undefined }));
  const rngs = Array.from({ length: n }, (_, e) => exampleRng(batch.opts.seed, batch.opts.ids[e]!, 'pgd'));
  const start = (e: number) => {
    const image = row(adv, e, size);
    image.set(batch.original(e));
    if (p.randomStart) randomStartInBall(image, p.norm, p.eps, rngs[e]!);
  };
  for (let e = 0; e < n; e++) start(e);
  const stepSize = p.relStep * p.eps;

  await batch.loop((e) => !done[e], async (rows) => {
    const grads = await batch.gradient(adv, rows, head, params);
    const ended: number[] = [];
    rows.forEach((e, r) => {
      const g = grads[r];
      if (!g) return;
      const image = row(adv, e, size);
      steepestStep(image, g.grad, direction * stepSize, p.norm);
      projectToBall(image, batch.original(e), p.eps, p.norm);
      batch.tallies[e]!.iterations++;
      if (++step[e]! < p.iterations) return;
      // The last restart's result is checked by verification alone; earlier ones decide whether to retry.
      if (restart[e]! + 1 < p.restarts) {
        ended.push(e);
      } else {
        found[e] = { image: image.slice() };
        done[e] = 1;
      }
    });
    const logits = await batch.logits(adv, ended);
    ended.forEach((e, r) => {
      const z = logits[r];
      if (!z) return;
      if (isAdversarial(z, batch.labels[e]!, batch.targets?.[e])) {
        found[e] = { image: row(adv, e, size).slice() };
        done[e] = 1;
      } else {
        restart[e]!++;
        step[e] = 0;
        start(e);
      }
    });
  });
  return found;
});
