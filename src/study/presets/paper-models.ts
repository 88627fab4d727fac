import type { ManifestInput } from '../../models/manifest.js';

/**
 * The study's 18 ImageNet models (STUDY.md) as ONNX files in the model cache, with the manifests that
 * make them see canonical input as the original TensorFlow/Caffe code fed them. `url` and `sha256` say
 * where `robustscope models pull` gets each file; undefined means nobody has published a converted file
 * yet. (Converted TF-slim graphs that keep NHWC need `layout: 'NHWC'` in their preprocessing.)
 */
export interface PaperModel {
  name: string;
  family: string;
  /** File name in the model cache (`robustscope models pull` saves there by default). */
  file: string;
  inputSize: number;
  /** 1001: TF-slim's leading background class, sliced off in the graph (labelOffset 1). */
  classes: 1000 | 1001;
  preprocess: NonNullable<ManifestInput['preprocess']>;
  url: string | undefined;
  sha256: string | undefined;
}

/** 2x - 1: the TF-slim Inception preprocessing. */
const INCEPTION = { scale: 2, mean: [1], std: [1] };
const VGG_MEAN = [123.68, 116.78, 103.94];
const VGG = { scale: 255, mean: VGG_MEAN, std: [1] };
/** Caffe AlexNet: BGR, x*255 minus the BGR mean. */
const ALEXNET = { scale: 255, mean: [104, 117, 124], std: [1], channelOrder: 'BGR' as const };
/** DenseNet (Caffe ports): (x*255 - VGG mean) * 0.017. */
const DENSENET = { scale: 255, mean: VGG_MEAN, std: [1 / 0.017] };

const model = (name: string, family: string, inputSize: number, classes: 1000 | 1001, preprocess: PaperModel['preprocess']): PaperModel => ({
  name, family, file: `${name}.onnx`, inputSize, classes, preprocess, url: undefined, sha256: undefined,
});

export const PAPER_MODELS: readonly PaperModel[] = [
  model('alexnet', 'alexnet', 227, 1000, ALEXNET),
  model('vgg_16', 'vgg', 224, 1000, VGG),
  model('vgg_19', 'vgg', 224, 1000, VGG),
  model('inception_v1', 'inception', 224, 1001, INCEPTION),
  model('inception_v2', 'inception', 224, 1001, INCEPTION),
  model('inception_v3', 'inception', 299, 1001, INCEPTION),
  model('inception_v4', 'inception', 299, 1001, INCEPTION),
  model('inception_resnet_v2', 'inception', 299, 1001, INCEPTION),
  model('resnet_v2_50', 'resnet', 299, 1001, INCEPTION),
  model('resnet_v2_101', 'resnet', 299, 1001, INCEPTION),
  model('resnet_v2_152', 'resnet', 299, 1001, INCEPTION),
  model('mobilenet_v1_0.25', 'mobilenet', 224, 1001, INCEPTION),
  model('mobilenet_v1_0.50', 'mobilenet', 224, 1001, INCEPTION),
  model('mobilenet_v1_1.0', 'mobilenet', 224, 1001, INCEPTION),
  model('densenet121', 'densenet', 224, 1000, DENSENET),
  model('densenet169', 'densenet', 224, 1000, DENSENET),
  model('densenet161', 'densenet', 224, 1000, DENSENET),
  model('nasnet_large', 'nasnet', 331, 1001, INCEPTION),
];

/** The ImageNet class list every paper model's manifest points to: 1000 WordNet ids, sorted, one per line. */
export const PAPER_LABELS = { file: 'imagenet-synsets.txt', url: undefined as string | undefined, sha256: undefined as string | undefined };

/** A paper model's manifest: preprocessing, input size, label offset, class list and its download. */
export function paperManifest(m: PaperModel): ManifestInput {
  return {
    name: m.name,
    family: m.family,
    inputSize: [m.inputSize, m.inputSize],
    preprocess: m.preprocess,
    labelOffset: m.classes === 1001 ? 1 : 0,
    labels: PAPER_LABELS.file,
    ...(m.url ? { url: m.url } : {}),
    ...(m.sha256 ? { sha256: m.sha256 } : {}),
  };
}
