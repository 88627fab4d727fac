import { z } from 'zod';
import { dualNorm, lpDistance, lpNorm, projectToBall, steepestStep } from '../core/lp.js';
import { row } from './batch.js';
import { isAdversarial, logitMargin } from './criterion.js';
import { defineAttack } from './define.js';
import { choice, num } from './params.js';
import type { Candidate } from './result.js';

export const fmnParams = z.object({
  norm: choice(['l1', 'l2', 'linf'], 'l2', "the norm whose smallest adversarial perturbation is sought: 'l1', 'l2' or 'linf'"),
  iterations: num(z.number().int().positive(), 100, 'steps (one gradient call each)'),
  alpha: num(z.number().positive(), 1, 'initial step size along the L2-normalised gradient, cosine-annealed to alpha / 100'),
  gamma: num(z.number().positive().lt(1), 0.05, 'initial rate by which the radius shrinks (adversarial) or grows (not yet), cosine-annealed to 0.001'),
});

/** The final radius-update rate (Pintor et al.'s gamma_final). */
const GAMMA_FINAL = 0.001;
/**
 * kappa of the cw-margin head: so large that max(0, margin + kappa) never clips for a finite model, so the
 * head's gradient is that of the unclamped margin, which FMN follows on both sides of the boundary (the
 * margin's value itself is taken from the logits).
 */
const UNCLAMPED = 1e9;

/**
 * FMN (Pintor et al. 2021, fast minimum-norm): gradient steps on the margin, each projected onto an Lp
 * ball of radius eps around the clean image, where eps adapts per step: it shrinks by (1 - gamma) (never
 * above the smallest adversarial norm found) while the iterate is adversarial, grows by (1 + gamma) once an
 * adversarial iterate was found and the current one is not, and before any is found jumps to the current
 * norm plus the linearised distance to the boundary (DeepFool's estimate), grown by (1 + gamma) so that an
 * exact estimate (a linear model) crosses the boundary instead of landing on it. Step size and gamma are
 * cosine-annealed; the result is the adversarial iterate of smallest norm.
 */
export const fmn = defineAttack('fmn', 'Fast minimum-norm attack: adaptive Lp ball around the boundary, L1, L2 or L-inf', fmnParams, async (batch, p) => {
  const { n, size, labels, targets } = batch;
  const head = { kind: 'cw-margin', targeted: targets !== undefined } as const;
  const params = { labels, targets, kappa: UNCLAMPED };
  const adv = batch.copyOfX();
  const eps = new Float64Array(n);
  const bestNorm = new Float64Array(n).fill(Infinity);
  // The largest perturbation the box allows: eps never needs to exceed its norm.
  const worst = Float64Array.from({ length: n }, (_, e) => lpNorm(batch.original(e).map((v) => Math.max(v, 1 - v)), p.norm));
  const step = new Int32Array(n);
  const found: Candidate[] = Array.from({ length: n }, () => ({ image: undefined }));

  await batch.loop((e) => step[e]! < p.iterations, async (rows) => {
    const grads = await batch.gradient(adv, rows, head, params);
    rows.forEach((e, r) => {
      const g = grads[r];
      if (!g) return;
      const x = batch.original(e);
      const image = row(adv, e, size);
      const cosine = (1 + Math.cos((Math.PI * step[e]!) / p.iterations)) / 2;
      const alpha = p.alpha / 100 + (p.alpha - p.alpha / 100) * cosine;
      const gamma = GAMMA_FINAL + (p.gamma - GAMMA_FINAL) * cosine;
      const norm = lpDistance(image, x, p.norm);
      const adversarial = isAdversarial(g.logits, labels[e]!, targets?.[e]);
      if (adversarial && norm < bestNorm[e]!) {
        bestNorm[e] = norm;
        found[e] = { image: image.slice() };
      }
      const margin = logitMargin(g.logits, labels[e]!, targets?.[e]);
      const next = adversarial
        ? Math.min(eps[e]! * (1 - gamma), bestNorm[e]!)
        : Number.isFinite(bestNorm[e]!)
          ? eps[e]! * (1 + gamma)
          : (norm + linearisedDistance(margin, dualNorm(g.grad, p.norm))) * (1 + gamma);
      eps[e] = Math.min(next, worst[e]!);
      // Descend the margin (towards and past the boundary), then back into the ball and the box.
      steepestStep(image, g.grad, -alpha, 'l2');
      projectToBall(image, x, eps[e]!, p.norm);
      batch.tallies[e]!.iterations++;
      step[e]!++;
    });
  });
  return found;
});

/** |margin| / ||grad||_dual, the distance to the linearised boundary; unbounded for a flat margin. */
function linearisedDistance(margin: number, dual: number): number {
  return dual > 0 ? Math.abs(margin) / dual : Infinity;
}
