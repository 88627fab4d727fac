import { z } from 'zod';
import { lpNorm } from '../core/lp.js';
import { flag, num } from './params.js';
import type { Candidate } from './result.js';
import { BracketSearch } from './search.js';

/** Parameters C&W and EAD share: the optimisation budget and the search on the trade-off constant c. */
export const constantSearchParams = {
  kappa: num(z.number().nonnegative(), 0, 'confidence: iterates count as adversarial only when they win by this logit margin'),
  c: num(z.number().positive(), 0.01, 'initial trade-off constant between distance and margin loss'),
  binarySteps: num(z.number().int().positive(), 9, 'binary-search steps on c (x10 until the first success, then bisect)'),
  iterations: num(z.number().int().positive(), 1000, 'optimisation steps per binary-search step'),
  abortEarly: flag(true, 'end a binary-search step when the loss has not fallen by 0.01% over a tenth of the iterations'),
  abortAfterSuccess: flag(true, "early abort may also end a step that has found an adversarial iterate (the original's); off: only a step without one ends early, and a successful step runs all its iterations"),
  warmStart: flag(false, 'start every binary-search step after the first success from the best adversarial iterate instead of the clean image'),
  minGain: num(z.number().nonnegative(), 0, 'end the binary search when a step inside the bracket improves the best distance by less than this fraction (0: never)'),
  linearStart: num(z.number().nonnegative(), 0, "start each example's search at this multiple of the constant where a first-order model of its margin m at the clean image is just crossed, 2 m / ||grad m||^2 (0: start at c, as does a vanishing gradient)"),
  growth: num(z.number().gt(1), 10, 'factor c grows by after a failure until a success brackets the threshold'),
};

export interface ConstantSearchSettings {
  c: number;
  binarySteps: number;
  iterations: number;
  abortEarly: boolean;
  /**
   * Whether early abort may end a step that has found an adversarial iterate. EAD's iterates keep
   * shrinking towards the clean image as its rate decays (the threshold beta does not decay with it), so
   * its smallest L1 comes late in a step; FISTA's loss is not monotone, and the original's test ends most
   * steps at their second to fifth check, long before that.
   */
  abortAfterSuccess: boolean;
  warmStart: boolean;
  minGain: number;
  linearStart: number;
  growth: number;
  /**
   * What early abort compares every tenth of the iterations: the loss at that iterate ('checkpoint', the
   * original's test) or the smallest loss since the previous check ('window-best'). Under a rate annealed
   * to 0 the iterates still oscillate around the boundary early in a step, so the loss at a checkpoint can
   * sit above the last one while the step is far from done; the window's best falls until it has settled.
   */
  abortTest: 'checkpoint' | 'window-best';
}

/**
 * One example's progress through C&W-style optimisation: binary-search steps on c, each a run of up to
 * `iterations` evaluated iterates, keeping the iterate of smallest distance among those adversarial with
 * kappa over all steps. Early abort is decided per example on its own loss (the original code compared
 * whole batches, which made results depend on the batch). With `minGain` the search also ends once the
 * threshold is bracketed and a successful step improved the best distance by less than that fraction.
 */
export class ConstantSearch {
  private readonly search: BracketSearch;
  private readonly checkEvery: number;
  private binaryStep = 0;
  /** Index of the iterate being evaluated within the current binary-search step. */
  iteration = 0;
  private previousLoss = Infinity;
  /** The smallest loss since the last early-abort check (for the 'window-best' test). */
  private windowLoss = Infinity;
  private stepSucceeded = false;
  /**
   * Whether this step started warm, from the best adversarial iterate: an adversarial iterate then says
   * nothing about c (the start was one), so the step succeeds only if a later iterate improved the best
   * distance or the last one is adversarial; below the threshold the distance term pulls it back across.
   */
  private warm = false;
  private bestDistance = Infinity;
  private bestBeforeStep = Infinity;
  found: Candidate = { image: undefined };

