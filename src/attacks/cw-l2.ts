import { z } from 'zod';
import { lpDistance } from '../core/lp.js';
import { row } from './batch.js';
import { constantSearchParams, ConstantSearch } from './constant-search.js';
import { isAdversarial } from './criterion.js';
import { defineAttack } from './define.js';
import { choice, num } from './params.js';

export const cwL2Params = z.object({
  ...constantSearchParams,
  lr: num(z.number().positive(), 0.01, "Adam's learning rate in tanh space (Carlini & Wagner's 0.01)"),
  lrDecay: choice(['none', 'cosine'], 'none', "the learning rate over each binary-search step's iterations: constant (the original) or cosine-annealed to 0 (early abort then compares the best loss of each tenth of the iterations, not the loss at each check)"),
  lrPerDistance: num(z.number().nonnegative(), 0, 'once an example has an adversarial iterate, cap its learning rate so that a step (about lr / 2 per pixel) moves at most this fraction of its best L2 distance (0: no cap)'),
});

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;
/** Keeps arctanh finite for pixels at 0 or 1 (the original's factor). */
const TANH_SQUEEZE = 0.999999;

/**
 * C&W-L2 (Carlini & Wagner 2017): x' = (tanh(w) + 1) / 2 keeps iterates in the box without clipping;
 * Adam minimises ||x' - x||_2^2 + c * max(0, margin + kappa) over w, restarting from the clean image for
 * every constant of the example's binary search (or, with warmStart, from the best adversarial iterate
 * once there is one), and the result is the smallest-L2 iterate that was adversarial with kappa.
 */
export const cwL2 = defineAttack('cw-l2', 'Carlini & Wagner L2: Adam in tanh space, binary search on c', cwL2Params, async (batch, p) => {
  const { n, size, labels, targets } = batch;
  const head = { kind: 'cw-margin', targeted: targets !== undefined } as const;
  const params = { labels, targets, kappa: p.kappa };
  const adv = new Float32Array(n * size);
  const w = new Float32Array(n * size);
  const m = new Float32Array(n * size);
  const v = new Float32Array(n * size);
  // (tanh(w) + 1) / 2 = sigmoid(2w), kept in float64: it is the iterate, and 2 s (1 - s) its derivative
  // stays accurate for saturated pixels (s near 0 or 1), where the float32 image would not.
  const s = new Float64Array(n * size);
  // Under the cosine schedule early abort looks at each window's best loss: see ConstantSearchSettings.abortTest.
  const abortTest = p.lrDecay === 'cosine' ? 'window-best' : 'checkpoint';
  const searches = Array.from({ length: n }, () => new ConstantSearch({ ...p, abortTest }));
  // Every binary-search step starts with a fresh Adam state from the clean image, or warm from the best
  // adversarial iterate so far (which lies near the boundary the step will trade along).
  const reset = (e: number) => {
    const x = (p.warmStart && searches[e]!.found.image) || batch.original(e);
    const we = row(w, e, size);
    for (let i = 0; i < size; i++) we[i] = Math.atanh((2 * x[i]! - 1) * TANH_SQUEEZE);
    row(m, e, size).fill(0);
    row(v, e, size).fill(0);
    toBox(we, row(s, e, size), row(adv, e, size));
  };
  for (let e = 0; e < n; e++) reset(e);

  await batch.loop((e) => !searches[e]!.done, async (rows) => {
    const grads = await batch.gradient(adv, rows, head, params);
    rows.forEach((e, r) => {
      const g = grads[r];
      if (!g) return;
      batch.tallies[e]!.iterations++;
      const search = searches[e]!;
      search.firstGradient(g.loss, g.grad);
      const x = batch.original(e);
      const image = row(adv, e, size);
      const c = search.c;
      const distance = lpDistance(image, x, 'l2') ** 2;
      if (search.evaluated(image, distance + c * g.loss, distance, isAdversarial(g.logits, labels[e]!, targets?.[e], p.kappa))) {
        reset(e);
        return;
      }
      // Adam on w, with the gradient of the objective chained through x' = (tanh(w) + 1) / 2.
      const t = search.iteration;
      const lr = stepRate(p, Math.sqrt(search.best), size, t);
      const rate = (lr * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
      const we = row(w, e, size);
      const me = row(m, e, size);
      const ve = row(v, e, size);
      const se = row(s, e, size);
      for (let i = 0; i < size; i++) {
        const gx = 2 * (image[i]! - x[i]!) + c * g.grad[i]!;
        const gw = 2 * gx * se[i]! * (1 - se[i]!);
        me[i] = BETA1 * me[i]! + (1 - BETA1) * gw;
        ve[i] = BETA2 * ve[i]! + (1 - BETA2) * gw * gw;
        we[i] = we[i]! - (rate * me[i]!) / (Math.sqrt(ve[i]!) + ADAM_EPSILON);
        // Inline rather than toBox: one pass over the row per iteration (this loop is the attack's JS cost).
        image[i] = se[i] = sigmoid2(we[i]!);
      }
    });
  });
  return searches.map((s) => s.found);
});

/**
 * Adam's learning rate at step t (from 1) of a binary-search step. A fixed rate in tanh space moves every
 * pixel by up to lr / 2 per step, an L2 step of about lr sqrt(n) / 2: far more than the whole perturbation
 * of an example near the boundary, which then only settles by Adam's oscillations damping; the cap ties
 * the step to the best distance found, and the cosine decay lets the last steps be fine.
 */
function stepRate(p: z.infer<typeof cwL2Params>, bestL2: number, size: number, t: number): number {
  const cap = p.lrPerDistance > 0 && Number.isFinite(bestL2) ? (2 * p.lrPerDistance * bestL2) / Math.sqrt(size) : Infinity;
  const lr = Math.min(p.lr, cap);
  return p.lrDecay === 'cosine' ? lr * 0.5 * (1 + Math.cos((Math.PI * (t - 1)) / p.iterations)) : lr;
}

/** (tanh(w) + 1) / 2, written as sigmoid(2w): Math.exp is cheaper than Math.tanh in V8. */
const sigmoid2 = (w: number) => 1 / (1 + Math.exp(-2 * w));

function toBox(w: Float32Array, s: Float64Array, image: Float32Array): void {
  for (let i = 0; i < w.length; i++) image[i] = s[i] = sigmoid2(w[i]!);
}
