// A small seeded random number generator (xoshiro128**, seeded through splitmix32), so every
// stochastic evaluation step (k-means init, mini-batches, few-shot sampling) is reproducible from
// an integer seed. It is NOT numpy's Mersenne Twister: runs match sklearn/MTEB in distribution,
// not draw for draw.

export class SeededRng {
  private s0: number; private s1: number; private s2: number; private s3: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`SeededRng: seed must be an integer, got ${seed}`);
    let x = seed >>> 0;
    const next = (): number => { // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t; this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`SeededRng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!; a[i] = a[j]!; a[j] = t;
    }
    return a;
  }

  /** `size` distinct indices in [0, n), uniformly. */
  choiceWithoutReplacement(n: number, size: number): number[] {
    if (size > n) throw new RangeError(`SeededRng.choiceWithoutReplacement: size ${size} > population ${n}`);
    return this.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, size);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
