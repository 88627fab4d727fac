import { UserError } from '../core/errors.js';
import type { DifferentiableClassifier } from '../runtime/classifier-types.js';
import { apgd } from './apgd.js';
import { cwL2 } from './cw-l2.js';
import { deepfool } from './deepfool.js';
import { ead } from './ead.js';
import { fgsm } from './fgsm.js';
import { fmn } from './fmn.js';
import { ifgsm } from './ifgsm.js';
import { parseParams } from './params.js';
import { pgd } from './pgd.js';
import { chooseTargets, TARGET_KINDS, type TargetKind } from '../core/targets.js';
import type { Attack, AttackName, AttackResult, ExampleId, ParamValues, RunOptions } from './types.js';

export const ATTACKS: Readonly<Record<AttackName, Attack>> = { fgsm, ifgsm, pgd, 'cw-l2': cwL2, ead, deepfool, fmn, apgd };

export interface Preset {
  attack: AttackName;
  describe: string;
  /** Overrides of the attack's defaults. */
  params: ParamValues;
}

/** The study's settings (STUDY.md, Attacks). */
const PAPER: Record<string, Preset> = {
  'paper-ifgsm-search': {
    attack: 'ifgsm',
    describe: 'I-FGSM smallest-budget search: eps from 0.02, double/halve then bisect, 9 attempts of 50 iterations',
    params: { search: true, eps: 0.02, attempts: 9, iterations: 50 },
  },
  'paper-fgsm-search': {
    attack: 'ifgsm',
    // One I-FGSM step of size eps is FGSM (a step of eps, then the box): the search finds FGSM's smallest eps.
    describe: 'FGSM smallest-budget search: one step of eps, eps from 0.02, double/halve then bisect, 9 attempts',
    params: { search: true, eps: 0.02, attempts: 9, iterations: 1 },
  },
  'paper-cw': {
    attack: 'cw-l2',
    // The paper cites C&W's lr 1e-2, but its code ran at 2e-3: the preset reproduces the numbers.
    describe: 'C&W-L2 as the study ran it: lr 0.002, 1000 iterations, 9 binary steps on c from 0.01, early abort',
    params: { lr: 0.002, iterations: 1000, binarySteps: 9, c: 0.01, kappa: 0, abortEarly: true },
  },
  'paper-ead': {
    attack: 'ead',
    describe: 'EAD-L1 as in the study: beta 1e-3, lr 0.01 with polynomial decay, 1000 iterations, 9 binary steps on c from 0.01',
    params: { beta: 1e-3, rule: 'l1', lr: 0.01, iterations: 1000, binarySteps: 9, c: 0.01, kappa: 0, abortEarly: true },
  },
};

/** The study's transferability grids: FGSM eps, I-FGSM eps x iterations, C&W and EAD kappa. */
const TRANSFER: Record<string, Preset> = Object.fromEntries([
  ...[0.1, 0.2, 0.3].map((eps) => [`transfer-fgsm-eps${eps}`, { attack: 'fgsm', describe: `FGSM, eps ${eps}`, params: { eps } }]),
  ...[0.1, 0.2, 0.3].flatMap((eps) =>
    [10, 30, 50].map((iterations) => [`transfer-ifgsm-eps${eps}-iter${iterations}`, { attack: 'ifgsm', describe: `I-FGSM, eps ${eps}, ${iterations} iterations`, params: { eps, iterations } }]),
  ),
  ...(['cw', 'ead'] as const).flatMap((name) =>
    [0, 20, 40].map((kappa) => {
      const base = PAPER[`paper-${name}`]!;
      return [`transfer-${name}-kappa${kappa}`, { attack: base.attack, describe: `${base.describe}; kappa ${kappa}`, params: { ...base.params, kappa } }];
    }),
  ),
]);

export const PRESETS: Readonly<Record<string, Preset>> = { ...PAPER, ...TRANSFER };
export const TRANSFER_PRESETS: readonly string[] = Object.keys(TRANSFER);

export interface ResolvedAttack {
  attack: Attack;
  preset: string | undefined;
  /** Every parameter, defaults filled in: what a result is keyed by. */
  params: ParamValues;
}

/** An attack or preset by name, with `overrides` (e.g. from `--set`) applied over the preset and validated. */
export function resolveAttack(nameOrPreset: string, overrides: ParamValues = {}): ResolvedAttack {
  const preset = PRESETS[nameOrPreset];
  const name = preset?.attack ?? nameOrPreset;
  if (!Object.hasOwn(ATTACKS, name)) {
    throw new UserError(`unknown attack or preset '${nameOrPreset}'; attacks: ${Object.keys(ATTACKS).join(', ')}; presets: ${Object.keys(PRESETS).join(', ')}`);
  }
  const attack = ATTACKS[name as AttackName];
  // Every schema field is a number, boolean or string enum, so the parsed object is ParamValues.
  const params = parseParams(name, attack.paramsSchema, { ...preset?.params, ...overrides }) as ParamValues;
  return { attack, preset: preset && nameOrPreset, params };
}

export interface ExampleBatch {
  /** n examples in canonical space (float32 NCHW in [0,1]), back to back. */
  x: Float32Array;
  n: number;
  labels: Int32Array;
  /** Stable example ids (dataset ids): they seed per-example randomness. */
  ids: readonly ExampleId[];
}

export interface RunAttackOptions {
  params?: ParamValues;
  target?: TargetKind;
  /** Integer in [0, 2^32); default 0. */
  seed?: number;
  /** Most examples per batched call (continuous batching); default the classifier's batch size. */
  slots?: RunOptions['slots'];
  onProgress?: RunOptions['onProgress'];
}

export interface AttackRun {
  attack: AttackName;
  preset: string | undefined;
  params: ParamValues;
  target: TargetKind;
  seed: number;
  results: AttackResult[];
}

/**
 * Runs an attack or preset on a batch: resolves and validates parameters, chooses targets (one clean
 * forward call for the logit-based kinds) and returns one verified result per example. Example i's
 * result depends only on (classifier, example i, its id, parameters, target kind, seed). An example the
 * model already misclassifies is adversarial as it stands (a success at or near zero distortion): drop
 * those before attacking, as the study does.
 */
export async function runAttack(nameOrPreset: string, classifier: DifferentiableClassifier, batch: ExampleBatch, options: RunAttackOptions = {}): Promise<AttackRun> {
  const { attack, preset, params } = resolveAttack(nameOrPreset, options.params);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UserError(`seed ${seed} is not an integer in [0, 2^32)`);
  const target = options.target ?? 'untargeted';
  if (!TARGET_KINDS.includes(target)) throw new UserError(`unknown target kind '${String(target)}'; expected one of ${TARGET_KINDS.join(', ')}`);
  const { x, n, labels, ids } = batch;
  const targets =
    target === 'untargeted'
      ? undefined
      : chooseTargets(target, labels, classifier.numClasses, { seed, ids, logits: target === 'random' ? undefined : await classifier.logits(x, n) });
  const results = await attack.run(classifier, x, n, labels, targets, params, { seed, ids, slots: options.slots, onProgress: options.onProgress });
  return { attack: attack.name, preset, params, target, seed, results };
}
