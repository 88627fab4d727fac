import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleRng, hash32, mix32, Rng, seededStream } from '../../src/core/rng.js';

const draws = (rng: Rng, n = 8): number[] => Array.from({ length: n }, () => rng.next());

describe('seeded streams', () => {
  // The words are fixed: the shipped zoo was trained and the synthetic images drawn from these states.
  it('numbers are mixed and strings hashed into the state words', () => {
    assert.deepEqual(draws(seededStream(7, 3, 'order')), draws(new Rng(mix32(7), mix32(3), hash32('order'))));
    assert.deepEqual(draws(seededStream(2 ** 33 + 5, 2, 12)), draws(new Rng(mix32(5), mix32(2), mix32(12))));
  });

  it("an example's stream is keyed by the hashes of its id and purpose, numbers spelled as strings", () => {
    assert.deepEqual(draws(exampleRng(11, 'test:17', 'pgd')), draws(new Rng(mix32(11), mix32(hash32('test:17')), mix32(hash32('pgd')))));
    assert.deepEqual(draws(exampleRng(11, 17, 'pgd')), draws(exampleRng(11, '17', 'pgd')));
    assert.notDeepEqual(draws(exampleRng(11, 17, 'pgd')), draws(exampleRng(11, 17, 'target')));
  });
});
