import type { z } from 'zod';
import type { DifferentiableClassifier } from '../runtime/classifier-types.js';
import type { ExampleId } from '../core/rng.js';
import type { AttackName, AttackStatus } from '../records/outcomes.js';
import type { Distortion } from '../metrics/distortion.js';


export type { AttackName, AttackStatus, ExampleId };

/** Attack parameters as the CLI passes them (`--set key=value`): validated by each attack's schema. */
export type ParamValue = number | string | boolean;
export type ParamValues = Readonly<Record<string, ParamValue>>;


export interface AttackResult {
  status: AttackStatus;
  /** status === 'success'. */
  success: boolean;
  label: number;
  /** The target class of a targeted attack. */
  target: number | undefined;
  /** Plain argmax of the re-classified candidate image; undefined when there was no finite candidate. */
  predicted: number | undefined;
  /** Only for successes: a failed example never carries an image (so it can never be used as one). */
  adversarial: Float32Array | undefined;
  /** Of adversarial - original; only for successes. */
  distortion: Distortion | undefined;
  /** I-FGSM budget search: the smallest successful eps. */
  eps?: number;
  /** C&W and EAD: the trade-off constant of the returned iterate. */
  c?: number;
  /** Optimisation steps over all attempts, restarts or binary-search steps. */
  iterations: number;
  /** Batched classifier calls this example took part in, including the final re-classification. */
  gradientCalls: number;
  forwardCalls: number;
  /** Wall time of the batch divided by its size (the examples share every call). */
  timeMs: number;
}

export interface RunOptions {
  seed: number;
  /** One per example; the seed of an example's random streams is derived from (seed, id). */
  ids: readonly ExampleId[];
  /**
   * Most examples advanced per batched call (continuous batching: a finished example's slot goes to the
   * next); default the classifier's batch size, else all. Results do not depend on it.
   */
  slots?: number;
  /** Called after every batched step with the number of examples whose attack has finished. */
  onProgress?: (finished: number, total: number) => void;
}

export interface Attack {
  readonly name: AttackName;
  readonly describe: string;
  /** Every key, its type, default and description (`.describe()` on each field). */
  readonly paramsSchema: z.ZodObject;
  /** The schema's defaults: the parameters an empty `--set` list runs with. */
  readonly defaults: ParamValues;
  /**
   * Attacks n examples of x (canonical [0,1] NCHW, back to back) with true labels; targeted when `targets`
   * is given (one class per example). `params` are validated against the schema, unknown keys rejected.
   */
  run(
    classifier: DifferentiableClassifier,
    x: Float32Array,
    n: number,
    labels: Int32Array,
    targets: Int32Array | undefined,
    params: ParamValues,
    opts: RunOptions,
  ): Promise<AttackResult[]>;
}
