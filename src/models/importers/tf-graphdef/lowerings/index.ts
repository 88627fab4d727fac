import type { LoweringTable } from '../context.js';
import { activationLowerings } from './activations.js';
import { arithmeticLowerings } from './arithmetic.js';
import { convLowerings } from './conv.js';
import { layoutLowerings } from './layout.js';
import { normalizationLowerings } from './normalization.js';
import { poolingLowerings } from './pooling.js';
import { shapeLowerings } from './shape.js';
import { sourceLowerings } from './sources.js';

/** Every TensorFlow op the importer converts, by op name; an op missing here is an error naming the node. */
export const LOWERINGS: LoweringTable = {
  ...sourceLowerings, ...arithmeticLowerings, ...activationLowerings, ...convLowerings, ...poolingLowerings,
  ...normalizationLowerings, ...layoutLowerings, ...shapeLowerings,
};
