import type { DifferentiableClassifier, LossHead, LossValues } from '../runtime/classifier-types.js';
import { allFinite } from '../runtime/logits.js';
import type { RunOptions } from './types.js';

/** What one example cost, and whether it met a non-finite value (after which it takes no further part). */
export class Tally {
  iterations = 0;
  gradientCalls = 0;
  forwardCalls = 0;
  nonFinite = false;
}

export interface RowGradient {
  logits: Float32Array;
  loss: number;
  grad: Float32Array;
}

/**
 * The examples an attack works on, and the only way attacks reach the classifier. Attacks keep per-example
 * state (schedule, iterate, optimiser) in flat buffers of n rows and advance the running examples by one
 * step per batched call. Continuous batching: at most `slots` examples run at once, and when one finishes,
 * the next waiting example (in order) takes its slot, so every call stays full until the queue runs dry.
 * A call packs just the rows it advances, so finished examples cost nothing, and since each row's
 * arithmetic depends on that row alone the results depend neither on the slots nor on the batch.
 */
export class Batch {
  /** Values per example. */
  readonly size: number;
  readonly numClasses: number;
  /** Most examples advanced per batched call. */
  readonly slots: number;
  readonly tallies: Tally[];
  readonly started = performance.now();
  /** Examples 0..admitted-1 have entered a slot. */
  private admitted = 0;

  constructor(
    readonly classifier: DifferentiableClassifier,
    readonly x: Float32Array,
    readonly n: number,
    readonly labels: Int32Array,
    readonly targets: Int32Array | undefined,
    readonly opts: RunOptions,
  ) {
    const [c, h, w] = classifier.inputShape;
    this.size = c * h * w;
    this.numClasses = classifier.numClasses;
    this.slots = Math.max(1, opts.slots ?? classifier.batchSize ?? n);
    this.tallies = Array.from({ length: n }, () => new Tally());
  }

  /** Example e of x. */
  original(e: number): Float32Array {
    return row(this.x, e, this.size);
  }

  /** A copy of x to evolve into adversarial examples. */
  copyOfX(): Float32Array {
    return this.x.slice();
  }

  /**
   * Runs `step` on the unfinished examples (those `running` and finite) until none is left, at most
   * `slots` at a time: a finished example's slot goes to the next waiting one. Reports progress after each
   * step.
   */
  async loop(running: (e: number) => boolean, step: (rows: number[]) => Promise<void>): Promise<void> {
    const active = (e: number) => !this.tallies[e]!.nonFinite && running(e);
    this.admitted = 0;
    for (;;) {
      const rows = indices(this.admitted).filter(active);
      for (; rows.length < this.slots && this.admitted < this.n; this.admitted++) if (active(this.admitted)) rows.push(this.admitted);
      if (rows.length === 0) return;
      await step(rows);
      this.opts.onProgress?.(indices(this.n).filter((e) => e < this.admitted && !active(e)).length, this.n);
    }
  }

  /**
   * One gradient call for `rows` of `images` (n rows); `params` hold values for all n examples and are
   * narrowed to the rows. A row whose logits, loss or gradient is not finite is marked and comes back
   * undefined.
   */
  async gradient(images: Float32Array, rows: readonly number[], head: LossHead, params: LossValues): Promise<(RowGradient | undefined)[]> {
    if (rows.length === 0) return [];
    const result = await this.classifier.gradient(this.pack(images, rows), rows.length, head, selectParams(params, rows, this.numClasses));
    return rows.map((e, r) => {
      const tally = this.tallies[e]!;
      tally.gradientCalls++;
      const logits = row(result.logits, r, this.numClasses);
      const grad = row(result.grad, r, this.size);
      const loss = result.loss[r]!;
      if (!allFinite(logits) || !allFinite(grad) || !Number.isFinite(loss)) {
        tally.nonFinite = true;
        return undefined;
      }
      return { logits, loss, grad };
    });
  }

  /** One forward call for `rows` of `images`; non-finite rows are marked and come back undefined. */
  async logits(images: Float32Array, rows: readonly number[]): Promise<(Float32Array | undefined)[]> {
    if (rows.length === 0) return [];
    const logits = await this.classifier.logits(this.pack(images, rows), rows.length);
    return rows.map((e, r) => {
      const tally = this.tallies[e]!;
      tally.forwardCalls++;
      const z = row(logits, r, this.numClasses);
      if (allFinite(z)) return z;
      tally.nonFinite = true;
      return undefined;
    });
  }

  private pack(images: Float32Array, rows: readonly number[]): Float32Array {
    // Rows are increasing, so n of them are all of them in order.
    if (rows.length === this.n) return images;
    const packed = new Float32Array(rows.length * this.size);
    rows.forEach((e, r) => packed.set(row(images, e, this.size), r * this.size));
    return packed;
  }
}

/** Example e of a flat buffer of examples of `size` values (a view, not a copy). */
export function row<T extends Float32Array | Float64Array>(buffer: T, e: number, size: number): T {
  return buffer.subarray(e * size, (e + 1) * size) as T;
}

function indices(n: number): number[] {
  return Array.from({ length: n }, (_, e) => e);
}

/** LossValues for `rows` of a batch: per-example arrays are gathered, batch-wide values kept. */
function selectParams(params: LossValues, rows: readonly number[], numClasses: number): LossValues {
  const out: LossValues = {};
  for (const key of ['labels', 'targets', 'i', 'j'] as const) {
    const values = params[key];
    if (values) out[key] = Int32Array.from(rows, (e) => values[e]!);
  }
  const { kappa, cotangent } = params;
  if (kappa !== undefined) out.kappa = typeof kappa === 'number' ? kappa : Float32Array.from(rows, (e) => kappa[e]!);
  if (cotangent) {
    out.cotangent = new Float32Array(rows.length * numClasses);
    rows.forEach((e, r) => out.cotangent!.set(row(cotangent, e, numClasses), r * numClasses));
  }
  return out;
}
