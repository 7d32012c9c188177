// Weighted Pearson correlation, and ranking of weighted subsets of a fixed pool in O(pool): the
// bootstrap and permutation tests recompute Spearman's rho thousands of times on resampled or
// design-swapped STS pairs, and sorting once up front makes each recomputation linear. (The plain
// pearson/spearman are eval/metrics/correlation.ts.)

/** Pearson correlation of (x_i, y_i) pairs each counted w_i times (w = null: once each). */
export function weightedPearson(x: ArrayLike<number>, y: ArrayLike<number>, w: ArrayLike<number> | null): number {
  const n = x.length;
  let sw = 0, sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i]! : 1;
    if (wi === 0) continue;
    sw += wi; sx += wi * x[i]!; sy += wi * y[i]!;
  }
  const mx = sx / sw, my = sy / sw;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i]! : 1;
    if (wi === 0) continue;
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxx += wi * dx * dx; syy += wi * dy * dy; sxy += wi * dx * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * A pool of values sorted once. `ranks(weights)` gives, for every pool element with weight > 0, its
 * average rank within the multiset in which element j occurs weights[j] times — the ranks that
 * rankAverage would give the expanded sample, without sorting again.
 */
export class RankPool {
  private readonly order: Int32Array;
  private readonly groupEnd: Int32Array; // for sorted position k: end (exclusive) of its tie group

  constructor(readonly values: ArrayLike<number>) {
    const n = values.length;
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n; i++) if (Number.isNaN(values[i]!)) throw new RangeError(`RankPool: value ${i} is NaN`);
    idx.sort((a, b) => values[a]! - values[b]!);
    this.order = Int32Array.from(idx);
    this.groupEnd = new Int32Array(n);
    for (let start = 0; start < n;) {
      let end = start + 1;
      while (end < n && values[idx[end]!] === values[idx[start]!]) end++;
      for (let k = start; k < end; k++) this.groupEnd[k] = end;
      start = end;
    }
  }

  ranks(weights: ArrayLike<number>, out: Float64Array = new Float64Array(this.values.length)): Float64Array {
    const n = this.order.length;
    let below = 0; // total weight of strictly smaller values
    for (let start = 0; start < n;) {
      const end = this.groupEnd[start]!;
      let m = 0;
      for (let k = start; k < end; k++) m += weights[this.order[k]!]!;
      const r = below + (m + 1) / 2;
      for (let k = start; k < end; k++) out[this.order[k]!] = r;
      below += m;
      start = end;
    }
    return out;
  }
}
