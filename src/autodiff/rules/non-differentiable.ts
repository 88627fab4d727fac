/**
 * Ops whose outputs pass no gradient back to their inputs: they read only shapes, compare, pick indices,
 * or are piecewise constant (their derivative is 0 almost everywhere, as PyTorch's round and sign take it).
 * The backward pass stops at them instead of asking for a rule; a test checks that every op robustscope
 * lifts for gradients is here or has a VJP rule.
 */
export const NON_DIFFERENTIABLE: ReadonlySet<string> = new Set([
  // Shapes and constants
  'Shape', 'Size', 'Constant', 'ConstantOfShape', 'Range', 'EyeLike',
  // Indices and selections
  'ArgMax', 'ArgMin', 'NonZero', 'OneHot', 'Hardmax',
  // Comparisons and logic
  'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf',
  // Piecewise constant
  'Sign', 'Floor', 'Ceil', 'Round',
]);

/** Ops whose rules are type-generic, so float64 and float16 gradients may flow through them. */
export const ANY_FLOAT_TYPE: ReadonlySet<string> = new Set(['Cast', 'Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose']);
