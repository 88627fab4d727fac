import { stringAttr } from '../attrs.js';
import { dyOf, unsupported, type RuleTable, type VjpContext } from './rule-context.js';

/**
 * Einsum. The gradient of operand i is itself an einsum: the output gradient contracted with the other
 * operands onto operand i's subscripts. Letters that appear only in operand i were summed away; the
 * gradient is constant along them, so they are restored by Unsqueeze and Expand. Ellipses are spelled out
 * as letters first (ONNX Runtime sums no ellipsis dimensions). Repeated letters within one operand
 * (diagonals) and dimensions that broadcast from 1 are refused.
 */

const ELLIPSIS = '...';

/** Subscript terms of each operand and of the output (implicit output: letters seen once, sorted). */
export function parseEinsum(equation: string): { inputs: string[]; output: string } {
  const compact = equation.replace(/\s/g, '');
  const [lhs, rhs] = compact.split('->') as [string, string | undefined];
  const inputs = lhs.split(',');
  if (rhs !== undefined) return { inputs, output: rhs };
  const letters = inputs.join('').replaceAll(ELLIPSIS, '');
  const once = [...new Set(letters)].filter((c) => letters.indexOf(c) === letters.lastIndexOf(c)).sort();
  return { inputs, output: (lhs.includes(ELLIPSIS) ? ELLIPSIS : '') + once.join('') };
}

/**
 * Terms as letter lists with each ellipsis replaced by unused letters, right-aligned across operands as
 * numpy broadcasting aligns them; `ranks` are the operands' ranks.
 */
export function spellOutEllipses(inputs: string[], output: string, ranks: number[]): { inputs: string[][]; output: string[] } {
  const used = new Set(inputs.join('') + output);
  const spare = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].filter((c) => !used.has(c));
  const ellipsisRanks = inputs.map((t, i) => (t.includes(ELLIPSIS) ? ranks[i]! - (t.length - ELLIPSIS.length) : 0));
  const widest = Math.max(0, ...ellipsisRanks);
  const spell = (term: string, rank: number) => [...term.replace(ELLIPSIS, '.')].flatMap((c) => (c === '.' ? spare.slice(widest - rank, widest) : [c]));
  return { inputs: inputs.map((t, i) => spell(t, ellipsisRanks[i]!)), output: spell(output, widest) };
}

const einsum = (ctx: VjpContext) => {
  const { e, node } = ctx;
  const parsed = parseEinsum(stringAttr(node, 'equation', ''));
  if (parsed.inputs.length !== node.inputs.length) unsupported(ctx, `its equation has ${parsed.inputs.length} operands but the node ${node.inputs.length} inputs`);
  const { inputs, output } = spellOutEllipses(parsed.inputs, parsed.output, node.inputs.map((t) => ctx.info(t).dims.length));
  // The size of each letter where it is not broadcast from 1 (a batch axis counts as not 1).
  const sizeAt = (t: string, k: number) => { const info = ctx.info(t); return info.batchAxes[k] ? 'batch' : String(info.dims[k]); };
  const sizes = new Map<string, string>();
  inputs.forEach((term, i) => term.forEach((c, k) => { const d = sizeAt(node.inputs[i]!, k); if (d !== '1' || !sizes.has(c)) sizes.set(c, d); }));
  const dy = dyOf(ctx);
  return node.inputs.map((operand, i) => {
    if (!ctx.wants(i)) return undefined;
    const own = inputs[i]!;
    if (new Set(own).size !== own.length) unsupported(ctx, `operand ${i} repeats a subscript ('${parsed.inputs[i]}'), a diagonal, which has no gradient rule`);
    if (own.some((c, k) => sizeAt(operand, k) !== sizes.get(c))) unsupported(ctx, `operand ${i} is broadcast, which has no gradient rule`);
    const others = inputs.filter((_, j) => j !== i);
    const seen = new Set([...output, ...others.flat()]);
    const kept = own.filter((c) => seen.has(c));
    const equation = `${[output, ...others].map((t) => t.join('')).join(',')}->${kept.join('')}`;
    const grad = e.op('Einsum', [dy, ...node.inputs.filter((_, j) => j !== i)], { equation });
    if (kept.length === own.length) return grad;
    const missing = own.flatMap((c, k) => (seen.has(c) ? [] : [k]));
    return e.op('Expand', [e.op('Unsqueeze', [grad, e.ints(missing)]), e.shape(operand)]);
  });
};

export const einsumRules: RuleTable = { Einsum: einsum };