  constructor(private readonly settings: ConstantSearchSettings) {
    this.search = new BracketSearch(settings.c, settings.growth);
    this.checkEvery = Math.max(1, Math.floor(settings.iterations / 10));
  }

  get c(): number {
    return this.search.value;
  }

  /** The smallest distance of an adversarial iterate so far (Infinity before the first). */
  get best(): number {
    return this.bestDistance;
  }

  get done(): boolean {
    return this.binaryStep === this.settings.binarySteps;
  }

  /**
   * With linearStart, given the margin loss and its gradient at the first iterate (the clean image), moves
   * the first constant to where the linearised problem min ||d||^2 + c (m + g.d) first reaches the
   * boundary: its minimiser -c g / 2 crosses it for c >= 2 m / ||g||^2, and the constants the default
   * start (0.01, x10) tries below that are steps that cannot succeed on a nearly linear model.
   */
  firstGradient(margin: number, grad: Float32Array): void {
    if (this.settings.linearStart === 0 || this.binaryStep > 0 || this.iteration > 0) return;
    const c = (this.settings.linearStart * 2 * margin) / lpNorm(grad, 'l2') ** 2;
    if (margin > 0 && Number.isFinite(c)) this.search.value = c;
  }

  /**
   * Whether the logits of the next iterate, at `distance`, can change anything: an iterate closer than
   * the best can be recorded, and in a cold step one can succeed until one has; the loss is read at the
   * early-abort checks (at every iterate under the window-best test), and the last iterate of a step
   * decides a warm one. Any other iterate moves past with skipped(), so an attack that pays a forward call
   * per iterate (EAD) spares it with identical results.
   */
  needsLogits(distance: number): boolean {
    const check = this.canAbort && (this.settings.abortTest === 'window-best' || this.iteration % this.checkEvery === 0);
    const last = this.iteration + 1 >= this.settings.iterations;
    return distance < this.bestDistance || (!this.warm && !this.stepSucceeded) || check || last;
  }

  /** Whether early abort may end the current step now. */
  private get canAbort(): boolean {
    return this.settings.abortEarly && (this.settings.abortAfterSuccess || !this.stepSucceeded);
  }

  /** Moves past an iterate that needsLogits() found could change nothing (never one that ends the step). */
  skipped(): void {
    this.iteration++;
  }

  /**
   * Records an evaluated iterate. Returns true when this ends the binary-search step (the caller then
   * restarts its optimiser with the new c, from the clean image or warm), false when the caller takes a step.
   */
  evaluated(image: Float32Array, loss: number, distance: number, adversarial: boolean): boolean {
    if (adversarial) {
      // A warm step's first iterate is its start (up to the tanh round trip): no evidence about c.
      if (!this.warm || (this.iteration > 0 && distance < this.bestDistance)) this.stepSucceeded = true;
      if (distance < this.bestDistance) {
        this.bestDistance = distance;
        this.found = { image: image.slice(), c: this.c };
      }
    }
    this.windowLoss = Math.min(this.windowLoss, loss);
    const check = this.iteration % this.checkEvery === 0;
    const probe = this.settings.abortTest === 'window-best' ? this.windowLoss : loss;
    const stalled = this.canAbort && check && probe > this.previousLoss * 0.9999;
    if (check) {
      this.previousLoss = probe;
      this.windowLoss = Infinity;
    }
    this.iteration++;
    if (!stalled && this.iteration < this.settings.iterations) return false;
    // Inside the bracket, a successful step that barely improved the distance says further bisection will not either.
    const succeeded = this.stepSucceeded || (this.warm && adversarial);
    const converged = succeeded && this.search.lower > 0 && this.bestDistance > (1 - this.settings.minGain) * this.bestBeforeStep;
    this.search.update(succeeded);
    this.binaryStep = converged ? this.settings.binarySteps : this.binaryStep + 1;
    this.bestBeforeStep = this.bestDistance;
    this.iteration = 0;
    this.previousLoss = Infinity;
    this.windowLoss = Infinity;
    this.stepSucceeded = false;
    this.warm = this.settings.warmStart && this.found.image !== undefined;
    return true;
  }
}
