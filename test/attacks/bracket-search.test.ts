import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BracketSearch } from '../../src/attacks/search.js';

/** The values a search tries, given whether each succeeds, until `tries` values or it is exhausted. */
function tried(search: BracketSearch, succeeds: (value: number) => boolean, tries: number): number[] {
  const values: number[] = [];
  while (values.length < tries && !search.exhausted) {
    values.push(search.value);
    search.update(succeeds(search.value));
  }
  return values;
}

test('a capped search grows to the cap, bisects below it after a success there, and is exhausted when it fails there', () => {
  assert.deepEqual(tried(new BracketSearch(0.3, 2, 1), (v) => v >= 0.7, 5), [0.3, 0.6, 1, 0.8, 0.7]);
  assert.deepEqual(tried(new BracketSearch(0.3, 2, 1), () => false, 9), [0.3, 0.6, 1]);
  assert.deepEqual(tried(new BracketSearch(4, 2, 1), () => false, 9), [1], 'a start above the cap starts at it');
  assert.deepEqual(tried(new BracketSearch(0.3, 2), () => false, 5), [0.3, 0.6, 1.2, 2.4, 4.8], 'uncapped by default');
});
