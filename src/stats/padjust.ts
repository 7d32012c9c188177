// Multiple-comparison adjustment of p-values, matching statsmodels' multipletests
// (holm, bonferroni, fdr_bh, fdr_by). Backed by @stdlib/stats-padjust, with two guards:
// its 'bonferroni' overwrites the caller's array in place, so it always gets a copy; and it rejects
// NaN, so NaN p-values (tests that could not be run) are left out of the family and stay NaN.
import stdlibPadjust from '@stdlib/stats-padjust';

export type AdjustMethod = 'holm' | 'bonferroni' | 'bh' | 'by';

/** Accepted names, including statsmodels' spellings. */
export const ADJUST_METHOD_ALIASES: Record<string, AdjustMethod> = {
  holm: 'holm',
  bonferroni: 'bonferroni',
  bh: 'bh',
  fdr_bh: 'bh',
  by: 'by',
  fdr_by: 'by',
};

export function parseAdjustMethod(name: string): AdjustMethod {
  const m = ADJUST_METHOD_ALIASES[name];
  if (!m) throw new RangeError(`padjust: unknown method '${name}'; valid: ${Object.keys(ADJUST_METHOD_ALIASES).join(', ')}`);
  return m;
}

/** Adjusted p-values in the input order. NaN entries are not counted as comparisons and stay NaN. */
export function padjust(pvalues: readonly number[], method: AdjustMethod | string): number[] {
  const m = parseAdjustMethod(method);
  const keep: number[] = [];
  pvalues.forEach((p, i) => {
    if (Number.isNaN(p)) return;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`padjust: p-value ${i} is not in [0, 1]: ${p}`);
    keep.push(i);
  });
  const out = pvalues.map(() => NaN);
  if (keep.length === 0) return out;
  const adjusted = stdlibPadjust(keep.map((i) => pvalues[i]!), m);
  keep.forEach((i, k) => { out[i] = adjusted[k]!; });
  return out;
}
