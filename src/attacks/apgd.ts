import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { projectToBall, randomStartInBall, steepestStep } from '../core/lp.js';
import { exampleRng } from '../core/rng.js';
import type { LossHead, LossValues } from '../runtime/classifier-types.js';
import { row, type Batch, type RowGradient } from './batch.js';
import { isAdversarial } from './criterion.js';
import { defineAttack } from './define.js';
import { stepObjective } from './objective.js';
import { choice, flag, num } from './params.js';
import type { Candidate } from './result.js';

export const apgdParams = z.object({
  eps: num(z.number().positive(), 8 / 255, 'radius of the ball (the default suits L-inf; set it for L2)'),
  norm: choice(['linf', 'l2'], 'linf', "the ball: 'linf' (signed-gradient steps) or 'l2' (normalised-gradient steps)"),
  loss: choice(['ce', 'dlr'], 'ce', "'ce' cross-entropy, or 'dlr' the difference-of-logits ratio (shift- and scale-invariant; needs 3 classes, 4 targeted)"),
  iterations: num(z.number().int().positive(), 100, 'steps per restart (each restart costs one gradient call more, for its start)'),
  restarts: num(z.number().int().positive(), 1, 'runs from fresh random starts until one succeeds'),
  randomStart: flag(true, 'start from a uniform random point of the ball (clipped to the box) instead of the clean image'),
});

/** Weight of the new step against the previous one (Croce & Hein's alpha = 0.75). */
const MOMENTUM = 0.75;
/** A checkpoint halves the step when fewer than this fraction of its steps raised the loss. */
const RISE_FRACTION = 0.75;

/**
 * APGD (Croce & Hein 2020, AutoAttack's step-size-free PGD): steps with momentum from a random start,
 * projected onto the box and the eps-ball, the step size starting at 2 eps and halved at checkpoints
 * (after 22% of the iterations, then at intervals shrinking by 3% to at least 6%) when the loss rose in
 * fewer than 75% of the steps since the last checkpoint, or when neither the step nor the best loss changed
 * since then; a halving restarts from the best point so far (without momentum). An example ends at its
 * first adversarial iterate; one that stays robust is retried from a new random start while restarts
 * remain (starts come from the example's own random stream), and returns its highest-loss point.
 */
export const apgd = defineAttack('apgd', 'Auto-PGD: step-size-free PGD with momentum, CE or DLR loss, L-inf or L2', apgdParams, async (batch, p) => {
  const { n, size, numClasses, labels, targets } = batch;
  const needed = targets ? 4 : 3;
  if (p.loss === 'dlr' && numClasses < needed) {
    throw new UserError(`apgd: the DLR loss needs at least ${needed} classes${targets ? ' for a targeted attack' : ''}; this model has ${numClasses}`);
  }
  const objective = p.loss === 'ce' ? ceObjective(batch) : dlrObjective(batch);
  const adv = batch.copyOfX();
  const previous = new Float32Array(n * size);
  const grad = new Float32Array(n * size);
  const best = new Float32Array(n * size);
  const bestGrad = new Float32Array(n * size);
  const losses = new Float64Array(n * (p.iterations + 1));
  const schedule = Array.from({ length: n }, () => new StepSchedule(p.iterations, 2 * p.eps));
  const restart = new Int32Array(n);
  const done = new Uint8Array(n);
  const found: Candidate[] = Array.from({ length: n }, () => ({ image: undefined }));
  const rngs = Array.from({ length: n }, (_, e) => exampleRng(batch.opts.seed, batch.opts.ids[e]!, 'apgd'));
  const start = (e: number) => {
    const image = row(adv, e, size);
    image.set(batch.original(e));
    if (p.randomStart) randomStartInBall(image, p.norm, p.eps, rngs[e]!);
    schedule[e] = new StepSchedule(p.iterations, 2 * p.eps);
  };
  for (let e = 0; e < n; e++) start(e);

  await batch.loop((e) => !done[e], async (rows) => {
    const evaluated = await objective(adv, rows);
    rows.forEach((e, r) => {
      const v = evaluated[r];
      if (!v) return;
      const image = row(adv, e, size);
      if (isAdversarial(v.logits, labels[e]!, targets?.[e])) {
        found[e] = { image: image.slice() };
        done[e] = 1;
        return;
      }
      const s = schedule[e]!;
      const k = s.step;
      const history = row(losses, e, p.iterations + 1);
      history[k] = v.loss;
      if (k === 0 || v.loss > s.bestLoss) {
        s.bestLoss = v.loss;
        row(best, e, size).set(image);
        row(bestGrad, e, size).set(v.grad);
      }
      row(grad, e, size).set(v.grad);
      if (k > 0 && s.checkpoint(history)) {
        image.set(row(best, e, size));
        row(grad, e, size).set(row(bestGrad, e, size));
      }
      if (k === p.iterations) {
        if (restart[e]! + 1 < p.restarts) {
          restart[e]!++;
          start(e);
        } else {
          found[e] = { image: row(best, e, size).slice() };
          done[e] = 1;
        }
        return;
      }
      batch.tallies[e]!.iterations++;
      // The first step of a run (and the first after a halving) has no momentum.
      const weight = k === 0 || s.restartedFromBest ? 1 : MOMENTUM;
      momentumStep(image, row(previous, e, size), row(grad, e, size), batch.original(e), s.size, weight, p.eps, p.norm);
      s.step++;
    });
  });
  return found;
});

