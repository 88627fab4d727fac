import { z } from 'zod';
import { row } from './batch.js';
import { clipToBox, steepestStep } from '../core/lp.js';
import { defineAttack } from './define.js';
import { lossParam, stepObjective } from './objective.js';
import { num } from './params.js';

export const fgsmParams = z.object({
  eps: num(z.number().nonnegative(), 0.1, 'L-inf budget: the size of the single signed-gradient step'),
  loss: lossParam,
});

/** FGSM (Goodfellow et al. 2015): one step of eps * sign(gradient), clipped to the box. */
export const fgsm = defineAttack('fgsm', 'Fast gradient sign method: one L-inf step of size eps', fgsmParams, async (batch, p) => {
  const { head, params, direction } = stepObjective(p.loss, batch);
  const adv = batch.copyOfX();
  await batch.loop((e) => batch.tallies[e]!.iterations === 0, async (rows) => {
    const grads = await batch.gradient(adv, rows, head, params);
    rows.forEach((e, r) => {
      const g = grads[r];
      if (!g) return;
      const image = row(adv, e, batch.size);
      steepestStep(image, g.grad, direction * p.eps, 'linf');
      clipToBox(image);
      batch.tallies[e]!.iterations = 1;
    });
  });
  return Array.from({ length: batch.n }, (_, e) => ({ image: row(adv, e, batch.size).slice() }));
});
