import type { AttackName } from '../../src/attacks/types.js';
import type { AttackRow, CleanRow, CleverRow, ModelRow, TransferRow } from '../../src/records/records.js';
import type { ReportData } from '../../src/report/report-model.js';

/** Hand-made rows of a small study, shared by the report tests. */

const provenance = { toolVersion: '0.1.0-test', createdAt: '2025-01-02T03:04:05.000Z' };

export function model(name: string, family: string, parameters: number, depth = 8): ModelRow {
  return { ...provenance, name, sha256: `sha-${name}`, family, parameters, flopsPerImage: parameters * 40, inputShape: [3, 32, 32], numClasses: 10, depth, identity: `id-${name}` };
}

export function clean(name: string, item: number, correct: boolean): CleanRow {
  return { ...provenance, modelSha256: `sha-${name}`, itemId: `test:${item}`, method: 'clean', settings: '{}', seed: 7, label: 1, predicted: correct ? 1 : 2, correct, inTop5: true };
}

export interface AttackSetting {
  method: string;
  attack: AttackName;
  settings: string;
}

export const CW: AttackSetting = { method: 'paper-cw', attack: 'cw-l2', settings: '{"c":0.01,"kappa":0,"target":"untargeted"}' };
export const IFGSM: AttackSetting = { method: 'paper-ifgsm-search', attack: 'ifgsm', settings: '{"eps":0.02,"search":true,"target":"untargeted"}' };

/** A success with the given L2 and L∞ (L0 and L1 derived), or a failure / non-finite attempt. */
export function attack(name: string, setting: AttackSetting, item: number, outcome: { l2: number; linf: number } | 'failed' | 'non-finite'): AttackRow {
  const success = typeof outcome === 'object';
  return {
    ...provenance,
    modelSha256: `sha-${name}`,
    itemId: `test:${item}`,
    method: setting.method,
    attack: setting.attack,
    settings: setting.settings,
    seed: 7,
    targetKind: 'untargeted',
    label: 1,
    target: null,
    status: success ? 'success' : outcome,
    predicted: success ? 3 : 1,
    l0: success ? 100 * outcome.l2 : null,
    l1: success ? 10 * outcome.l2 : null,
    l2: success ? outcome.l2 : null,
    linf: success ? outcome.linf : null,
    eps: null,
    c: null,
    iterations: 10,
    gradientCalls: 10,
    forwardCalls: 11,
    timeMs: 1,
    adversarial: null,
  };
}

export function clever(name: string, item: number, score: number, usedFallback = false): CleverRow {
  return {
    ...provenance,
    modelSha256: `sha-${name}`,
    itemId: `test:${item}`,
    method: 'clever',
    settings: '{"nb":50,"norm":"2","ns":64,"radius":3,"target":"untargeted"}',
    seed: 7,
    norm: '2',
    targetKind: 'untargeted',
    label: 1,
    target: 2,
    score,
    lipschitz: 1,
    g0: score,
    radius: 3,
    usedFallback,
    ksPValue: 0.5,
  };
}

export function transfer(source: string, target: string, setting: AttackSetting, item: number, outcome: TransferRow['outcome']): TransferRow {
  return {
    ...provenance,
    modelSha256: `sha-${target}`,
    itemId: `test:${item}`,
    method: 'transfer',
    settings: setting.settings,
    seed: 7,
    sourceMethod: setting.method,
    sourceSha256: `sha-${source}`,
    targetKind: 'untargeted',
    label: 1,
    target: null,
    outcome,
    predicted: outcome === 'transferred' ? 4 : 1,
    targetInTop5: null,
    adaptation: 'none',
  };
}

/**
 * 4 models in 2 families with 10 clean examples each: clean accuracy 0.9, 0.8, 0.7, 0.6 (top-1 error 0.1 to 0.4).
 * The families are interleaved in the model rows, so the report has to group them.
 */
