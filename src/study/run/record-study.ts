import { canonicalJson } from '../../records/canonical-json.js';
import { UserError } from '../../core/errors.js';
import type { OnnxClassifier } from '../../runtime/onnx-classifier.js';
import { configDiff } from '../config/config-diff.js';
import type { StudyConfig } from '../config/config-schema.js';
import { HELD_OUT_META } from '../plan/plan.js';
import { checkTransferModels, describeModel, loadStudyModel } from './study-models.js';
import type { ItemRow, ModelRow } from '../../records/records.js';
import type { StudyStore } from '../store/study-store.js';
import type { Unstamped } from './tasks.js';
import { TOOL_VERSION } from '../../records/version.js';

/**
 * What a study is, written to its store before any unit runs (by `study run`, or `study submit` for
 * workers): the config, the sample, the models with their sha256. A store that already holds a study
 * must hold this one: a resumed run, or a second submit, that brings another config, sample or model
 * file is refused, naming what differs.
 */
export async function recordStudy(
  store: StudyStore,
  config: StudyConfig,
  data: { items: readonly ItemRow[]; heldOut: number },
  models: readonly Unstamped<ModelRow>[],
): Promise<void> {
  await recordConfig(store, config);
  await recordItems(store, data.items);
  await recordHeldOut(store, data.heldOut);
  await recordModels(store, models);
}

/** Every model loaded once, before anything is written: a model that does not load stops the study here. */
export async function describeModels(config: StudyConfig): Promise<Unstamped<ModelRow>[]> {
  const classifiers = new Map<string, OnnxClassifier>();
  try {
    const rows: Unstamped<ModelRow>[] = [];
    for (const entry of config.models) {
      const classifier = await loadStudyModel(entry);
      classifiers.set(entry.name, classifier);
      rows.push(await describeModel(entry, classifier, config.attacks.length > 0 || config.clever !== undefined));
    }
    checkTransferModels(config, classifiers);
    const sha = rows.map((r) => r.sha256);
    sha.forEach((s, i) => {
      const first = sha.indexOf(s);
      if (first !== i) throw new UserError(`models ${rows[first]!.name} and ${rows[i]!.name} are the same model (sha256 ${s}); list it once`);
    });
    return rows;
  } finally {
    for (const c of classifiers.values()) await c.dispose();
  }
}

/** The config as stored: the output folder is where the study is, not what it is. */
function canonicalConfig(config: StudyConfig): string {
  return canonicalJson({ ...config, out: undefined });
}

/** The store's config, stored by the first run; a later run must bring the same one. */
async function recordConfig(store: StudyStore, config: StudyConfig): Promise<void> {
  const canonical = canonicalConfig(config);
  const stored = await store.meta('config');
  if (stored === undefined) {
    await store.putMeta({ config: canonical, toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() });
    return;
  }
  if (stored !== canonical) {
    const diff = configDiff(JSON.parse(stored), JSON.parse(canonical));
    throw new UserError(
      `${store.location} holds a study with another config; a resumed run must use the same one. Differences (stored -> given):\n  ${diff.join('\n  ')}\n` +
        'Run the original config to finish it, or give another store (--out folder or --store database) for the new one.',
    );
  }
  const version = await store.meta('toolVersion');
  if (version !== TOOL_VERSION) {
    throw new UserError(`${store.location} was started with robustscope ${version}, this is ${TOOL_VERSION}: finish it with ${version}, or give another store`);
  }
}

/** The sample depends only on the config and the dataset: a difference means the dataset changed. */
async function recordItems(store: StudyStore, items: readonly ItemRow[]): Promise<void> {
  const stored = await store.items();
  if (stored.length === 0) {
    await store.putItems(items);
    return;
  }
  const differs = items.findIndex((item, i) => stored[i]?.itemId !== item.itemId || stored[i]?.index !== item.index);
  if (stored.length !== items.length || differs >= 0) {
    throw new UserError(`the dataset's sample differs from the one ${store.location} was started with (position ${differs >= 0 ? differs : Math.min(stored.length, items.length)}): has the dataset changed?`);
  }
}

/** The held-out evaluation's size, like the sample, depends only on the config and the dataset. */
async function recordHeldOut(store: StudyStore, size: number): Promise<void> {
  const stored = await store.meta(HELD_OUT_META);
  if (stored === undefined) await store.putMeta({ [HELD_OUT_META]: String(size) });
  else if (Number(stored) !== size) throw new UserError(`the held-out evaluation has ${size} images, ${store.location} was started with ${stored}: has the dataset changed?`);
}

async function recordModels(store: StudyStore, models: readonly Unstamped<ModelRow>[]): Promise<void> {
  const stored = new Map((await store.models()).map((m) => [m.name, m]));
  for (const m of models) {
    const before = stored.get(m.name);
    if (before && before.sha256 !== m.sha256) {
      throw new UserError(`${m.name} changed since ${store.location} was started (sha256 ${before.sha256} -> ${m.sha256}); restore the original file, or give another store`);
    }
    if (before && before.identity !== m.identity) {
      throw new UserError(`${m.name}: its manifest or label list changed since ${store.location} was started (same graph file, other preprocessing, outputs or class order); restore them, or give another store`);
    }
  }
  const stamp = { toolVersion: TOOL_VERSION, createdAt: new Date().toISOString() };
  await store.putModels(models.filter((m) => !stored.has(m.name)).map((m) => ({ ...m, ...stamp })));
}
