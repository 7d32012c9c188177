// Effect sizes for paired comparisons, reported beside the p-values because a p-value alone
// says nothing about how large a difference is.
import { rankAverage } from './ranks.ts';
import { medianInPlace } from './descriptive.ts';
import { pairedBootstrap, type BootstrapOptions, type BootstrapResult } from './bootstrap.ts';

function differences(x: ArrayLike<number>, y?: ArrayLike<number> | null): number[] {
  if (y != null && y.length !== x.length) throw new RangeError(`paired effect size: lengths differ (${x.length} vs ${y.length})`);
  const d: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = y != null ? x[i]! - y[i]! : x[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`paired effect size: non-finite difference at index ${i}`);
    d.push(v);
  }
  return d;
}

/**
 * Matched-pairs rank-biserial correlation r = (R+ − R−) / (R+ + R−) over the non-zero differences
 * x − y (Kerby 2014): +1 when every difference favours x, −1 when every one favours y. It is the
 * effect size that goes with the Wilcoxon signed-rank test. NaN when all differences are zero.
 */
export function matchedPairsRankBiserial(x: ArrayLike<number>, y?: ArrayLike<number> | null): number {
  const d = differences(x, y).filter((v) => v !== 0);
  if (d.length === 0) return NaN;
  const r = rankAverage(d.map(Math.abs));
  let plus = 0, minus = 0;
  d.forEach((v, i) => { if (v > 0) plus += r[i]!; else minus += r[i]!; });
  return (plus - minus) / (plus + minus);
}

/** Median of the paired differences x − y with a paired-bootstrap percentile interval. */
export function medianDifference(x: ArrayLike<number>, y?: ArrayLike<number> | null, options: BootstrapOptions = {}): BootstrapResult {
  const d = differences(x, y);
  const buf = new Float64Array(d.length);
  return pairedBootstrap(d.length, (idx) => {
    for (let i = 0; i < idx.length; i++) buf[i] = d[idx[i]!]!;
    return medianInPlace(buf);
  }, options);
}
