import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { minimisedNorm } from '../../../src/analysis/minimal-distortion.js';
import { TRANSFER_PRESETS } from '../../../src/attacks/registry.js';
import { LP_NORMS } from '../../../src/core/lp.js';
import { TARGET_KINDS } from '../../../src/core/targets.js';
import { UserError } from '../../../src/core/errors.js';
import { ZOO_ARCHITECTURES } from '../../../src/models/zoo/registry.js';
import { configDiff } from '../../../src/study/config/config-diff.js';
import { parseStudyConfig, type StudyConfigInput } from '../../../src/study/config/config-schema.js';
import { expandGrid } from '../../../src/study/config/grid.js';
import { planUnits } from '../../../src/study/plan/plan.js';
import { PAPER_MODELS } from '../../../src/models/catalog/paper-models.js';
import { STUDY_PRESETS, studyPreset } from '../../../src/study/config/presets/index.js';
import { attackSettings } from '../../../src/study/plan/unit-settings.js';
import { prerequisites } from '../../../src/study/queue/prerequisites.js';

const base: StudyConfigInput = {
  models: ['a.onnx', 'b.onnx'],
  dataset: { name: 'synthetic', count: 10 },
  attacks: [{ attack: 'fgsm' }],
};

/** A config error: a UserError whose message names `field`, in the form the CLI prints. */
function assertFieldError(config: unknown, field: string, what?: RegExp): void {
  assert.throws(() => parseStudyConfig(config, 'test.yaml'), (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.ok(err.message.includes(`field '${field}'`), `'${err.message}' should name field '${field}'`);
    if (what) assert.match(err.message, what);
    return true;
  });
}

test('both presets pass the schema and survive a JSON and a YAML round trip unchanged', () => {
  for (const name of Object.keys(STUDY_PRESETS)) {
    const config = studyPreset(name);
    assert.deepEqual(parseStudyConfig(JSON.parse(JSON.stringify(config)), name), config, `${name} through JSON`);
    assert.deepEqual(parseStudyConfig(parseYaml(toYaml(config)), name), config, `${name} through YAML`);
  }
});

test('the mini preset covers the whole zoo with FGSM, the FGSM and I-FGSM searches, C&W, EAD, FMN-L1, CLEVER L2 and a transfer matrix, 100 attacked examples per model', () => {
  const mini = studyPreset('mini');
  assert.deepEqual(mini.models.map((m) => m.name), ZOO_ARCHITECTURES.map((a) => `zoo:${a.name}`));
  assert.equal(mini.dataset.name, 'synthetic');
  assert.deepEqual(mini.attacks.map((a) => a.attack), ['fgsm', 'paper-fgsm-search', 'paper-ifgsm-search', 'paper-cw', 'paper-ead', 'fmn']);
  assert.deepEqual(mini.attacks.find((a) => a.attack === 'fmn')?.set, { norm: 'l1', iterations: 300 });
  assert.equal(mini.dataset.attacked, 100);
  assert.equal(mini.dataset.heldOut, 5000, 'the minimum the issue sets for synthetic');
  assert.equal(mini.clever?.norm, 2);
  assert.deepEqual(mini.transfer?.attacks, ['fgsm'], 'the fixed-eps FGSM entry is transferred');
  assert.deepEqual(mini.attacks.find((a) => a.id === 'fgsm')?.set, { eps: 0.1 });
  assert.equal(mini.shardSize, 100, 'one attack unit per model and setting');
});

test('the paper preset has the 18 models with their manifests, and no empty download fields', () => {
  const paper = studyPreset('paper');
  assert.equal(paper.models.length, 18);
  assert.equal(PAPER_MODELS.length, 18);
  for (const [i, m] of PAPER_MODELS.entries()) {
    const manifest = paper.models[i]!.manifest!;
    assert.deepEqual(manifest.inputSize, [m.inputSize, m.inputSize]);
    assert.equal(manifest.labelOffset, m.classes === 1001 ? 1 : 0);
    assert.notEqual(m.url, '');
    assert.notEqual(m.sha256, '');
  }
  assert.equal(paper.dataset.count, 1000);
  assert.deepEqual(paper.transfer?.attacks, TRANSFER_PRESETS);
  assert.deepEqual(paper.clever && [paper.clever.nb, paper.clever.ns, paper.clever.radius], [100, 512, 3]);
});

