/**
 * Row-wise helpers over flat [n, k] logits.
 *
 * The one rule for non-finite logits: a row holding NaN or Inf names no class. argmax returns null and
 * topK an empty list for it, so no caller can count such a row as a class (the argmax of an all-NaN row
 * used to be class 0, which counted a broken model's outputs as transfers and as correct answers).
 */

/** The class of a row (the first maximum wins a tie); null when the row holds NaN or Inf. */
export function argmax(logits: Float32Array, k: number, row: number): number | null {
  if (!allFinite(logits, row * k, (row + 1) * k)) return null;
  let best = 0;
  let bestValue = -Infinity;
  for (let j = 0; j < k; j++) {
    const v = logits[row * k + j]!;
    if (v > bestValue) { bestValue = v; best = j; }
  }
  return best;
}

/** Indices of the `top` largest logits of a row, largest first (ties keep the lower index first); none for a non-finite row. */
export function topK(logits: Float32Array, k: number, row: number, top: number): number[] {
  if (!allFinite(logits, row * k, (row + 1) * k)) return [];
  const idx = Array.from({ length: k }, (_, j) => j);
  const v = (j: number) => logits[row * k + j]!;
  return idx.sort((a, b) => v(b) - v(a) || a - b).slice(0, top);
}

/** Softmax of one row, computed stably in float64. */
export function softmaxRow(logits: Float32Array, k: number, row: number): Float64Array {
  const out = new Float64Array(k);
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, logits[row * k + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) { out[j] = Math.exp(logits[row * k + j]! - max); sum += out[j]!; }
  for (let j = 0; j < k; j++) out[j]! /= sum;
  return out;
}

/** True when every value is finite (NaN or Inf in logits is reported, never silently used). */
export function allFinite(values: Float32Array, start = 0, end = values.length): boolean {
  for (let i = start; i < end; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
