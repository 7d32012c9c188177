// Average ranks ("fractional ranking"), as scipy.stats.rankdata(method='average'): tied values share
// the mean of the ranks they span. The Wilcoxon statistic and Spearman's rho are built on it.

/** 1-based average ranks of `values`. NaN is rejected: its rank has no meaning. */
export function rankAverage(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) throw new RangeError(`rankAverage: value ${i} is NaN`);
    order[i] = i;
  }
  order.sort((i, j) => values[i]! - values[j]!);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const r = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]!] = r;
    start = end;
  }
  return ranks;
}

/** Sizes of the groups of tied values (only groups of size > 1). */
export function tieGroupSizes(values: ArrayLike<number>): number[] {
  const sorted = Array.from(values).sort((a, b) => a - b);
  const sizes: number[] = [];
  for (let start = 0; start < sorted.length;) {
    let end = start + 1;
    while (end < sorted.length && sorted[end] === sorted[start]) end++;
    if (end - start > 1) sizes.push(end - start);
    start = end;
  }
  return sizes;
}
