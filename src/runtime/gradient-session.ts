import * as ort from 'onnxruntime-node';
import { createSession } from './ort.js';
import type { Model } from '../onnx/ir.js';
import { UserError } from '../core/errors.js';
import { gradientGraph, type GradientGraph, type Wrt } from '../autodiff/gradient-graph.js';
import { probeShapes } from './ort-shape-probe.js';
import { lossParams, type LossHead } from '../autodiff/loss-heads.js';

/** Per-step values of the loss head, one entry per example (kappa may be one number for all). */
export interface LossValues {
  labels?: Int32Array;
  targets?: Int32Array;
  kappa?: number | Float32Array;
  i?: Int32Array;
  j?: Int32Array;
  /** n × numClasses weights for the 'weighted-logits' head. */
  cotangent?: Float32Array;
}

export interface SessionGradients {
  /** n × numClasses logits. */
  logits: Float32Array;
  /** Loss per example. */
  loss: Float32Array;
  /** Gradient of each example's loss w.r.t. its input, laid out like x (empty unless wrt.input). */
  grad: Float32Array;
  /** Gradient of the loss summed over the n examples, per differentiated initializer. */
  paramGrads: Map<string, Float32Array>;
}

export interface GradientSessionOptions {
  /** Shape of one example, when the model's input does not declare it. */
  exampleShape?: readonly number[];
  intraOpNumThreads?: number;
}

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Logits, loss and gradients in one ONNX Runtime call: the model and loss head are compiled once into a
 * gradient graph (src/autodiff) and served by one session. A model that pins its batch size is run in
 * chunks of that size.
 */
export class GradientSession {
  /**
   * Current values of the differentiated initializers, fed at every run; update them in place to train.
   */
  readonly parameters: Map<string, Float32Array>;

  private constructor(
    private readonly compiled: GradientGraph,
    private readonly session: ort.InferenceSession,
    readonly lossHead: LossHead,
  ) {
    this.parameters = new Map(compiled.parameters.map((t) => [t.name, Float32Array.from(t.data as Float32Array)]));
  }

  static async create(model: Model, lossHead: LossHead, wrt: Wrt = { input: true }, options: GradientSessionOptions = {}): Promise<GradientSession> {
    const compiled = await gradientGraph(model, { lossHead, wrt, exampleShape: options.exampleShape, probe: probeShapes });
    const session = await createSession(compiled.model, 'gradient graph', { threads: options.intraOpNumThreads });
    return new GradientSession(compiled, session, lossHead);
  }

  get numClasses(): number { return this.compiled.numClasses; }
  get exampleShape(): readonly number[] { return this.compiled.exampleShape; }
  /** The batch size the model pins (runs are split into chunks of it), or undefined when any works. */
  get fixedBatch(): number | undefined { return this.compiled.fixedBatch; }

  async run(x: Float32Array, n: number, values: LossValues = {}): Promise<SessionGradients> {
    const { compiled } = this;
    const exampleSize = size(compiled.exampleShape);
    const k = compiled.numClasses;
    if (x.length !== n * exampleSize) throw new UserError(`expected ${n} examples of ${exampleSize} values, got ${x.length} values`);
    const chunk = compiled.fixedBatch ?? n;
    if (n % chunk !== 0) throw new UserError(`the model runs only batches of ${chunk}; ${n} examples do not divide into them`);
    const perExample = this.lossFeeds(values, n);
    const result: SessionGradients = {
      logits: new Float32Array(n * k),
      loss: new Float32Array(n),
      grad: new Float32Array(compiled.outputs.inputGrad ? x.length : 0),
      paramGrads: new Map([...this.parameters].map(([name, v]) => [name, new Float32Array(v.length)])),
    };
    for (let start = 0; start < n; start += chunk) {
      const feeds: Record<string, ort.Tensor> = {
        [compiled.input]: new ort.Tensor('float32', x.subarray(start * exampleSize, (start + chunk) * exampleSize), [chunk, ...compiled.exampleShape]),
      };
      for (const [input, { data, width }] of perExample) {
        const slice = data.subarray(start * width, (start + chunk) * width);
        feeds[input] = slice instanceof Int32Array
          ? new ort.Tensor('int32', slice, [chunk])
          : new ort.Tensor('float32', slice, input === compiled.lossInputs.cotangent ? [chunk, width] : [chunk]);
      }
      for (const t of compiled.parameters) feeds[t.name] = new ort.Tensor('float32', this.parameters.get(t.name)!, t.dims);
      const out = await this.session.run(feeds);
      const read = (name: string) => out[name]!.data as Float32Array;
      result.logits.set(read(compiled.outputs.logits), start * k);
      result.loss.set(read(compiled.outputs.loss), start);
      if (compiled.outputs.inputGrad) result.grad.set(read(compiled.outputs.inputGrad), start * exampleSize);
      for (const [name, output] of compiled.outputs.paramGrads) {
        const acc = result.paramGrads.get(name)!;
        read(output).forEach((v, i) => { acc[i] = acc[i]! + v; });
      }
      Object.values(out).forEach((t) => t.dispose());
    }
    return result;
  }

  /** Graph input name -> values for n examples and values per example, checked against the head's needs. */
  private lossFeeds(values: LossValues, n: number): Map<string, { data: Int32Array | Float32Array; width: number }> {
    const feeds = new Map<string, { data: Int32Array | Float32Array; width: number }>();
    for (const param of lossParams(this.lossHead)) {
      const input = this.compiled.lossInputs[param]!;
      const width = param === 'cotangent' ? this.compiled.numClasses : 1;
      const given = values[param];
      if (given === undefined) throw new UserError(`the '${this.lossHead.kind}' loss needs '${param}'`);
      const data = typeof given === 'number' ? new Float32Array(n).fill(given) : given;
      if (data.length !== n * width) throw new UserError(`'${param}' has ${data.length} values; ${n * width} expected`);
      feeds.set(input, { data, width });
    }
    return feeds;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export type { LossHead, Wrt };
