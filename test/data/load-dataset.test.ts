import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/core/errors.js';
import { loadDataset } from '../../src/data/load-dataset.js';

describe('loadDataset: synthetic', () => {
  it('opens the test split by default and either split by name', async () => {
    assert.equal((await loadDataset('synthetic')).name, 'synthetic:test');
    assert.equal((await loadDataset('synthetic:test')).size, 10_000);
    assert.equal((await loadDataset('synthetic:train')).size, 50_000);
  });

  it('lists the accepted forms for an unknown spec', async () => {
    await assert.rejects(loadDataset('synthetic:val'), (e: unknown) => {
      assert.ok(e instanceof UserError);
      for (const form of ['synthetic', 'cifar10:<dir>', 'image folder']) assert.ok(e.message.includes(form), e.message);
      return true;
    });
  });
});
