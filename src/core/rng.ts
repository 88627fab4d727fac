/**
 * The project's one seeded generator. Every random draw (synthetic images, attack targets and starts,
 * CLEVER samples) comes from a stream seeded by what it is for, never by position in a batch
 * (DESIGN decision 6), so results do not change with batch size, thread count or the order of work.
 */

/** lowbias32 (C. Wellons): a bijective 32-bit mixer, so distinct seeds give distinct states. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a over UTF-16 code units: turns example ids and purposes into seeds. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** sfc32 (C. Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes PractRand. */
export class Rng {
  /** State a, b, c, counter. A typed array, because int32 values in object fields are boxed (V8's small integers have 31 bits). */
  private readonly s = new Int32Array(4);
  /** The second value of the last polar-method pair, kept for the next normal(). */
  private spare: number | undefined;

  constructor(a: number, b: number, c: number) {
    this.s[0] = a;
    this.s[1] = b;
    this.s[2] = c;
    this.s[3] = 1;
    // The author's recommended warm-up, so that neighbouring seeds give unrelated streams.
    for (let k = 0; k < 12; k++) this.next();
  }

  /** Uniform unsigned 32-bit integer. */
  next(): number {
    const s = this.s;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    s[3] = (d + 1) | 0;
    return t >>> 0;
  }

  /** Fills `out` with next() draws, the state kept in locals: the noise of an image takes 3072 of them. */
  fill(out: Uint32Array): void {
    const s = this.s;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    for (let k = 0; k < out.length; k++) {
      const t = (((a + b) | 0) + d) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      d = (d + 1) | 0;
      out[k] = t;
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * (this.next() / 4294967296);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform(0, n));
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const r2 = u * u + v * v;
      if (r2 > 0 && r2 < 1) {
        const f = Math.sqrt((-2 * Math.log(r2)) / r2);
        this.spare = v * f;
        return u * f;
      }
    }
  }
}

/** A dataset example's stable id (`Dataset.id`): it seeds the example's random streams. */
export type ExampleId = string | number;

/**
 * Per-example random streams (DESIGN decision 6): every random draw of an attack comes from a generator
 * seeded by (run seed, example id, purpose), so an example's draws do not depend on which batch it is in,
 * where in the batch it sits, or what else the run drew. The purpose keeps, e.g., target choice and PGD's
 * random start on unrelated streams.
 */
export function exampleRng(seed: number, id: ExampleId, purpose: string): Rng {
  return seededStream(seed, hash32(String(id)), hash32(purpose));
}

/**
 * The one way a stream is derived: (seed, subject, purpose), each turned into one word of the generator's
 * state. The subject is what the draws are about (an example id, an image index, a training epoch); the
 * purpose keeps draws for different uses of one subject unrelated. Numbers are mixed (lowbias32), strings
 * hashed (FNV-1a), which spreads them already; per-example streams pass hashes of the id and purpose.
 */
export function seededStream(seed: number, subject: number | string, purpose: number | string): Rng {
  return new Rng(mix32(seed >>> 0), streamWord(subject), streamWord(purpose));
}

const streamWord = (v: number | string): number => (typeof v === 'string' ? hash32(v) : mix32(v));