export function smallStudy(): ReportData {
  const models = [model('a-small', 'Alpha', 1_000), model('b-small', 'Beta', 2_500_000), model('a-large', 'Alpha', 3_000_000), model('b-large', 'Beta', 40_000_000)];
  const correct: Record<string, number> = { 'a-small': 9, 'a-large': 8, 'b-small': 7, 'b-large': 6 };
  const cleanRows = models.flatMap((m) => Array.from({ length: 10 }, (_, i) => clean(m.name, i, i < correct[m.name]!)));
  const attacks = [
    // C&W: a failed row's distortion fields are null as stored; 'failed' rows never count in a mean.
    attack('a-small', CW, 0, { l2: 1.0, linf: 0.1 }),
    attack('a-small', CW, 1, { l2: 2.0, linf: 0.3 }),
    attack('a-small', CW, 2, 'failed'),
    attack('a-small', CW, 3, 'non-finite'),
    attack('a-large', CW, 0, { l2: 0.8, linf: 0.08 }),
    attack('a-large', CW, 1, { l2: 1.2, linf: 0.12 }),
    attack('a-large', CW, 2, { l2: 1.0, linf: 0.1 }),
    attack('a-large', CW, 3, 'failed'),
    attack('b-small', CW, 0, { l2: 0.5, linf: 0.05 }),
    attack('b-small', CW, 1, { l2: 0.7, linf: 0.07 }),
    attack('b-small', CW, 2, 'failed'),
    attack('b-small', CW, 3, 'failed'),
    attack('b-large', CW, 0, { l2: 0.3, linf: 0.02 }),
    attack('b-large', CW, 1, 'failed'),
    attack('b-large', CW, 2, 'failed'),
    attack('b-large', CW, 3, 'failed'),
    // I-FGSM search: every attempt succeeds; b-large has no rows in this setting.
    attack('a-small', IFGSM, 0, { l2: 3.0, linf: 0.04 }),
    attack('a-small', IFGSM, 1, { l2: 5.0, linf: 0.06 }),
    attack('a-large', IFGSM, 0, { l2: 2.0, linf: 0.03 }),
    attack('b-small', IFGSM, 0, { l2: 1.0, linf: 0.01 }),
    attack('b-small', IFGSM, 1, { l2: 1.5, linf: 0.02 }),
  ];
  const cleverRows = [clever('a-small', 0, 0.4), clever('a-small', 1, 0.6, true), clever('a-large', 0, 0.35), clever('b-small', 0, 0.2), clever('b-small', 1, 0.1)];
  const transferRows = [
    transfer('a-small', 'a-large', CW, 0, 'transferred'),
    transfer('a-small', 'a-large', CW, 1, 'not-transferred'),
    transfer('a-small', 'a-large', CW, 2, 'source-failed'),
    transfer('a-small', 'b-small', CW, 0, 'transferred'),
    transfer('a-small', 'b-small', CW, 1, 'target-misclassifies-clean'),
    transfer('b-small', 'a-small', CW, 0, 'not-transferred'),
    transfer('b-small', 'a-small', CW, 1, 'not-transferred'),
    transfer('b-small', 'a-small', CW, 2, 'transferred'),
    transfer('b-small', 'a-small', CW, 3, 'source-failed'),
    transfer('a-small', 'b-small', IFGSM, 0, 'transferred'),
    transfer('b-small', 'a-small', IFGSM, 0, 'source-failed'),
  ];
  return {
    title: 'Small study',
    models,
    clean: cleanRows,
    attacks,
    clever: cleverRows,
    transfer: transferRows,
    config: { seed: 7, note: 'hand-made <rows> & "quotes"' },
    toolVersion: '0.1.0-test',
  };
}

/**
 * A study the size of a real zoo run, for looking at the page: 12 models in 4 families with distortions
 * that follow the scaling law plus deterministic scatter, CLEVER scores, and transfer between all pairs.
 */
export function zooStudy(): ReportData {
  const families = [
    ['ResNet', ['resnet-20', 'resnet-32', 'resnet-56']],
    ['VGG', ['vgg-11', 'vgg-13', 'vgg-16']],
    ['MobileNet', ['mobilenet-0.25', 'mobilenet-0.5', 'mobilenet-1.0']],
    ['DenseNet', ['densenet-40', 'densenet-100', 'densenet-121']],
  ] as const;
  const names = families.flatMap(([, ms]) => ms);
  const models = families.flatMap(([family, ms], f) => ms.map((name, k) => model(name, family, 10 ** (5 + f / 2 + k / 3))));
  const wiggle = (k: number) => Math.sin(12.9898 * k + 78.233) * 0.5;
  const cleanRows = names.flatMap((name, m) => Array.from({ length: 50 }, (_, i) => clean(name, i, i < 30 + m + 2 * wiggle(m))));
  const accuracy = (m: number) => Math.ceil(30 + m + 2 * wiggle(m)) / 50;
  const attacks = names.flatMap((name, m) =>
    [CW, IFGSM].flatMap((setting, s) =>
      Array.from({ length: 20 }, (_, i) => {
        if ((i + m + s) % 7 === 0) return attack(name, setting, i, 'failed');
        const base = -0.8 * Math.log(1 - accuracy(m)) + 0.3 * wiggle(m + 31 * s);
        return attack(name, setting, i, { l2: base * (1 + 0.2 * wiggle(i)), linf: base * (s === 0 ? 0.1 : 0.02) * (1 + 0.2 * wiggle(i + 5)) });
      }),
    ),
  );
  const cleverRows = names.flatMap((name, m) => Array.from({ length: 5 }, (_, i) => clever(name, i, 0.3 * (-Math.log(1 - accuracy(m))) * (1 + 0.3 * wiggle(i + m)))));
  const outcomes: TransferRow['outcome'][] = ['transferred', 'not-transferred', 'not-transferred', 'source-failed', 'target-misclassifies-clean'];
  const transferRows = names.flatMap((source, s) =>
    names.flatMap((target, t) =>
      s === t
        ? []
        : Array.from({ length: 10 }, (_, i) => {
            const sameFamily = Math.floor(s / 3) === Math.floor(t / 3);
            const o = i < (sameFamily ? 6 : 2) + (s % 3) ? 'transferred' : outcomes[(i + s + t) % outcomes.length]!;
            return transfer(source, target, CW, i, o);
          }),
    ),
  );
  return { title: 'Zoo study (synthetic rows)', models, clean: cleanRows, attacks, clever: cleverRows, transfer: transferRows, config: { seed: 7, models: names }, toolVersion: '0.1.0-test' };
}
