/**
 * Seeded weight initialisation for the zoo. Only integer arithmetic, division and Math.sqrt (all exact or
 * correctly rounded in IEEE 754) are used, so a (seed, architecture) pair gives the same initial weights,
 * byte for byte, on every platform and Node version. That is also why both schemes are uniform: a normal
 * draw would need Math.log/Math.cos, whose last bit may differ between engines.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
}

/** FNV-1a over the UTF-16 code units of a string. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Mulberry32, seeded from (seed, stream). Mixing in a stream name (the architecture) keeps models built
 * with the same seed from sharing their first layers' weights, which would correlate them in transfer
 * experiments.
 */
export function createRng(seed: number, stream: string): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  let state = (hashString(stream) ^ Math.imul(seed >>> 0, 0x9e3779b9) ^ Math.floor(seed / 2 ** 32)) | 0;
  return {
    uniform() {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

function uniformArray(rng: Rng, count: number, limit: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * rng.uniform() - 1) * limit;
  return out;
}

/** He (Kaiming) uniform: variance 2/fanIn keeps the second moment of ReLU activations constant with depth. */
export function heUniform(rng: Rng, count: number, fanIn: number): Float32Array {
  return uniformArray(rng, count, Math.sqrt(6 / fanIn));
}

/** Glorot (Xavier) uniform: variance 2/(fanIn + fanOut), for layers not followed by a ReLU (the logits). */
export function glorotUniform(rng: Rng, count: number, fanIn: number, fanOut: number): Float32Array {
  return uniformArray(rng, count, Math.sqrt(6 / (fanIn + fanOut)));
}
