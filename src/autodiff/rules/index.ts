import { activationRules } from './activations.js';
import type { RuleTable } from './rule-context.js';
import { convRules } from './conv.js';
import { einsumRules } from './einsum.js';
import { elementwiseRules } from './elementwise.js';
import { layoutRules } from './layout.js';
import { linearRules } from './linear.js';
import { normalizationRules } from './normalization.js';
import { pointwiseRules } from './pointwise.js';
import { poolingRules } from './pooling.js';
import { reduceRules } from './reduce.js';
import { resizeRules } from './resize.js';

/** Every VJP rule, by op type of the default ONNX domain. */
export const RULES: RuleTable = {
  ...convRules, ...linearRules, ...elementwiseRules, ...pointwiseRules, ...activationRules, ...normalizationRules,
  ...poolingRules, ...layoutRules, ...reduceRules, ...einsumRules, ...resizeRules,
};