test('in the paper preset every norm has two minimal-distortion attacks of different kinds for each target kind besides the transfer grids (the reference minima): FMN beside the I-FGSM search, C&W and EAD', () => {
  const settings = attackSettings(parseStudyConfig(studyPreset('paper'), 'paper'));
  for (const norm of LP_NORMS) {
    for (const kind of TARGET_KINDS) {
      const attacks = settings.filter((s) => !s.transferred && s.targetKind === kind && minimisedNorm(s.attack, s.params) === norm).map((s) => s.attack);
      assert.deepEqual(attacks, [{ l1: 'ead', l2: 'cw-l2', linf: 'ifgsm' }[norm], 'fmn'], `${norm}, ${kind}`);
    }
  }
  const fmn = settings.filter((s) => s.attack === 'fmn');
  assert.deepEqual(fmn.filter((s) => s.targetKind === 'untargeted').map((s) => [s.params.norm, s.params.iterations]), [['l1', 300], ['l2', 100], ['linf', 100]]);
  assert.deepEqual(parseStudyConfig(studyPreset('paper'), 'paper').budgetCheck, { count: 4, factor: 4 }, 'the budget check, as in the mini');
});

test('config errors name the field: unknown fields, wrong types, unknown attacks, parameters and models', () => {
  assertFieldError({ ...base, colour: 'red' }, 'colour', /unknown field/);
  assertFieldError({ ...base, attacks: [{ attack: 'fgsm', sett: { eps: 1 } }] }, 'attacks[0].sett', /unknown field/);
  assertFieldError({ ...base, dataset: { name: 'synthetic', count: 'ten' } }, 'dataset.count', /number/);
  assertFieldError({ ...base, seed: -1 }, 'seed');
  assertFieldError({ ...base, attacks: [{ attack: 'fgsmm' }] }, 'attacks[0].attack', /unknown attack or preset 'fgsmm'/);
  assertFieldError({ ...base, attacks: [{ attack: 'fgsm', set: { epsilon: 0.1 } }] }, 'attacks[0].set', /unknown parameter 'epsilon'/);
  assertFieldError({ ...base, attacks: [{ attack: 'fgsm', set: { eps: [0.1, -1] } }] }, 'attacks[0].set', /eps/);
  assertFieldError({ ...base, attacks: [{ attack: 'fgsm', targets: ['sideways'] }] }, 'attacks[0].targets[0]');
  assertFieldError({ ...base, models: ['a.onnx', 'zoo:resnet-1000'] }, 'models[1]', /unknown zoo model/);
  assertFieldError({ ...base, models: [{ name: 'a.onnx', manfest: {} }] }, 'models[0].manfest', /unknown field/);
  assertFieldError({ ...base, models: [{ name: 'a.onnx', manifest: { inputSize: 'big' } }] }, 'models[0].manifest.inputSize');
  assertFieldError({ ...base, models: [42] }, 'models[0]');
  assertFieldError({ ...base, models: ['a.onnx', 'a.onnx'] }, 'models[1]', /twice/);
  assertFieldError({ ...base, clever: { norm: 3 } }, 'clever.norm', /1, 2 or 'inf'/);
  assertFieldError({ ...base, transfer: { attacks: ['pgd'] } }, 'transfer.attacks[0]', /no attack entry has id 'pgd'/);
  assertFieldError({ ...base, transfer: { attacks: ['fgsm'], models: ['a.onnx', 'c.onnx'] } }, 'transfer.models[1]', /not one of the study's models/);
});

test('grids expand to every combination, in an order independent of how the config wrote the keys', () => {
  const points = expandGrid({ iterations: [10, 30], eps: [0.1, 0.2], loss: 'ce' });
  assert.equal(points.length, 4);
  assert.deepEqual(points[0], { eps: 0.1, iterations: 10, loss: 'ce' });
  assert.deepEqual(expandGrid({ loss: 'ce', eps: [0.1, 0.2], iterations: [10, 30] }), points);
});

test('entries giving the same setting share it, so no row is computed twice', () => {
  const config = parseStudyConfig({
    ...base,
    attacks: [{ attack: 'fgsm', set: { eps: [0.1, 0.2] } }, { id: 'again', attack: 'fgsm', set: { eps: 0.1 }, count: 3 }],
    transfer: { attacks: ['again'] },
  }, 'test');
  const settings = attackSettings(config);
  assert.equal(settings.length, 2);
  assert.deepEqual(settings.map((s) => [s.params.eps, s.limit, s.transferred]), [[0.1, undefined, true], [0.2, undefined, false]]);
});

test('the planner cuts every phase into shards: clean, held-out accuracy, attacks per setting, CLEVER, transfer per target model', () => {
  const config = parseStudyConfig({
    models: ['a.onnx', 'b.onnx'],
    dataset: { name: 'synthetic', count: 10, attacked: 9 },
    shardSize: 4,
    attacks: [
      { attack: 'fgsm', set: { eps: [0.1, 0.2] }, targets: ['untargeted', 'random'] },
      { attack: 'ifgsm', count: 5 },
    ],
    clever: { norm: 2, nb: 2, ns: 2, count: 6 },
    transfer: { attacks: ['fgsm'] },
  }, 'test');
  const units = planUnits(config, { sample: 10, heldOut: 2500 });
  const count = (phase: string) => units.filter((u) => u.phase === phase).length;
  assert.equal(count('clean'), 2 * 3, '2 models x shards [0,4) [4,8) [8,10)');
  assert.deepEqual(units.filter((u) => u.phase === 'accuracy' && u.model === 'b.onnx').map((u) => [u.start, u.end]), [[0, 1000], [1000, 2000], [2000, 2500]]);
  assert.equal(count('attack'), 2 * (4 * 3 + 1 * 2), 'per model: 4 FGSM settings x 3 shards of ranks [0,4) [4,8) [8,9) + I-FGSM on 5 examples x 2 shards');
  assert.deepEqual(units.filter((u) => u.phase === 'attack' && u.model === 'a.onnx' && u.method === 'fgsm').slice(0, 3).map((u) => [u.start, u.end]), [[0, 4], [4, 8], [8, 9]]);
  assert.equal(count('clever'), 2 * 2);
  assert.equal(count('transfer'), 2 * 4 * 3, 'per target model: 4 settings x 3 shards');
  assert.equal(new Set(units.map((u) => u.id)).size, units.length, 'unit ids are unique');
  assert.deepEqual(units.filter((u) => u.phase === 'clean' && u.model === 'a.onnx').map((u) => [u.start, u.end]), [[0, 4], [4, 8], [8, 10]]);
  const transfer = units.find((u) => u.phase === 'transfer' && u.model === 'b.onnx');
  assert.ok(transfer?.phase === 'transfer');
  assert.deepEqual(transfer.sources, ['a.onnx']);
  assert.deepEqual(planUnits(config, { sample: 10, heldOut: 2500 }), units, 'the plan is a function of the config and the sizes');
});

test('budgetCheck: count required and positive, factor an integer of at least 2 (default 4), nothing else', () => {
  assert.deepEqual(parseStudyConfig({ ...base, budgetCheck: { count: 8 } }, 'test').budgetCheck, { count: 8, factor: 4 });
  assert.deepEqual(parseStudyConfig({ ...base, budgetCheck: { count: 3, factor: 9 } }, 'test').budgetCheck, { count: 3, factor: 9 });
  assert.equal(parseStudyConfig(base, 'test').budgetCheck, undefined, 'optional: no check unless asked for');
  assertFieldError({ ...base, budgetCheck: { count: 0 } }, 'budgetCheck.count', /expected a positive integer: examples re-run per model and attack setting/);
  assertFieldError({ ...base, budgetCheck: { count: 2.5 } }, 'budgetCheck.count', /positive integer/);
  assertFieldError({ ...base, budgetCheck: { count: 'eight' } }, 'budgetCheck.count', /positive integer/);
  assertFieldError({ ...base, budgetCheck: {} }, 'budgetCheck.count', /positive integer/);
  assertFieldError({ ...base, budgetCheck: { count: 4, factor: 1 } }, 'budgetCheck.factor', /an integer of at least 2/);
  assertFieldError({ ...base, budgetCheck: { count: 4, factor: 2.5 } }, 'budgetCheck.factor', /an integer of at least 2/);
  assertFieldError({ ...base, budgetCheck: { count: 4, examples: 3 } }, 'budgetCheck.examples', /unknown field/);
  assertFieldError({ ...base, budgetCheck: 8 }, 'budgetCheck', /expected \{ count, factor \}/);
});

test('the budget check is planned per model and attack setting with a budget (not FGSM), over at most the examples the setting attacks; its units wait for the clean pass and the attack units they check', () => {
  const config = parseStudyConfig({
    models: ['a.onnx', 'b.onnx'],
    dataset: { name: 'synthetic', count: 10, attacked: 9 },
    shardSize: 4,
    attacks: [
      { attack: 'fgsm', set: { eps: [0.1, 0.2] } },
      { attack: 'paper-cw', set: { iterations: 10, binarySteps: 3 }, targets: ['untargeted', 'random'] },
      { attack: 'ifgsm', count: 5 },
    ],
    budgetCheck: { count: 6 },
  }, 'test');
  const units = planUnits(config, { sample: 10, heldOut: 100 });
  const budget = units.filter((u) => u.phase === 'budget');
  // Per model: C&W x 2 target kinds on 6 of 9 attacked examples (shards [0,4) [4,6)), I-FGSM on 5 of 5 ([0,4) [4,5)).
  assert.deepEqual(budget.filter((u) => u.model === 'a.onnx').map((u) => [u.method, u.start, u.end, u.phase === 'budget' && u.attacked]), [
    ['paper-cw', 0, 4, 9], ['paper-cw', 4, 6, 9], ['paper-cw', 0, 4, 9], ['paper-cw', 4, 6, 9], ['ifgsm', 0, 4, 5], ['ifgsm', 4, 5, 5],
  ]);
  assert.equal(budget.length, 2 * 6);
  assert.equal(units.at(-1)!.phase, 'budget', 'the budget check comes last');
  const cw = budget[0]!;
  assert.ok(cw.phase === 'budget');
  // 4x a C&W budget: twice the binary-search steps of twice the iterations; the settings say so, and differ from the base's.
  assert.deepEqual([JSON.parse(cw.settings).iterations, JSON.parse(cw.settings).binarySteps, JSON.parse(cw.setting.base.settings).iterations], [20, 6, 10]);
  assert.equal(new Set(units.map((u) => u.id)).size, units.length, 'unit ids are unique');

  const needs = prerequisites(units, cw, 'correct-for-each');
  const base = units.filter((u) => u.phase === 'attack' && u.model === 'a.onnx' && u.settings === cw.setting.base.settings);
  assert.equal(base.length, 3, 'the base setting on 9 examples: 3 shards');
  assert.deepEqual(needs.map((u) => u.id).sort(), [...units.filter((u) => u.phase === 'clean' && u.model === 'a.onnx'), ...base].map((u) => u.id).sort());
  assert.equal(prerequisites(units, cw, 'correct-for-all').filter((u) => u.phase === 'clean').length, 2 * 3, 'correct-for-all: every model\'s clean pass');
});

test('config differences are listed by field', () => {
  const a = parseStudyConfig(base, 'a');
  const b = parseStudyConfig({ ...base, dataset: { name: 'synthetic', count: 12 }, attacks: [{ attack: 'fgsm', set: { eps: 0.2 } }] }, 'b');
  assert.deepEqual(configDiff(a, b), ['attacks[0].set.eps: (not set) -> 0.2', 'dataset.count: 10 -> 12']);
  assert.deepEqual(configDiff(a, a), []);
});
