import { z } from 'zod';
import { UserError, messageOf } from '../../core/errors.js';
import { GraphBuilder, modelOf } from '../../onnx/builder.js';
import { readModelBytes, sha256, type ImportedModel, type ModelFile } from './model-file.js';

/** A linear classifier in JSON: logits = weights · x + bias over the flattened [C, H, W] image. */
const LinearJson = z.object({
  input: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  /** One row of C·H·W weights per class. */
  weights: z.array(z.array(z.number())).min(1),
  bias: z.array(z.number()),
}).strict();

export async function readLinearJson({ path }: ModelFile): Promise<ImportedModel> {
  const bytes = readModelBytes(path);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${messageOf(err)})`);
  }
  const parsed = LinearJson.safeParse(json);
  if (!parsed.success) throw new UserError(`${path}: field '${parsed.error.issues[0]!.path.join('.')}': ${parsed.error.issues[0]!.message}`);
  const { input: [c, h, w], weights, bias } = parsed.data;
  const features = c * h * w;
  if (weights.some((row) => row.length !== features) || bias.length !== weights.length) {
    throw new UserError(`${path}: expected ${weights.length} rows of ${features} weights and ${weights.length} biases`);
  }
  const b = new GraphBuilder();
  const flat = b.op('Flatten', [b.input('image', ['N', c, h, w])], { axis: 1 });
  // MatMul takes [features, classes]: the rows transposed.
  const kn = Array.from({ length: features * weights.length }, (_, i) => weights[i % weights.length]![Math.floor(i / weights.length)]!);
  const logits = b.op('Add', [b.op('MatMul', [flat, b.constFloat('weights', [features, weights.length], kn)]), b.constFloat('bias', [weights.length], bias)]);
  b.output(logits, ['N', weights.length]);
  return { model: modelOf(b.graph), sha256: sha256(bytes) };
}
