/**
 * Row-major array arithmetic an importer evaluates while converting: permutations of constant tensors and
 * NumPy-broadcast elementwise folding of constants (batch-norm parameters, shape arithmetic), and the
 * indices a Python-style slice keeps.
 */

export const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const strides = (dims: readonly number[]) => dims.map((_, i) => product(dims.slice(i + 1)));

/** Row-major permutation of any rank: output axis i is input axis perm[i]. */
export function permute<T, A extends { [k: number]: T; length: number }>(data: ArrayLike<T>, dims: number[], perm: number[], make: (n: number) => A): { dims: number[]; data: A } {
  const inStrides = strides(dims);
  const outDims = perm.map((p) => dims[p]!);
  const out = make(data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = perm.length - 1; i >= 0 && ++idx[i]! === outDims[i]!; i--) idx[i] = 0;
  }
  return { dims: outDims, data: out };
}

/** NumPy broadcasting of two shapes. */
export function broadcastDims<D extends number | null>(a: readonly D[], b: readonly D[], fail: (m: string) => never): D[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    // Missing leading axes count as 1; an unknown size (null) stays unknown.
    const at = (d: readonly D[]) => (i - (rank - d.length) >= 0 ? d[i - (rank - d.length)]! : (1 as D));
    const x = at(a);
    const y = at(b);
    if (x === 1) return y;
    if (y === 1 || x === y) return x;
    if (x === null || y === null) return (x ?? y) as D;
    return fail(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
  });
}

/** Elementwise `f` over two broadcast constants. */
export function foldBinary<T>(a: { dims: number[]; data: ArrayLike<T> }, b: { dims: number[]; data: ArrayLike<T> }, f: (x: T, y: T) => T, fail: (m: string) => never) {
  const dims = broadcastDims(a.dims, b.dims, fail);
  const stridesOf = (d: number[]) => {
    const s = strides(d);
    return dims.map((size, i) => {
      const j = i - (dims.length - d.length);
      return j < 0 || d[j] === 1 ? 0 : s[j]!;
    });
  };
  const sa = stridesOf(a.dims);
  const sb = stridesOf(b.dims);
  const out: T[] = new Array(product(dims));
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < dims.length; i++) { ia += idx[i]! * sa[i]!; ib += idx[i]! * sb[i]!; }
    out[o] = f(a.data[ia]!, b.data[ib]!);
    for (let i = dims.length - 1; i >= 0 && ++idx[i]! === dims[i]!; i--) idx[i] = 0;
  }
  return { dims, data: out };
}

/**
 * Indices of an axis of `size` that Python's `[from:to:step]` keeps: negative bounds count from the end,
 * bounds past either end are clamped (so `[-100::-1]` of a short axis is empty).
 */
export function slicePositions(size: number, from: number, to: number, step: number): number[] {
  const bound = (i: number, lo: number, hi: number) => (i < 0 ? Math.max(i + size, lo) : Math.min(i, hi));
  const [start, stop] = step > 0 ? [bound(from, 0, size), bound(to, 0, size)] : [bound(from, -1, size - 1), bound(to, -1, size - 1)];
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}
