import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readZooManifest } from '../../../src/models/zoo/zoo-manifest.js';
import { ZOO_ARCHITECTURES, zooArchitecture } from '../../../src/models/zoo/registry.js';
import { trainIntoZoo } from '../../../src/models/zoo/train.js';
import { cli } from '../../helpers/cli.js';

const manifest = readZooManifest();

test('zoo list --json lists every zoo architecture (at least 18 in 6 families: architectures.test.ts) trained, with its family', () => {
  const r = cli(['zoo', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const listed = JSON.parse(r.stdout);
  assert.deepEqual(
    listed.models.map((m: { name: string; family: string }) => [m.name, m.family]).sort(),
    ZOO_ARCHITECTURES.map((a) => [a.name, a.family]).sort(),
  );
  assert.deepEqual(listed.untrained, []);
});

test('models eval zoo:<name> on synthetic reproduces every manifest accuracy within 0.5 points', () => {
  for (const entry of manifest.models) {
    const r = cli(['models', 'eval', `zoo:${entry.name}`, '--data', 'synthetic', '--batch', '500', '--json'], 300_000);
    assert.equal(r.code, 0, r.stderr);
    const top1 = JSON.parse(r.stdout).top1;
    assert.ok(Math.abs(top1 - entry.top1) <= 0.005, `${entry.name}: eval ${top1} vs manifest ${entry.top1}`);
  }
});

test('training the smallest zoo model from scratch reproduces its accuracy within 2 points', async () => {
  const smallest = [...manifest.models].sort((a, b) => a.parameters - b.parameters)[0]!;
  const t = smallest.training;
  const retrained = await trainIntoZoo(zooArchitecture(smallest.name), {
    epochs: t.epochs, trainSize: t.trainSize, seed: t.seed, batchSize: t.batchSize, lr: t.lr,
  }, mkdtempSync(join(tmpdir(), 'rs-zoo-')));
  assert.ok(Math.abs(retrained.top1 - smallest.top1) <= 0.02, `${smallest.name}: retrained ${retrained.top1} vs manifest ${smallest.top1}`);
});

test('the zoo spreads in accuracy and stays within its size budget', () => {
  const accuracies = manifest.models.map((m) => m.top1);
  assert.ok(Math.min(...accuracies) < 0.75, `lowest ${Math.min(...accuracies)}`);
  assert.ok(Math.max(...accuracies) > 0.95, `highest ${Math.max(...accuracies)}`);
  const bytes = manifest.models.reduce((sum, m) => sum + 4 * m.parameters, 0);
  assert.ok(bytes <= 25e6, `${bytes} bytes of weights`);
});
