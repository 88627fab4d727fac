import { seededStream, type Rng } from '../../core/rng.js';

/**
 * Seeded weight initialisation for the zoo. Only integer arithmetic, division and Math.sqrt (all exact or
 * correctly rounded in IEEE 754) are used, so a (seed, architecture) pair gives the same initial weights,
 * byte for byte, on every platform and Node version. That is also why both schemes are uniform: a normal
 * draw would need Math.log/Math.cos, whose last bit may differ between engines.
 */

/**
 * The shared generator seeded from (seed, stream). Mixing in a stream name (the architecture) keeps models
 * built with the same seed from sharing their first layers' weights, which would correlate them in
 * transfer experiments.
 */
export function createRng(seed: number, stream: string): Rng {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  // The seed's high word is the subject, so seeds above 2^32 still give distinct streams.
  return seededStream(seed, Math.floor(seed / 2 ** 32), stream);
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
