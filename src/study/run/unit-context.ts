import { loadDataset } from '../../data/load-dataset.js';
import type { Dataset } from '../../data/dataset.js';
import { alignLabels } from '../../data/labels.js';
import type { OnnxClassifier } from '../../runtime/onnx-classifier.js';
import type { StudyConfig } from '../config/config-schema.js';
import { loadStudyModel } from './study-models.js';

/** A loaded model with its dataset-class to logit mapping. */
export interface LoadedModel {
  classifier: OnnxClassifier;
  /** Dataset class index -> logit index. */
  toLogit: Int32Array;
}

/**
 * What computing units needs: the dataset and the models, loaded once per process. One model is kept
 * loaded at a time (the plan runs a model's units back to back): the study's ImageNet models are large.
 */
export class UnitContext {
  private current: { name: string; model: Promise<LoadedModel> } | undefined;

  private constructor(
    readonly config: StudyConfig,
    readonly dataset: Dataset,
    private readonly threads: number | undefined,
  ) {}

  static async open(config: StudyConfig, threads?: number): Promise<UnitContext> {
    return new UnitContext(config, await loadDataset(config.dataset.name, { labelsFile: config.dataset.labels }), threads);
  }

  async model(name: string): Promise<LoadedModel> {
    if (this.current?.name !== name) {
      await this.release();
      const entry = this.config.models.find((m) => m.name === name);
      if (!entry) throw new Error(`${name} is not a model of this study`);
      const model = loadStudyModel(entry, this.threads).then((classifier) => ({ classifier, toLogit: alignLabels(this.dataset.classes, classifier) }));
      this.current = { name, model };
    }
    return this.current!.model;
  }

  /** The true class of dataset example `index` as a logit index of `model`. */
  label(model: LoadedModel, index: number): number {
    return model.toLogit[this.dataset.label(index)]!;
  }

  async release(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    // A model that failed to load has nothing to release; its error was reported where it was used.
    const loaded = await current?.model.catch(() => undefined);
    await loaded?.classifier.dispose();
  }
}
