import { z } from 'zod';
import type { LossHead, LossValues } from '../runtime/classifier-types.js';
import { topK } from '../runtime/logits.js';
import { row } from './batch.js';
import { clip01, dualNorm, lpNorm, type StepNorm } from '../core/lp.js';
import { isAdversarial } from './criterion.js';
import { defineAttack } from './define.js';
import { choice, num } from './params.js';
import type { Candidate } from './result.js';

export const deepfoolParams = z.object({
  norm: choice(['l2', 'linf'], 'l2', "distance whose nearest linearised boundary is stepped to: 'l2' or 'linf'"),
  overshoot: num(z.number().nonnegative(), 0.02, 'the total perturbation is scaled by 1 + overshoot to cross the boundary'),
  iterations: num(z.number().int().positive(), 50, 'most linearisation steps'),
  candidates: num(z.number().int().positive(), 10, 'untargeted: how many classes of highest clean logit (other than the label) are linearised; one gradient call each'),
});

/**
 * Added to every step's distance so that a step which lands exactly on a linearised boundary crosses it
 * (the original's 1e-4).
 */
const CROSSING = 1e-4;

/**
 * DeepFool (Moosavi-Dezfooli et al. 2016): linearise f_k = Z_k - Z_label for every candidate class k,
 * step to the nearest linearised boundary (distance |f_k| / ||grad f_k|| in the dual norm), and repeat
 * from x + (1 + overshoot) * (sum of steps), clipped to the box, until the example is adversarial. One
 * gradient call per candidate class per iteration.
 *
 * Targeted, the boundary is the one between the target and the class currently ranked highest among the
 * others, which the targeted C&W margin head linearises in a single call: stepping towards the target
 * alone (the pair with the label) can stall behind a third class.
 */
export const deepfool = defineAttack('deepfool', 'DeepFool: steps to the nearest linearised decision boundary, L2 or L-inf', deepfoolParams, async (batch, p) => {
  const { n, size, numClasses, labels, targets } = batch;
  const all = Array.from({ length: n }, (_, e) => e);
  const probes = targets ? [targetProbe(labels, targets)] : candidateProbes(await batch.logits(batch.x, all), labels, numClasses, p.candidates);
  const adv = batch.copyOfX();
  const total = new Float64Array(n * size);
  const best = { grad: new Float32Array(n * size), distance: new Float64Array(n), ratio: new Float64Array(n), sign: new Float64Array(n) };
  const done = new Uint8Array(n);
  const found: Candidate[] = all.map(() => ({ image: undefined }));
  const finish = (e: number) => {
    found[e] = { image: row(adv, e, size).slice() };
    done[e] = 1;
  };

  await batch.loop((e) => !done[e], async (rows) => {
    rows.forEach((e) => (best.ratio[e] = Infinity));
    let active = rows;
    for (const [s, probe] of probes.entries()) {
      const grads = await batch.gradient(adv, active, probe.head, probe.params);
      active = active.filter((e, r) => {
        const g = grads[r];
        if (!g) return false;
        if (s === 0 && isAdversarial(g.logits, labels[e]!, targets?.[e])) {
          finish(e);
          return false;
        }
        const ratio = Math.abs(g.loss) / dualNorm(g.grad, p.norm);
        if (ratio < best.ratio[e]!) {
          best.ratio[e] = ratio;
          best.distance[e] = Math.abs(g.loss);
          best.sign[e] = probe.sign;
          row(best.grad, e, size).set(g.grad);
        }
        return true;
      });
    }
    for (const e of active) {
      batch.tallies[e]!.iterations++;
      // No candidate has a usable gradient: nothing to step along, so the current image is the answer.
      if (!Number.isFinite(best.ratio[e]!)) {
        finish(e);
        continue;
      }
      const t = row(total, e, size);
      step(t, row(best.grad, e, size), best.sign[e]! * (best.distance[e]! + CROSSING), p.norm);
      const image = row(adv, e, size);
      const x = batch.original(e);
      for (let k = 0; k < size; k++) image[k] = clip01(x[k]! + (1 + p.overshoot) * t[k]!);
      if (batch.tallies[e]!.iterations === p.iterations) finish(e);
    }
  });
  return found;
});

/** A linearised boundary: the loss head whose value and gradient give f and grad f, and the sign that crosses it. */
interface Probe {
  head: LossHead;
  params: LossValues;
  sign: 1 | -1;
}

/**
 * Untargeted: f_k = Z_k - Z_label (negative until crossed, so its gradient points across) for the classes
 * of highest clean logit; one probe per rank.
 */
function candidateProbes(clean: (Float32Array | undefined)[], labels: Int32Array, numClasses: number, candidates: number): Probe[] {
  const classes = clean.map((z, e) => (z ? topK(z, numClasses, 0, numClasses).filter((k) => k !== labels[e]).slice(0, candidates) : []));
  const ranks = Math.max(0, ...classes.map((c) => c.length));
  return Array.from({ length: ranks }, (_, s) => ({
    head: { kind: 'logit-diff' },
    // Examples with non-finite clean logits have no classes and take no further part.
    params: { i: Int32Array.from(classes, (c) => c[s] ?? 0), j: labels },
    sign: 1,
  }));
}

/** Targeted: max(0, max_{j!=t} Z_j - Z_t), positive until crossed, so one steps against its gradient. */
function targetProbe(labels: Int32Array, targets: Int32Array): Probe {
  return { head: { kind: 'cw-margin', targeted: true }, params: { labels, targets, kappa: 0 }, sign: -1 };
}

/**
 * total += the smallest step of norm `norm` that changes the linear function grad . d by `distance` (a
 * negative distance lowers it).
 */
function step(total: Float64Array, grad: Float32Array, distance: number, norm: StepNorm): void {
  if (norm === 'l2') {
    const scale = distance / lpNorm(grad, 'l2') ** 2;
    for (let i = 0; i < total.length; i++) total[i] = total[i]! + scale * grad[i]!;
  } else {
    const scale = distance / lpNorm(grad, 'l1');
    for (let i = 0; i < total.length; i++) total[i] = total[i]! + scale * Math.sign(grad[i]!);
  }
}
