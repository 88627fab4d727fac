/**
 * What a study stores: one row per unit of evidence, keyed so that a resumed run finds exactly what it
 * already has (DESIGN decision 5). The report is a pure function of these rows plus the model and item
 * rows. Read them with `openStudyStore(dir)` (src/study/store/store.ts).
 */

import type { AttackName, AttackStatus, TransferOutcome } from './outcomes.js';
import type { TargetKind } from '../core/targets.js';

/** Recorded with every row: the tool version that produced it and when. */
export interface Provenance {
  toolVersion: string;
  /** ISO 8601. */
  createdAt: string;
}

/** A model taking part in a study, as stored once per study. */
export interface ModelRow extends Provenance {
  /** Name in the config (`zoo:resnet-20`, a path, ...). */
  name: string;
  sha256: string;
  family: string;
  parameters: number;
  flopsPerImage: number;
  /** Canonical input shape [channels, height, width]. */
  inputShape: [number, number, number];
  numClasses: number;
  /**
   * What the model's results depend on besides the graph file: a sha256 over the file's sha256, the
   * manifest in force (preprocessing, resize, outputs, ...) and the label list, so that a run into the
   * same folder with another manifest or label order is refused instead of mixing results.
   */
  identity: string;
  /** Layers with weights (convolutions, fully connected) on the longest input-to-output path of the graph. */
  depth: number;
  /** Clean top-1 accuracy on the study's sampled examples (computed from the clean rows when read). */
  top1?: number;
}

/** One sampled dataset example, in the order the seeded sampler drew it. */
export interface ItemRow {
  /** 0-based position in the sample: shards are ranges of positions. */
  position: number;
  /** Index in the dataset (what `Dataset.load` takes). */
  index: number;
  /** The dataset's stable id (`Dataset.id`, e.g. "test:17"); it also seeds the example's random streams. */
  itemId: string;
  /** The dataset's class id of the example. */
  classId: string;
}

/** Fields every evidence row carries, so each number can be traced to what produced it. */
export interface RowKey {
  modelSha256: string;
  /** Dataset example id (`ItemRow.itemId`). */
  itemId: string;
  /** Attack name or preset as the config wrote it (also of budget-check rows), 'clean', 'accuracy', 'clever' or 'transfer'. */
  method: string;
  /** Parameters as canonical JSON (sorted keys), the target kind included. */
  settings: string;
  seed: number;
}

export interface CleanRow extends RowKey, Provenance {
  method: 'clean';
  /** Logit index of the true class. */
  label: number;
  /** The model's class; null when its logits were NaN or Inf (the example is then not correct). */
  predicted: number | null;
  correct: boolean;
  inTop5: boolean;
}

/**
 * A model's held-out accuracy on one shard of the evaluation split (dataset indices [start, end)), as
 * counts: the study's accuracy is the whole split's, not the attacked sample's. `itemId` names the range.
 */
export interface AccuracyRow extends RowKey, Provenance {
  method: 'accuracy';
  start: number;
  end: number;
  evaluated: number;
  correct: number;
  inTop5: number;
}

/** The attack's own per-example outcome, stored as is. */
export type { AttackStatus };

export interface AttackRow extends RowKey, Provenance {
  /** The attack that ran (`method` may name one of its presets). */
  attack: AttackName;
  targetKind: TargetKind;
  label: number;
  target: number | null;
  status: AttackStatus;
  predicted: number | null;
  /** Distortions of a success; null for failures. */
  l0: number | null;
  l1: number | null;
  l2: number | null;
  linf: number | null;
  /** I-FGSM search: smallest successful eps. */
  eps: number | null;
  /** C&W/EAD: the constant c of the returned iterate. */
  c: number | null;
  iterations: number;
  gradientCalls: number;
  forwardCalls: number;
  timeMs: number;
  /**
   * Float32 canonical image of a success whose setting is transferred (kept for the transfer phase);
   * null for failures, never a NaN image, and null for settings no transfer uses (they would only take
   * space). Only returned by the store when asked for.
   */
  adversarial: Float32Array | null;
}

/**
 * The study's budget check: one attacked example re-run at `factor` times its attack setting's budget
 * (attacks/budget.ts says what that means per attack), without its image. Its key's `settings` are the
 * larger budget's parameters, as it ran; `baseSettings` are those of the attack row it is compared with
 * (same model, example, method and seed). Stored apart from the attack rows, so that no statistic of the
 * attacks can count it.
 */
export interface BudgetRow extends Omit<AttackRow, 'adversarial'> {
  baseSettings: string;
  factor: number;
}

export interface CleverRow extends RowKey, Provenance {
  method: 'clever';
  norm: '1' | '2' | 'inf';
  targetKind: TargetKind;
  label: number;
  target: number;
  /** min(g0 / lipschitz, radius): a score equal to the radius is the cap, not a measurement. */
  score: number;
  lipschitz: number;
  g0: number;
  radius: number;
  /** The reverse Weibull fit was rejected and the sample maximum used instead. */
  usedFallback: boolean;
  ksPValue: number | null;
}

export type { TransferOutcome } from './outcomes.js';

/**
 * One source example evaluated on one target model; `modelSha256` is the target's. Its key also holds
 * the source (sha256 and method), and `settings` is the source attack's settings.
 */
export interface TransferRow extends RowKey, Provenance {
  method: 'transfer';
  sourceMethod: string;
  sourceSha256: string;
  targetKind: TargetKind;
  /** True class as a logit index (models in a transfer share their classes). */
  label: number;
  /** The source attack's target class (targeted kinds). */
  target: number | null;
  /**
   * What happened, so every denominator is explicit: a failed source attack has no image to transfer and
   * an example the target model already gets wrong is no evidence; both are excluded and counted.
   * Transferred: untargeted, the target model misclassifies the image; targeted, the attack's target is
   * among the target model's top 5.
   */
  outcome: TransferOutcome;
  /** The target model's argmax on the adversarial image; null when it was not evaluated. */
  predicted: number | null;
  /** Targeted: whether the target class is in the target model's top 5; null otherwise. */
  targetInTop5: boolean | null;
  /** How the image reached the target model's input shape ('none' when shapes agree). */
  adaptation: string;
}

/** The budget check runs last: nothing reads its rows but the report, and every other result comes first. */
export type Phase = 'clean' | 'accuracy' | 'attack' | 'clever' | 'transfer' | 'budget';
export const PHASES: readonly Phase[] = ['clean', 'accuracy', 'attack', 'clever', 'transfer', 'budget'];

/** The marker of a finished work unit, stored in the same transaction as its rows. */
export interface UnitRow extends Provenance {
  id: string;
  phase: Phase;
  /** Model name (the target model for transfer units). */
  model: string;
  method: string;
  settings: string;
  shard: number;
  rows: number;
  timeMs: number;
  /**
   * Why the unit produced no rows, when the model failed it (NaN or Inf where a result needs finite
   * values); null for a unit that ran. A failed unit is done: it is not retried by a resumed run.
   */
  failure: string | null;
}
