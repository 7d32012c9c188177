// Seeded pseudo-random numbers: every random choice in the project draws from one of the two
// generators here, so the same seed gives the same run.
// - mulberry32 drives model initialisation, training order and dataset sampling.
// - xoshiro128** (createRng) drives the statistics (bootstrap, permutation, chance levels) and the
//   stochastic evaluation steps (k-means init, classification undersampling).
// They stay two generators because each one's stream is part of the published numbers: drawing
// either side from the other would change every result that depends on it.

/** mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of a copy, driven by `rand`. */
export function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

// xoshiro128** (Blackman & Vigna, 2018): 128-bit state, period 2^128 − 1, passes BigCrush; the
// state is seeded from one integer through splitmix32 so that nearby seeds give unrelated streams.
// Not numpy's Mersenne Twister: evaluation runs match sklearn/MTEB in distribution, not draw for draw.

export interface Rng {
  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Raw 32-bit unsigned output. */
  uint32(): number;
  /** Fisher–Yates shuffle of `a` in place (returns `a`). */
  shuffle<T>(a: T[]): T[];
  /** `size` distinct indices in [0, n), uniformly. */
  choiceWithoutReplacement(n: number, size: number): number[];
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** seeded with an integer (its low 32 bits are used; the same seed gives the same stream). */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new RangeError(`createRng: seed must be an integer, got ${seed}`);
  const sm = splitmix32(seed);
  let a = sm(), b = sm(), c = sm(), d = sm();
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is a fixed point
  const uint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    a >>>= 0; b >>>= 0;
    return result;
  };
  const next = (): number => {
    // 27 + 26 bits, as in the usual float64-from-two-uint32 construction.
    const hi = uint32() >>> 5, lo = uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  };
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    if (n > 0x100000000) return Math.floor(next() * n);
    // exactly uniform: reject the top 2^32 mod n values, then reduce (one draw almost always)
    const limit = 0x100000000 - (0x100000000 % n);
    let u = uint32();
    while (u >= limit) u = uint32();
    return u % n;
  };
  const shuffle = <T>(a: T[]): T[] => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = int(i + 1);
      const t = a[i]!; a[i] = a[j]!; a[j] = t;
    }
    return a;
  };
  const choiceWithoutReplacement = (n: number, size: number): number[] => {
    if (size > n) throw new RangeError(`Rng.choiceWithoutReplacement: size ${size} > population ${n}`);
    return shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, size);
  };
  return { next, int, uint32, shuffle, choiceWithoutReplacement };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
