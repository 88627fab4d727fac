import { UserError } from '../../core/errors.js';
import type { ZooArchitecture } from './architecture.js';
import { ALEXNET_ARCHITECTURES } from './families/alexnet.js';
import { DENSENET_ARCHITECTURES } from './families/densenet.js';
import { INCEPTION_ARCHITECTURES } from './families/inception.js';
import { MLP_ARCHITECTURES } from './families/mlp.js';
import { MOBILENET_ARCHITECTURES } from './families/mobilenet.js';
import { RESNET_ARCHITECTURES } from './families/resnet.js';
import { VGG_ARCHITECTURES } from './families/vgg.js';

export type { ZooArchitecture } from './architecture.js';

/**
 * The built-in zoo: the study's families (STUDY.md) at 32x32 and 10 classes, spanning small baselines to
 * the strongest small CNNs so that trained accuracies spread as widely as the study's.
 */
export const ZOO_ARCHITECTURES: readonly ZooArchitecture[] = [
  ...MLP_ARCHITECTURES,
  ...ALEXNET_ARCHITECTURES,
  ...VGG_ARCHITECTURES,
  ...RESNET_ARCHITECTURES,
  ...MOBILENET_ARCHITECTURES,
  ...DENSENET_ARCHITECTURES,
  ...INCEPTION_ARCHITECTURES,
];

export function zooArchitecture(name: string): ZooArchitecture {
  const found = ZOO_ARCHITECTURES.find((a) => a.name === name);
  if (!found) throw new UserError(`unknown zoo architecture '${name}'; known: ${ZOO_ARCHITECTURES.map((a) => a.name).join(', ')}`);
  return found;
}
