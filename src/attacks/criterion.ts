/**
 * When a logits row counts as adversarial. With kappa = 0 this is exactly the plain argmax of
 * runtime/logits.ts (the first maximum wins a tie), which is how every result is re-verified; C&W and EAD
 * select their iterates with kappa > 0 the way the original compare() does: the target must win by kappa
 * (targeted), or some class must beat the label by kappa (untargeted).
 */
export function isAdversarial(logits: Float32Array, label: number, target: number | undefined, kappa = 0): boolean {
  if (target !== undefined) {
    const bar = logits[target]! - kappa;
    for (let j = 0; j < logits.length; j++) {
      if (j !== target && (j < target ? logits[j]! >= bar : logits[j]! > bar)) return false;
    }
    return true;
  }
  const bar = logits[label]! + kappa;
  for (let j = 0; j < logits.length; j++) {
    if (j !== label && (j < label ? logits[j]! >= bar : logits[j]! > bar)) return true;
  }
  return false;
}

/**
 * The C&W margin loss of one logits row, as the cw-margin loss head defines it: untargeted
 * max(0, Z_y - max_{j!=y} Z_j + kappa), targeted max(0, max_{j!=t} Z_j - Z_t + kappa). For iterates
 * whose logits come from a forward call rather than from the loss head (EAD's).
 */
export function cwMargin(logits: Float32Array, label: number, target: number | undefined, kappa: number): number {
  return Math.max(0, logitMargin(logits, label, target) + kappa);
}

/**
 * The unclamped margin by which a logits row is not yet adversarial: Z_y - max_{j!=y} Z_j untargeted,
 * max_{j!=t} Z_j - Z_t targeted (positive before the boundary, negative past it).
 */
export function logitMargin(logits: Float32Array, label: number, target: number | undefined): number {
  const own = target ?? label;
  let other = -Infinity;
  for (let j = 0; j < logits.length; j++) if (j !== own) other = Math.max(other, logits[j]!);
  return target === undefined ? logits[label]! - other : other - logits[target]!;
}
