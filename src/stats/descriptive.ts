// Descriptive statistics shared by the tests and the report.

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Sample variance (denominator n − 1, as numpy's ddof=1); NaN below two values. */
export function sampleVariance(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < n; i++) s += (xs[i]! - m) ** 2;
  return s / (n - 1);
}

export function sampleSd(xs: ArrayLike<number>): number {
  return Math.sqrt(sampleVariance(xs));
}

/** q-quantile, q in [0, 1], by linear interpolation between order statistics (numpy's default 'linear'). */
export function quantile(xs: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return quantileSorted(s, q);
}

/** As quantile, for an array already sorted ascending. */
export function quantileSorted(s: ArrayLike<number>, q: number): number {
  const h = (s.length - 1) * q;
  const lo = Math.floor(h), hi = Math.ceil(h);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/**
 * Median of a scratch buffer by quickselect (expected O(n); the buffer is reordered). The same
 * value as median(): the middle order statistic, or the mean of the two middle ones.
 */
export function medianInPlace(buf: Float64Array): number {
  const n = buf.length;
  if (n === 0) return NaN;
  const hi = selectKth(buf, n >> 1);
  if (n % 2 === 1) return hi;
  let lo = -Infinity; // the largest value left of position n/2 after selection
  for (let i = 0; i < n >> 1; i++) if (buf[i]! > lo) lo = buf[i]!;
  return lo + 0.5 * (hi - lo);
}

/** Reorder a so that a[k] is the k-th smallest, with smaller-or-equal values before it (quickselect with Hoare partitioning). */
function selectKth(a: Float64Array, k: number): number {
  let left = 0, right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >> 1]!;
    let i = left, j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) { const t = a[i]!; a[i] = a[j]!; a[j] = t; i++; j--; }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k]!;
}
