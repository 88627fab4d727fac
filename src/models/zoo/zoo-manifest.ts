import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError } from '../../core/errors.js';

/**
 * The trained zoo lives in the package's `zoo/` folder: one ONNX file per model plus `manifest.json`,
 * which records how each was trained and what it scored, and the sha256 that `zoo:<name>` verifies.
 */
export const ZooEntrySchema = z.object({
  name: z.string(),
  family: z.string(),
  depth: z.number().int(),
  width: z.number(),
  parameters: z.number().int(),
  flopsPerImage: z.number(),
  /** Clean top-1 accuracy on the synthetic test split (all 10,000 examples). */
  top1: z.number().min(0).max(1),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  training: z.object({
    epochs: z.number().int(),
    trainSize: z.number().int(),
    seed: z.number().int(),
    batchSize: z.number().int(),
    lr: z.number(),
    seconds: z.number(),
    finalLoss: z.number(),
  }),
}).strict();

export type ZooEntry = z.infer<typeof ZooEntrySchema>;

const ZooManifestSchema = z.object({ dataset: z.string(), models: z.array(ZooEntrySchema) }).strict();
export type ZooManifest = z.infer<typeof ZooManifestSchema>;

/** The package root: the nearest folder above this module with a package.json (works from src and dist). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('robustscope: package.json not found above the zoo module');
    dir = up;
  }
  return dir;
}

/** The zoo folder: $ROBUSTSCOPE_ZOO (tests, custom zoos) or the package's own. */
export function zooDir(): string {
  return resolve(process.env.ROBUSTSCOPE_ZOO ?? join(packageRoot(), 'zoo'));
}

export function readZooManifest(dir = zooDir()): ZooManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return { dataset: 'synthetic', models: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = ZooManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${path}: field '${issue.path.join('.')}': ${issue.message}`);
  }
  return parsed.data;
}

/** Adds or replaces one entry; written to a temporary file and renamed, so a crash never truncates it. */
export function upsertZooEntry(entry: ZooEntry, dir = zooDir()): void {
  const manifest = readZooManifest(dir);
  const models = manifest.models.filter((m) => m.name !== entry.name);
  models.push(entry);
  models.sort((a, b) => a.family.localeCompare(b.family) || a.parameters - b.parameters || a.name.localeCompare(b.name));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'manifest.json');
  writeFileSync(`${path}.tmp`, JSON.stringify({ ...manifest, models }, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

export function zooEntry(name: string, dir = zooDir()): ZooEntry {
  const entry = readZooManifest(dir).models.find((m) => m.name === name);
  if (!entry) {
    const known = readZooManifest(dir).models.map((m) => m.name);
    throw new UserError(`zoo:${name}: no such trained zoo model${known.length ? `; trained: ${known.join(', ')}` : ' (the zoo has no trained models yet: robustscope zoo train)'}`);
  }
  return entry;
}