/**
 * z = P(x_k + size * step direction of grad); x_{k+1} = P(x_k + weight (z - x_k) + (1 - weight)(x_k -
 * x_{k-1})), with P the projection onto the ball and the box; `previous` becomes x_k.
 */
function momentumStep(image: Float32Array, previous: Float32Array, grad: Float32Array, x: Float32Array, size: number, weight: number, eps: number, norm: 'linf' | 'l2'): void {
  const z = image.slice();
  steepestStep(z, grad, size, norm);
  projectToBall(z, x, eps, norm);
  for (let i = 0; i < image.length; i++) {
    const current = image[i]!;
    z[i] = current + weight * (z[i]! - current) + (1 - weight) * (current - previous[i]!);
    previous[i] = current;
  }
  projectToBall(z, x, eps, norm);
  image.set(z);
}

/** One example's APGD step size and its checkpoints. */
class StepSchedule {
  /** Steps taken in this run. */
  step = 0;
  bestLoss = -Infinity;
  /** The last checkpoint halved the step and moved back to the best point. */
  restartedFromBest = false;
  private nextCheck: number;
  private interval: number;
  private readonly shrink: number;
  private readonly minInterval: number;
  private reducedLast = true;
  private bestAtLastCheck = -Infinity;

  constructor(
    iterations: number,
    public size: number,
  ) {
    this.interval = Math.max(1, Math.floor(0.22 * iterations));
    this.shrink = Math.max(1, Math.floor(0.03 * iterations));
    this.minInterval = Math.max(1, Math.floor(0.06 * iterations));
    this.nextCheck = this.interval;
  }

  /**
   * Called with the losses of steps 0..step once step k was evaluated; at a checkpoint, halves the step
   * size when the loss oscillated or stalled and returns whether it did.
   */
  checkpoint(history: Float64Array): boolean {
    this.restartedFromBest = false;
    if (this.step !== this.nextCheck) return false;
    let rises = 0;
    for (let j = this.step - this.interval + 1; j <= this.step; j++) if (history[j]! > history[j - 1]!) rises++;
    const oscillating = rises <= RISE_FRACTION * this.interval;
    const stalled = !this.reducedLast && this.bestAtLastCheck >= this.bestLoss;
    const reduce = oscillating || stalled;
    this.reducedLast = reduce;
    this.bestAtLastCheck = this.bestLoss;
    this.interval = Math.max(this.interval - this.shrink, this.minInterval);
    this.nextCheck = this.step + this.interval;
    if (reduce) this.size /= 2;
    this.restartedFromBest = reduce;
    return reduce;
  }
}

/** The loss APGD ascends at some rows of `images`: its value, gradient and the logits it saw. */
type Objective = (images: Float32Array, rows: number[]) => Promise<(RowGradient | undefined)[]>;

/** Cross-entropy, ascended untargeted and descended (of the target) targeted: one gradient call. */
function ceObjective(batch: Batch): Objective {
  const { head, params, direction } = stepObjective('ce', batch);
  return async (images, rows) =>
    (await batch.gradient(images, rows, head, params)).map((g) => g && { logits: g.logits, loss: direction * g.loss, grad: direction === 1 ? g.grad : g.grad.map((v) => -v) });
}

/**
 * The DLR loss, -(Z_y - max_{j!=y} Z_j) / (Z_pi1 - Z_pi3) untargeted and -(Z_y - Z_t) / (Z_pi1 - (Z_pi3 +
 * Z_pi4) / 2) targeted (pi sorts the logits descending): a forward call gives the logits, whose
 * derivative dDLR/dZ is the cotangent of a weighted-logits gradient call.
 */
function dlrObjective(batch: Batch): Objective {
  const { n, numClasses, labels, targets } = batch;
  const head: LossHead = { kind: 'weighted-logits' };
  const cotangent = new Float32Array(n * numClasses);
  const params: LossValues = { cotangent };
  return async (images, rows) => {
    const logits = await batch.logits(images, rows);
    const values = new Float64Array(n);
    const live = rows.filter((e, r) => {
      const z = logits[r];
      if (!z) return false;
      values[e] = dlr(z, labels[e]!, targets?.[e], row(cotangent, e, numClasses));
      return true;
    });
    const grads = await batch.gradient(images, live, head, params);
    const byRow = new Map(live.map((e, r) => [e, grads[r]]));
    return rows.map((e) => {
      const g = byRow.get(e);
      return g && { logits: g.logits, loss: values[e]!, grad: g.grad };
    });
  };
}

/** DLR of one logits row, writing dDLR/dZ to `derivative`. */
export function dlr(z: Float32Array, label: number, target: number | undefined, derivative: Float32Array): number {
  const order = Array.from(z.keys()).sort((a, b) => z[b]! - z[a]! || a - b);
  const other = target ?? order.find((j) => j !== label)!;
  const numerator = z[label]! - z[other]!;
  const denominator = (target === undefined ? z[order[0]!]! - z[order[2]!]! : z[order[0]!]! - (z[order[2]!]! + z[order[3]!]!) / 2) + 1e-12;
  // d(-N/D) = -(dN D - N dD) / D^2.
  derivative.fill(0);
  derivative[label]! -= 1 / denominator;
  derivative[other]! += 1 / denominator;
  const dD = numerator / denominator ** 2;
  derivative[order[0]!]! += dD;
  if (target === undefined) derivative[order[2]!]! -= dD;
  else {
    derivative[order[2]!]! -= dD / 2;
    derivative[order[3]!]! -= dD / 2;
  }
  return -numerator / denominator;
}
