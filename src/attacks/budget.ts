import { UserError } from '../core/errors.js';
import type { AttackName, ParamValues } from './types.js';

/** Whether an attack has a budget to scale: every attack but FGSM, a single step. */
export function hasBudget(attack: AttackName): boolean {
  return attack !== 'fgsm';
}

/**
 * An attack's budget, scaled by a factor: the number of optimisation steps it may take. Constant-search
 * attacks (C&W, EAD) and the I-FGSM search spend it on two axes, so each gets the square root of the factor
 * (4x = twice the binary-search steps or budgets tried, each twice as long), except FGSM's search (one
 * iteration), whose budgets tried get all of it; every other iterative attack gets `factor` times its
 * iterations. FGSM is a single step: it has no budget to scale.
 */
export function scaleBudget(attack: AttackName, params: ParamValues, factor: number): ParamValues {
  const times = (key: string, by: number) => ({ [key]: Math.round((params[key] as number) * by) });
  if (!hasBudget(attack)) throw new UserError(`${attack} takes a single step: it has no budget to check`);
  switch (attack) {
    case 'cw-l2':
    case 'ead':
      return { ...params, ...times('iterations', Math.sqrt(factor)), ...times('binarySteps', Math.sqrt(factor)) };
    case 'ifgsm':
      if (!params.search) return { ...params, ...times('iterations', factor) };
      // One iteration is what makes the search FGSM's: a second would make it another attack.
      if (params.iterations === 1) return { ...params, ...times('attempts', factor) };
      return { ...params, ...times('iterations', Math.sqrt(factor)), ...times('attempts', Math.sqrt(factor)) };
    default:
      return { ...params, ...times('iterations', factor) };
  }
}
