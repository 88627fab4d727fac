/**
 * The vocabulary of results: what an attack or a transfer attempt can come to. Attacks and metrics
 * produce these values and records store them, so they live below both.
 */

/** The attacks a result can come from (attacks/registry.ts has one entry per name). */
export type AttackName = 'fgsm' | 'ifgsm' | 'pgd' | 'cw-l2' | 'ead' | 'deepfool' | 'fmn' | 'apgd';

/**
 * - success: the returned image, re-classified with plain argmax (no kappa), is adversarial.
 * - failed: no adversarial image was found, or the one found did not survive re-classification.
 * - non-finite: NaN or Inf appeared in the logits or gradients of this example; nothing is reported.
 */
export type AttackStatus = 'success' | 'failed' | 'non-finite';

/**
 * Transferability (STUDY.md): adversarial examples of a source model fed to a target model. Untargeted,
 * an example transfers when the target misclassifies it; targeted, when the attack's target class is in
 * the target's top 5. Both exclusions are explicit outcomes, so every denominator can be printed: a
 * failed source attack has no image (the original code saved NaN images and counted them as successes),
 * and an example the target gets wrong even when clean says nothing about transfer. A target whose logits
 * are NaN or Inf on the image names no class at all: that is neither a transfer nor a resisted one, so it
 * is its own outcome (runtime/logits.ts: a non-finite row has no argmax).
 */
export type TransferOutcome = 'transferred' | 'not-transferred' | 'source-failed' | 'target-misclassifies-clean' | 'target-non-finite';
