import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError, messageOf } from '../core/errors.js';
import { parseJsonStrict } from '../core/strict-json.js';

/**
 * How a model sees canonical input (float32 NCHW RGB in [0,1]) and what its outputs mean. The
 * preprocessing becomes ONNX nodes in front of the graph: raw = (reorder(x) * scale - mean) / std.
 */
export const ManifestSchema = z.object({
  name: z.string().optional(),
  family: z.string().optional(),
  /** Input height and width; taken from the graph when it states them. */
  inputSize: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  /** 1 for greyscale models (canonical input is then luminance), 3 for RGB. */
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  preprocess: z.object({
    scale: z.number().positive().default(1),
    /** Per channel, in the model's channel order. */
    mean: z.array(z.number()).min(1).default([0]),
    std: z.array(z.number().positive()).min(1).default([1]),
    channelOrder: z.enum(['RGB', 'BGR']).default('RGB'),
    /** Layout the raw graph expects; NHWC graphs get a Transpose in front. */
    layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
  }).strict().default({ scale: 1, mean: [0], std: [1], channelOrder: 'RGB', layout: 'NCHW' }),
  /** How images reach the input size: resize the shorter side and centre-crop, or stretch. */
  resize: z.enum(['shorter-side-crop', 'stretch']).default('shorter-side-crop'),
  /** 1 for models with a leading background class (TF-slim 1001 classes): sliced off in the graph. */
  labelOffset: z.number().int().min(0).default(0),
  /** 'auto' strips a trailing Softmax; 'probabilities' takes log of outputs without one; 'logits' keeps outputs. */
  outputs: z.enum(['auto', 'logits', 'probabilities']).default('auto'),
  /** Labels file (one per line, or JSON array) relative to the manifest, or the names themselves. */
  labels: z.union([z.string(), z.array(z.string())]).optional(),
  /** Output node of a frozen TensorFlow graph (.pb) with several unread nodes (e.g. auxiliary logits). */
  tfOutput: z.string().min(1).optional(),
  /**
   * The network a weights-only file holds the weights of; having no graph, it is built in code. For a
   * TensorFlow checkpoint (.index): the TF-slim DenseNets of pudae/tensorflow-densenet; for a .safetensors
   * file: timm's NASNet-A Large.
   */
  architecture: z.enum(['densenet121', 'densenet161', 'densenet169', 'nasnetalarge']).optional(),
  /** Where `models pull` fetches the model from, with its sha256 (of the archive when `member` is set). */
  url: z.string().url().optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** The model file's path inside the .tar.gz/.tgz archive at `url`. */
  member: z.string().min(1).optional(),
}).strict();

export type Manifest = z.output<typeof ManifestSchema>;
export type ManifestInput = z.input<typeof ManifestSchema>;

/** Validates a manifest; errors name the field and the source. */
export function parseManifest(value: unknown, source: string): Manifest {
  const result = ManifestSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join('.') || '(root)';
    throw new UserError(`${source}: manifest field '${field}': ${issue.message}`);
  }
  return result.data;
}

/** The JSON of a manifest file, not yet validated (overrides are merged in before `parseManifest`). */
export function readManifestJson(path: string): unknown {
  try {
    return parseJsonStrict(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path}: cannot read manifest (${messageOf(err)})`);
  }
}
