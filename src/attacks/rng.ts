import type { ExampleId } from './types.js';
import { Rng, hash32, mix32 } from '../rng.js';

/**
 * Per-example random streams (DESIGN decision 6): every random draw of an attack comes from a generator
 * seeded by (run seed, example id, purpose), so an example's draws do not depend on which batch it is in,
 * where in the batch it sits, or what else the run drew. The purpose keeps, e.g., target choice and PGD's
 * random start on unrelated streams.
 */
export function exampleRng(seed: number, id: ExampleId, purpose: string): Rng {
  return new Rng(mix32(seed >>> 0), mix32(hash32(String(id))), mix32(hash32(purpose)));
}
