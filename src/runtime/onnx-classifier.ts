import type * as ort from 'onnxruntime-node';
import type { Model } from '../onnx/ir.js';
import type { DifferentiableClassifier, GradientResult, LossHead, LossValues } from './classifier-types.js';
import { GradientSession } from './gradient-session.js';
import { canonicalModel, type CanonicalModel, type ModelIo } from './canonical-model.js';
import { createSession, floatTensor, runSession, type SessionOptions } from './ort.js';
import { UserError } from '../core/errors.js';

export interface ClassifierOptions extends SessionOptions {
  /** Examples per ONNX Runtime call; a graph with a fixed batch dimension overrides it. */
  batchSize?: number;
}

export const DEFAULT_BATCH = 32;

/**
 * A Classifier over one ONNX Runtime session of the canonical model, plus one gradient session per loss
 * head, compiled on first use and kept (attacks call the same head thousands of times).
 */
export class OnnxClassifier<M extends ModelIo = ModelIo> implements DifferentiableClassifier {
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly exampleSize: number;
  readonly batchSize: number;
  private readonly gradients = new Map<string, Promise<GradientSession>>();

  private constructor(
    /** Name used in messages and records (file path or zoo name). */
    readonly name: string,
    /** The model as read, before preprocessing and output rewriting. */
    readonly raw: Model,
    readonly canonical: CanonicalModel,
    readonly manifest: M,
    readonly labels: readonly string[],
    readonly classIds: readonly string[],
    /** sha256 of the model's bytes: the identity of results in the store. */
    readonly sha256: string,
    private readonly session: ort.InferenceSession,
    batchSize: number,
    private readonly threads: number | undefined,
  ) {
    this.inputShape = canonical.inputShape;
    this.numClasses = canonical.numClasses;
    this.exampleSize = canonical.inputShape[0] * canonical.inputShape[1] * canonical.inputShape[2];
    this.batchSize = canonical.fixedBatch ?? batchSize;
  }

  static async create<M extends ModelIo>(raw: Model, manifest: M, meta: { name: string; sha256: string; ids?: string[]; names?: string[] }, opts: ClassifierOptions = {}): Promise<OnnxClassifier<M>> {
    const canonical = canonicalModel(raw, manifest, meta.name);
    const k = canonical.numClasses;
    const names = fitLabels(meta.names, k, meta.name) ?? Array.from({ length: k }, (_, i) => `class ${i}`);
    const ids = fitLabels(meta.ids, k, meta.name) ?? fitLabels(meta.names, k, meta.name) ?? [];
    const session = await createSession(canonical.model, meta.name, opts);
    return new OnnxClassifier(meta.name, raw, canonical, manifest, names, ids, meta.sha256, session, opts.batchSize ?? DEFAULT_BATCH, opts.threads);
  }

  /** The canonical model (preprocessing in front, logits out): what gradients are compiled from. */
  get model(): Model {
    return this.canonical.model;
  }

  async logits(x: Float32Array, n: number): Promise<Float32Array> {
    this.checkInput(x, n);
    const out = new Float32Array(n * this.numClasses);
    const [c, h, w] = this.inputShape;
    for (let start = 0; start < n; start += this.batchSize) {
      const count = Math.min(this.batchSize, n - start);
      // A fixed-batch graph gets a zero-padded last chunk; the padding's outputs are dropped.
      const rows = this.canonical.fixedBatch ?? count;
      const chunk = new Float32Array(rows * this.exampleSize);
      chunk.set(x.subarray(start * this.exampleSize, (start + count) * this.exampleSize));
      const result = await runSession(this.session, { [this.canonical.inputName]: floatTensor(chunk, [rows, c, h, w]) }, this.name, [this.canonical.outputName]);
      const logits = result[this.canonical.outputName]!.data as Float32Array;
      out.set(logits.subarray(0, count * this.numClasses), start * this.numClasses);
    }
    return out;
  }

  /** Logits, per-example loss and its input gradient in one ONNX Runtime call per batch. */
  async gradient(x: Float32Array, n: number, head: LossHead, values: LossValues): Promise<GradientResult> {
    this.checkInput(x, n);
    const key = JSON.stringify(head);
    let session = this.gradients.get(key);
    if (!session) {
      session = GradientSession.create(this.canonical.model, head, { input: true }, { intraOpNumThreads: this.threads });
      this.gradients.set(key, session);
    }
    const { logits, loss, grad } = await (await session).run(x, n, values);
    return { logits, loss, grad };
  }

  checkInput(x: Float32Array, n: number): void {
    if (!Number.isInteger(n) || n < 0 || x.length !== n * this.exampleSize) {
      throw new UserError(`${this.name}: expected ${n} example(s) of shape [${this.inputShape.join(',')}] (${n * this.exampleSize} values), got ${x.length} values`);
    }
  }

  async dispose(): Promise<void> {
    const sessions = await Promise.allSettled(this.gradients.values());
    for (const s of sessions) if (s.status === 'fulfilled') await s.value.dispose();
    this.gradients.clear();
    await this.session.release();
  }
}

/** A class list longer than the logits keeps its head (Darknet ships its 1000 classes inside a 21k list). */
function fitLabels(list: string[] | undefined, k: number, name: string): string[] | undefined {
  if (!list) return undefined;
  if (list.length < k) throw new UserError(`${name}: the label list has ${list.length} entries but the model has ${k} classes`);
  return list.slice(0, k);
}
