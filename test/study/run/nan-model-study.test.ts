import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runStudy } from '../../../src/study/run/runner.js';
import { reportStudy } from '../../../src/study/run/report-study.js';
import { openStudyStore } from '../../../src/study/store/open-store.js';
import { nanModel, tempDir, tinyConfig } from '../helpers.js';

/**
 * Acceptance: a study with a model that turns NaN on bright images among healthy ones completes; the
 * NaN model's non-finite clean examples, attack examples and failed CLEVER units are stored and shown in
 * the report, and the healthy models' own results are exactly those of a study without it.
 */
test('a NaN-producing model among healthy ones: the study completes, the report shows its non-finite examples, the others are unchanged', async () => {
  const dir = tempDir();
  const nan = nanModel(dir, 'mlp-1', 0.5);
  const healthy = ['zoo:linear', 'zoo:mlp-2'];
  // L-inf CLEVER samples move the first pixel by up to the radius, across the NaN threshold for some examples.
  const settings = { dataset: { name: 'synthetic', count: 32, heldOut: 100 }, clever: { norm: 'inf' as const, radius: 0.3, nb: 4, ns: 8, count: 16, targets: ['top2' as const] } };
  const warnings: string[] = [];
  const withNan = await runStudy(tinyConfig([...healthy, nan], settings), { out: join(dir, 'with'), onWarning: (w) => warnings.push(w) });
  const without = await runStudy(tinyConfig(healthy, settings), { out: join(dir, 'without') });
  assert.equal(withNan.status.state, 'complete');
  assert.equal(without.status.state, 'complete');
  assert.ok(withNan.status.phases.clever.failed > 0, 'some CLEVER unit met NaN gradients');
  assert.equal(withNan.status.units.failed, withNan.status.phases.clever.failed);
  assert.equal(warnings.length, withNan.status.units.failed);
  assert.match(warnings[0]!, /clever unit clever shard \d+ failed .*CLEVER: the model's gradient for class \d+ is NaN or Inf/);
  // A resumed run neither crashes at the failed units nor retries them.
  const again = await runStudy(tinyConfig([...healthy, nan], settings), { out: join(dir, 'with') });
  assert.deepEqual([again.computed, again.status.state, again.status.units.failed], [0, 'complete', withNan.status.units.failed]);

  const a = await openStudyStore(join(dir, 'with'));
  const b = await openStudyStore(join(dir, 'without'));
  try {
    const nanSha = (await a.models()).find((m) => m.name === nan)!.sha256;
    // The clean pass records the NaN examples as such (no class, not correct).
    const nanClean = await a.cleanRows({ modelSha256: nanSha });
    const nonFinite = nanClean.filter((r) => r.predicted === null);
    assert.ok(nonFinite.length > 0 && nonFinite.length < nanClean.length, `${nonFinite.length} of ${nanClean.length} clean examples non-finite`);
    assert.ok(nonFinite.every((r) => !r.correct && !r.inTop5));
    // Failed units carry their reason and no rows.
    const failed = (await a.units()).filter((u) => u.failure !== null);
    assert.ok(failed.every((u) => u.model === nan && u.phase === 'clever' && u.rows === 0 && /NaN or Inf/.test(u.failure!)));
    // The healthy models' clean, attack and CLEVER rows, and transfers among them, are unchanged.
    const strip = <R extends { createdAt: string; timeMs?: number }>(rows: R[]) => rows.map((r) => JSON.stringify({ ...r, createdAt: undefined, timeMs: undefined }));
    for (const m of await b.models()) {
      assert.deepEqual(strip(await a.cleanRows({ modelSha256: m.sha256 })), strip(await b.cleanRows({ modelSha256: m.sha256 })), `${m.name} clean`);
      assert.deepEqual(strip(await a.attackRows({ modelSha256: m.sha256 })), strip(await b.attackRows({ modelSha256: m.sha256 })), `${m.name} attacks`);
      assert.deepEqual(strip(await a.cleverRows({ modelSha256: m.sha256 })), strip(await b.cleverRows({ modelSha256: m.sha256 })), `${m.name} CLEVER`);
      const among = (rows: Awaited<ReturnType<typeof a.transferRows>>) => strip(rows.filter((r) => r.sourceSha256 !== nanSha));
      assert.deepEqual(among(await a.transferRows({ modelSha256: m.sha256 })), among(await b.transferRows({ modelSha256: m.sha256 })), `${m.name} transfer`);
    }
    // As a transfer target, the NaN model's non-finite answers are their own outcome, never transfers.
    for (const r of await a.transferRows({ modelSha256: nanSha })) if (r.outcome === 'target-non-finite') assert.equal(r.predicted, null);
  } finally {
    await a.close();
    await b.close();
  }

  const report = await reportStudy(join(dir, 'with'));
  const models = JSON.parse(readFileSync(join(dir, 'with', 'tables', 'models.json'), 'utf8')) as { rows: { model: string; cleanNonFinite: number }[] };
  assert.ok(models.rows.find((r) => r.model === nan)!.cleanNonFinite > 0);
  assert.ok(models.rows.filter((r) => r.model !== nan).every((r) => r.cleanNonFinite === 0));
  const failedTable = JSON.parse(readFileSync(join(dir, 'with', 'tables', 'failed-units.json'), 'utf8')) as { rows: { model: string; reason: string }[] };
  assert.ok(failedTable.rows.length > 0 && failedTable.rows.every((r) => r.model === nan && /NaN or Inf/.test(r.reason)));
  const html = readFileSync(report.html, 'utf8');
  assert.match(html, /NaN or Inf logits on clean examples \(counted as wrong\)/);
  assert.match(html, /Failed units/);
});
