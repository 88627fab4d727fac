import { z } from 'zod';
import { ATTACKS, PRESETS, resolveAttack } from '../../attacks/registry.js';
import { TARGET_KINDS } from '../../core/targets.js';
import { UserError, messageOf } from '../../core/errors.js';
import { parseLpNorm } from '../../core/lp.js';
import { CLEVER_DEFAULTS } from '../../metrics/clever.js';
import { ManifestSchema, type ManifestInput } from '../../models/manifest.js';
import { ZOO_ARCHITECTURES } from '../../models/zoo/registry.js';
import { expandGrid } from './grid.js';

/**
 * A study: which models, which examples, which attacks with which parameter grids, CLEVER and transfer
 * settings. One schema is the single source of truth: the config type is derived from it, presets are
 * validated by it, and every error names the field it is about. Checks that need the file system (do
 * the model files exist, does the dataset open) live in preflight.ts.
 */

export const ZOO_PREFIX = 'zoo:';

const modelName = z.string().min(1).superRefine((name, ctx) => {
  if (name.startsWith(ZOO_PREFIX) && !ZOO_ARCHITECTURES.some((a) => a.name === name.slice(ZOO_PREFIX.length))) {
    ctx.addIssue({ code: 'custom', message: `unknown zoo model '${name}'; the zoo has ${ZOO_ARCHITECTURES.map((a) => ZOO_PREFIX + a.name).join(', ')}` });
  }
});

/** Manifest fields that override the model's sidecar manifest; kept as written so defaults do not mask it. */
const manifestOverride = z
  .custom<ManifestInput>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { error: 'expected an object of manifest fields' })
  .superRefine((value, ctx) => {
    const result = ManifestSchema.safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issueMessage(issue), path: issue.path });
  });

const ModelEntrySchema = z
  .union([
    modelName,
    z.object({
      /** What loadModel accepts (MODEL_NAMES): a path to a model file of a format in models/importers/registry.ts, or zoo:<name>. */
      name: modelName,
      manifest: manifestOverride.optional(),
      /** A label list file that overrides the manifest's. */
      labels: z.string().min(1).optional(),
    }).strict(),
  ], { error: 'expected a model name or { name, manifest, labels }' })
  .transform((entry) => (typeof entry === 'string' ? { name: entry } : entry));

const DatasetSchema = z.object({
  /** What loadDataset accepts: synthetic[:split], cifar10:<dir>[:split] or an image folder. */
  name: z.string().min(1),
  /** Examples drawn from the dataset with the study's seed: the pool the attacked examples come from. */
  count: z.number().int().positive(),
  /** Attack, per model, the examples it classifies correctly, or only those every model does (STUDY.md). */
  sampling: z.enum(['correct-for-each', 'correct-for-all']).default('correct-for-each'),
  /**
   * Examples attacked (and scored by CLEVER) per model: the first this many of the sample that the
   * sampling policy keeps for it, in sample order. Default: all of them. An attack entry's or CLEVER's
   * own count lowers it.
   */
  attacked: z.number().int().positive().optional(),
  /**
   * Images of the dataset each model's held-out accuracy is measured on, the first ones in dataset order:
   * 'all' (the default, the whole split) or a number.
   */
  heldOut: z.union([z.literal('all'), z.number().int().positive()], { error: "expected 'all' or a positive integer" }).default('all'),
  /** Labels file of a flat image folder. */
  labels: z.string().min(1).optional(),
}).strict();

const paramValue = z.union([z.number(), z.string(), z.boolean()]);

const AttackEntrySchema = z
  .object({
    /** How transfer settings refer to this entry; defaults to `attack`. */
    id: z.string().min(1).optional(),
    /** An attack (fgsm, ifgsm, ...) or one of its presets (paper-cw, transfer-fgsm-eps0.1, ...). */
    attack: z.string().min(1),
    /** Parameters over the preset's or attack's defaults; a list runs every value (grids multiply). */
    set: z.record(z.string(), z.union([paramValue, z.array(paramValue).min(1)])).default({}),
    targets: z.array(z.enum(TARGET_KINDS)).min(1).default(['untargeted']),
    /** Attack only the first `count` examples kept for each model (default: `dataset.attacked`). */
    count: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    if (!Object.hasOwn(ATTACKS, entry.attack) && !Object.hasOwn(PRESETS, entry.attack)) {
      ctx.addIssue({ code: 'custom', path: ['attack'], message: `unknown attack or preset '${entry.attack}'; attacks: ${Object.keys(ATTACKS).join(', ')}; presets: ${Object.keys(PRESETS).join(', ')}` });
      return;
    }
    for (const params of expandGrid(entry.set)) {
      try {
        resolveAttack(entry.attack, params);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['set'], message: messageOf(err) });
        return;
      }
    }
  })
  .transform((entry) => ({ ...entry, id: entry.id ?? entry.attack }));

const CleverSchema = z
  .object({
    norm: z.union([z.literal(1), z.literal(2), z.literal('1'), z.literal('2'), z.literal('inf')], { error: "expected 1, 2 or 'inf'" })
      // Kept in the study's spelling: stored configs are compared as written (study/run/runner.ts).
      .transform((v): 1 | 2 | 'inf' => (v === 'inf' ? 'inf' : (Number(v) as 1 | 2))),
    nb: z.number().int().positive().default(CLEVER_DEFAULTS.nb),
    ns: z.number().int().positive().default(CLEVER_DEFAULTS.ns),
    /** Sampling radius; defaults to the reference's radius for the norm. */
    radius: z.number().positive().optional(),
    targets: z.array(z.enum(TARGET_KINDS)).min(1).default(['untargeted']),
    /** Score only the first `count` examples kept for each model (default: `dataset.attacked`). */
    count: z.number().int().positive().optional(),
  })
  .strict()
  .transform((c) => ({ ...c, radius: c.radius ?? CLEVER_DEFAULTS.radius[parseLpNorm(c.norm)!] }));

