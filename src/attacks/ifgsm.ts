import { z } from 'zod';
import { row } from './batch.js';
import { projectToBall, steepestStep } from '../core/lp.js';
import { isAdversarial } from './criterion.js';
import { defineAttack } from './define.js';
import { lossParam, stepObjective } from './objective.js';
import { flag, num } from './params.js';
import type { Candidate } from './result.js';
import { BracketSearch } from './search.js';

export const ifgsmParams = z.object({
  eps: num(z.number().positive(), 0.1, 'L-inf budget; with search, the first budget tried'),
  iterations: num(z.number().int().positive(), 10, 'signed-gradient steps of size eps/iterations (per attempt)'),
  loss: lossParam,
  search: flag(false, 'search the smallest successful eps per example: double on failure, halve on success, then bisect'),
  attempts: num(z.number().int().positive(), 9, 'budgets tried by the search, each a full run of `iterations` steps'),
  capEps: flag(true, "the search grows eps no further than 1, the pixel range, and ends when that fails (off: the study's uncapped doubling)"),
});

/**
 * I-FGSM (Kurakin et al. 2017): `iterations` steps of eps/iterations * sign(gradient), each followed by
 * projection onto the box and the L-inf ball; returns the last iterate. With `search`, every attempt
 * restarts from the clean image with the next budget of the example's own search, and the result is the
 * image of the smallest successful budget (the study's "optimal budget" mode).
 *
 * An L-inf ball of radius 1 around an image in [0, 1] holds the whole box, so a larger eps only makes the
 * steps longer: the study's search doubled on (to 5.12 in 9 attempts), and what it found above 1 it owed
 * to longer steps, not to a larger ball, so that eps no longer measures a radius. With capEps the
 * search tries 1 at most and ends when that fails; for the FGSM search (one step, clipped to the box) an eps
 * above 1 gives the very image of eps 1, so there the cap only spares the attempts.
 */
export const ifgsm = defineAttack('ifgsm', 'Iterative FGSM with a fixed budget, or the per-example smallest-budget search', ifgsmParams, async (batch, p) => {
  const { head, params, direction } = stepObjective(p.loss, batch);
  const { n, size } = batch;
  const adv = batch.copyOfX();
  const step = new Int32Array(n);
  const attempt = new Int32Array(n);
  const attempts = p.search ? p.attempts : 1;
  const budgets = Array.from({ length: n }, () => new BracketSearch(p.eps, 2, p.search && p.capEps ? 1 : Infinity));
  const found: Candidate[] = Array.from({ length: n }, () => ({ image: undefined }));

  await batch.loop((e) => attempt[e]! < attempts, async (rows) => {
    const grads = await batch.gradient(adv, rows, head, params);
    const ended: number[] = [];
    rows.forEach((e, r) => {
      const g = grads[r];
      if (!g) return;
      const eps = budgets[e]!.value;
      const image = row(adv, e, size);
      steepestStep(image, g.grad, (direction * eps) / p.iterations, 'linf');
      projectToBall(image, batch.original(e), eps, 'linf');
      batch.tallies[e]!.iterations++;
      if (++step[e]! === p.iterations) ended.push(e);
    });
    if (!p.search) {
      // A fixed budget returns its last iterate; verification alone decides success.
      for (const e of ended) {
        found[e] = { image: row(adv, e, size).slice() };
        attempt[e] = 1;
      }
      return;
    }
    const logits = await batch.logits(adv, ended);
    ended.forEach((e, r) => {
      const z = logits[r];
      if (!z) return;
      const budget = budgets[e]!;
      const success = isAdversarial(z, batch.labels[e]!, batch.targets?.[e]);
      // Every budget tried after a success is smaller than it, so the latest success is the smallest.
      if (success) found[e] = { image: row(adv, e, size).slice(), eps: budget.value };
      budget.update(success);
      attempt[e] = budget.exhausted ? attempts : attempt[e]! + 1;
      step[e] = 0;
      row(adv, e, size).set(batch.original(e));
    });
  });
  return found;
});
