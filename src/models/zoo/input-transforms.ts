/**
 * How a zoo model maps canonical input (RGB in [0,1]) to what its first layer sees: y = x*scale + shift
 * per channel, built into the graph so the manifest needs no preprocessing. Each family gets the kind of
 * transform its counterpart in the study uses (STUDY.md), at unit scale: the study's x*255 would make
 * first-layer activations 255 times larger, which the same initialisation could not train in every family.
 * AlexNet's RGB->BGR swap is left out: a model trained from scratch has no preferred channel order.
 */
export interface InputTransform {
  /** Shown in model metadata and `models inspect`. */
  label: string;
  scale: readonly [number, number, number];
  shift: readonly [number, number, number];
}

/** The ImageNet mean of the VGG/AlexNet preprocessing (123.68, 116.78, 103.94), in [0,1] units. */
const IMAGENET_MEAN = [123.68 / 255, 116.78 / 255, 103.94 / 255] as const;

/** 2x-1, as TF-slim Inception, ResNet v2 and MobileNet use. */
export const SIGNED: InputTransform = { label: '2x-1', scale: [2, 2, 2], shift: [-1, -1, -1] };

/** x - mean, as VGG and AlexNet use. */
export const MEAN_SUBTRACTED: InputTransform = {
  label: 'x - imagenet mean',
  scale: [1, 1, 1],
  shift: [-IMAGENET_MEAN[0], -IMAGENET_MEAN[1], -IMAGENET_MEAN[2]],
};

/** (x*255 - mean)*0.017, as the DenseNets use: already at unit scale, so taken as it is. */
const DENSENET_SCALE = 255 * 0.017;
export const DENSENET_STANDARDIZED: InputTransform = {
  label: '(x*255 - imagenet mean) * 0.017',
  scale: [DENSENET_SCALE, DENSENET_SCALE, DENSENET_SCALE],
  shift: [-IMAGENET_MEAN[0] * DENSENET_SCALE, -IMAGENET_MEAN[1] * DENSENET_SCALE, -IMAGENET_MEAN[2] * DENSENET_SCALE],
};