const TransferSchema = z.object({
  /** Attack entry ids whose every setting is transferred. */
  attacks: z.array(z.string().min(1)).min(1),
  /** Models among which every ordered pair is evaluated (default: all the study's models). */
  models: z.array(z.string().min(1)).min(2).optional(),
}).strict();

/**
 * Budget adequacy (issue 17): a seeded subsample of each attack setting's examples, per model, re-run at
 * `factor` times the setting's budget (attacks/budget.ts; FGSM has none), so the report can say whether the
 * budget was enough: distortions within 1% at the median and 5% at p90, no success gained.
 */
const COUNT_ERROR = { error: 'expected a positive integer: examples re-run per model and attack setting' };
const FACTOR_ERROR = { error: 'expected an integer of at least 2: how many times each budget the check runs' };
const BudgetCheckSchema = z.object({
  /** Examples re-run per model and attack setting, drawn among those the setting attacked. */
  count: z.number(COUNT_ERROR).int(COUNT_ERROR).positive(COUNT_ERROR),
  /** How many times the budget the check runs at; 4 by default, the multiple the issue's rule is stated for. */
  factor: z.number(FACTOR_ERROR).int(FACTOR_ERROR).min(2, FACTOR_ERROR).default(4),
}, { error: 'expected { count, factor }' }).strict();

export const StudyConfigSchema = z
  .object({
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    models: z.array(ModelEntrySchema).min(1),
    dataset: DatasetSchema,
    attacks: z.array(AttackEntrySchema).default([]),
    clever: CleverSchema.optional(),
    transfer: TransferSchema.optional(),
    budgetCheck: BudgetCheckSchema.optional(),
    /** Output folder (`--out` overrides it). */
    out: z.string().min(1).optional(),
    /** Examples per work unit: the granularity of resuming and of parallel work. */
    shardSize: z.number().int().positive().default(16),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = config.models.map((m) => m.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['models', i], message: `model '${name}' is listed twice` });
    });
    const ids = config.attacks.map((a) => a.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['attacks', i, 'id'], message: `attack id '${id}' is used twice; give the entries distinct ids` });
    });
    const transfer = config.transfer;
    if (!transfer) return;
    transfer.attacks.forEach((id, i) => {
      if (!ids.includes(id)) ctx.addIssue({ code: 'custom', path: ['transfer', 'attacks', i], message: `no attack entry has id '${id}'; ids: ${ids.join(', ') || '(none)'}` });
    });
    (transfer.models ?? []).forEach((name, i) => {
      if (!names.includes(name)) ctx.addIssue({ code: 'custom', path: ['transfer', 'models', i], message: `'${name}' is not one of the study's models` });
    });
    if (!transfer.models && names.length < 2) ctx.addIssue({ code: 'custom', path: ['transfer'], message: 'transfer needs at least two models' });
  });

export type StudyConfig = z.output<typeof StudyConfigSchema>;
export type StudyConfigInput = z.input<typeof StudyConfigSchema>;
export type ModelEntry = StudyConfig['models'][number];
export type AttackEntry = StudyConfig['attacks'][number];
export type CleverConfig = NonNullable<StudyConfig['clever']>;
export type BudgetCheckConfig = NonNullable<StudyConfig['budgetCheck']>;
export type SamplingPolicy = StudyConfig['dataset']['sampling'];

/** Validates a study config; the error names `source` and every offending field. */
export function parseStudyConfig(value: unknown, source: string): StudyConfig {
  const result = StudyConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const { path, message } = deepest(issue);
    return `field '${fieldName(path)}': ${message}`;
  });
  throw new UserError(`${source}: ${lines.length === 1 ? lines[0] : '\n  ' + lines.join('\n  ')}`);
}

type Issue = z.core.$ZodIssue;
interface Located {
  path: PropertyKey[];
  message: string;
}

/** `attacks[0].set.eps`: the path as a user would write it. */
export function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/**
 * The issue to show: an unknown key names itself, and of a union's failed branches the one that got
 * furthest (a model object with a bad field, rather than "not a string") speaks for it.
 */
function deepest(issue: Issue): Located {
  if (issue.code === 'unrecognized_keys') {
    const one = issue.keys.length === 1;
    return { path: [...issue.path, ...(one ? issue.keys : [])], message: one ? 'unknown field' : `unknown fields ${issue.keys.map((k) => `'${k}'`).join(', ')}` };
  }
  if (issue.code === 'invalid_union') {
    const best = issue.errors.flat().map(deepest).reduce<Located | undefined>((a, b) => (!a || b.path.length > a.path.length ? b : a), undefined);
    return best && best.path.length > 0 ? { path: [...issue.path, ...best.path], message: best.message } : { path: issue.path, message: issue.message };
  }
  return { path: issue.path, message: issueMessage(issue) };
}

function issueMessage(issue: Issue): string {
  return issue.message.replace(/^Invalid input: /, '');
}
