import { z } from 'zod';
import { lpDistance } from '../core/lp.js';
import { row } from './batch.js';
import { constantSearchParams, ConstantSearch } from './constant-search.js';
import { cwMargin, isAdversarial } from './criterion.js';
import { defineAttack } from './define.js';
import { choice, num } from './params.js';

export const eadParams = z.object({
  ...constantSearchParams,
  lr: num(z.number().positive(), 0.01, 'initial step size, decayed polynomially (power 0.5) to 0 over the iterations'),
  beta: num(z.number().nonnegative(), 1e-3, 'weight of the L1 term in the elastic-net distance ||d||_2^2 + beta ||d||_1'),
  rule: choice(['l1', 'en'], 'l1', "decision rule: keep the successful iterate of smallest 'l1' or elastic-net ('en') distance"),
});

/**
 * EAD (Chen et al. 2018): FISTA on c * max(0, margin + kappa) + ||d||_2^2 with the beta * ||d||_1 term
 * handled by its proximal operator (shrinkage-thresholding towards the clean image, projected to the
 * box), under the same binary search on c as C&W. Following the original, the gradient is taken at the
 * momentum point (which may leave the box: it is only ever differentiated, never returned) and the
 * decision rule picks among the thresholded iterates, each of which costs a forward call when its logits
 * could change the result (ConstantSearch.needsLogits).
 */
export const ead = defineAttack('ead', 'Elastic-net attack: FISTA with L1 shrinkage, binary search on c', eadParams, async (batch, p) => {
  const { n, size, labels, targets } = batch;
  const head = { kind: 'cw-margin', targeted: targets !== undefined } as const;
  const params = { labels, targets, kappa: p.kappa };
  const adv = batch.copyOfX();
  const slack = batch.copyOfX();
  const searches = Array.from({ length: n }, () => new ConstantSearch({ ...p, abortTest: 'checkpoint' }));
  // A binary-search step starts from the clean image, or with warmStart from the best adversarial iterate.
  const reset = (e: number) => {
    const start = (p.warmStart && searches[e]!.found.image) || batch.original(e);
    row(adv, e, size).set(start);
    row(slack, e, size).set(start);
  };

  await batch.loop((e) => !searches[e]!.done, async (rows) => {
    const grads = await batch.gradient(slack, rows, head, params);
    const stepped = rows.filter((e, r) => {
      const g = grads[r];
      if (!g) return false;
      searches[e]!.firstGradient(g.loss, g.grad);
      const k = searches[e]!.iteration;
      const rate = p.lr * Math.sqrt(1 - k / p.iterations);
      // FISTA's momentum weight k / (k + 3), with k counting the steps taken including this one.
      const momentum = (k + 1) / (k + 4);
      shrinkageStep(batch.original(e), row(adv, e, size), row(slack, e, size), g.grad, searches[e]!.c, rate, p.beta, momentum);
      batch.tallies[e]!.iterations++;
      return true;
    });
    // The rule's distances come before the forward call, which only the iterates that could matter get.
    const evaluated = stepped
      .map((e) => ({ e, distance: ruleDistances(row(adv, e, size), batch.original(e), p.beta) }))
      .filter(({ e, distance }) => {
        if (searches[e]!.needsLogits(distance[p.rule])) return true;
        searches[e]!.skipped();
        return false;
      });
    const logits = await batch.logits(adv, evaluated.map(({ e }) => e));
    evaluated.forEach(({ e, distance }, r) => {
      const z = logits[r];
      if (!z) return;
      const search = searches[e]!;
      const loss = search.c * cwMargin(z, labels[e]!, targets?.[e], p.kappa) + distance.en;
      const ended = search.evaluated(row(adv, e, size), loss, distance[p.rule], isAdversarial(z, labels[e]!, targets?.[e], p.kappa));
      if (ended) reset(e);
    });
  });
  return searches.map((s) => s.found);
});

/** The iterate's L1 distance and its elastic-net distance ||d||_2^2 + beta ||d||_1 from the clean image. */
function ruleDistances(image: Float32Array, x: Float32Array, beta: number): { l1: number; en: number } {
  const l1 = lpDistance(image, x, 'l1');
  return { l1, en: lpDistance(image, x, 'l2') ** 2 + beta * l1 };
}

/**
 * One ISTA step from the momentum point y with gradient c * grad + 2 (y - x) of the smooth part, then
 * the soft threshold at beta around x (clipped to the box) gives the new iterate, and y moves past it by
 * `momentum` times the step from the previous iterate.
 */
function shrinkageStep(x: Float32Array, adv: Float32Array, slack: Float32Array, grad: Float32Array, c: number, rate: number, beta: number, momentum: number): void {
  for (let i = 0; i < x.length; i++) {
    const z = slack[i]! - rate * (c * grad[i]! + 2 * (slack[i]! - x[i]!));
    const d = z - x[i]!;
    const next = d > beta ? Math.min(z - beta, 1) : d < -beta ? Math.max(z + beta, 0) : x[i]!;
    slack[i] = next + momentum * (next - adv[i]!);
    adv[i] = next;
  }
}
