// Wilcoxon signed-rank test with the semantics of scipy.stats.wilcoxon in scipy 1.10 (the version
// the reference tests run), so `stats wilcoxon` and the paper-style table give scipy's numbers.
//
// scipy 1.10 behaviour mirrored here (checked on a grid in test/stats-wilcoxon.test.ts):
// - statistic: min(R+, R−) for 'two-sided', R+ for 'less'/'greater'.
// - method 'auto': exact when n ≤ 50 (n counts zero differences), else the normal approximation.
//   Ties do NOT switch to the approximation: the exact branch then uses int(R+), i.e. R+ truncated
//   (a scipy 1.10 quirk, fixed in later scipy); zero differences do switch (with a warning).
// - the approximation: 'wilcox' drops zeros; 'pratt' ranks them and then adjusts mean and variance
//   (Cureton 1967); 'zsplit' gives half of the zeros' rank sum to each side; variance corrected for
//   ties; optional continuity correction of 0.5 towards the mean; default correction = false.
// - an empty sample gives NaN statistic and p (scipy returns nan); all-zero differences with
//   'wilcox' or 'pratt' in the approximation throw, as scipy raises ValueError.
// - exact p-values are clipped to [0, 1].
// Why not @stdlib/stats-wilcoxon at run time: its branch choice differs from scipy 1.10 (it uses
// the approximation whenever there are ties, it cannot be forced to the approximation for n ≤ 50,
// its statistic is always R+, and its exact two-sided p can exceed 1, e.g. [1,-2,-3,4] → 1.125).
// It serves as a second, independent reference in the tests on the inputs where both agree.
// Unlike scipy, NaN or infinite inputs are rejected rather than propagated.
import { rankAverage, tieGroupSizes } from './ranks.ts';
import { normalCdf, normalSf } from './special.ts';

export type Alternative = 'two-sided' | 'less' | 'greater';
export type ZeroMethod = 'wilcox' | 'pratt' | 'zsplit';
export type WilcoxonMethod = 'auto' | 'exact' | 'approx';

export const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'less', 'greater'];
export const ZERO_METHODS: readonly ZeroMethod[] = ['wilcox', 'pratt', 'zsplit'];
export const WILCOXON_METHODS: readonly WilcoxonMethod[] = ['auto', 'exact', 'approx'];

export interface WilcoxonOptions {
  alternative?: Alternative;
  zeroMethod?: ZeroMethod;
  method?: WilcoxonMethod;
  /** continuity correction in the normal approximation (scipy default: false) */
  correction?: boolean;
}

export interface WilcoxonResult {
  /** min(R+, R−) for two-sided, R+ for one-sided (scipy 1.10). NaN for an empty sample. */
  statistic: number;
  pvalue: number;
  /** the branch actually used */
  method: 'exact' | 'approx';
  /** number of differences that entered the ranking */
  n: number;
  nZero: number;
  rPlus: number;
  rMinus: number;
  /** standardized statistic, approximation only */
  z?: number;
  /** the warnings scipy would emit */
  warnings: string[];
}

export class WilcoxonError extends Error {}

const pmfCache = new Map<number, Float64Array>();

/** Null distribution of R+ for n untied, non-zero differences: P(R+ = r), r = 0 … n(n+1)/2 (scipy's recursion). */
export function signedRankPmf(n: number): Float64Array {
  const hit = pmfCache.get(n);
  if (hit) return hit;
  let c = new Float64Array([1]);
  for (let k = 1; k <= n; k++) {
    const next = new Float64Array((k * (k + 1)) / 2 + 1);
    const m = c.length;
    for (let i = 0; i < m; i++) next[i] = c[i]! * 0.5;
    const off = next.length - m;
    for (let i = 0; i < m; i++) next[off + i] = next[off + i]! + c[i]! * 0.5;
    c = next;
  }
  if (n <= 200) pmfCache.set(n, c);
  return c;
}

function checkOption<T extends string>(name: string, value: T | undefined, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!allowed.includes(value)) throw new WilcoxonError(`wilcoxon: ${name} must be one of ${allowed.join(', ')}; got '${String(value)}'`);
  return value;
}

/** Wilcoxon signed-rank test of x − y (or of x alone when y is omitted), as scipy 1.10. */
export function wilcoxon(x: ArrayLike<number>, y?: ArrayLike<number> | null, options: WilcoxonOptions = {}): WilcoxonResult {
  const alternative = checkOption('alternative', options.alternative, ALTERNATIVES, 'two-sided');
  const zeroMethod = checkOption('zero_method', options.zeroMethod, ZERO_METHODS, 'wilcox');
  let mode: WilcoxonMethod = checkOption('method', options.method, WILCOXON_METHODS, 'auto');
  const correction = options.correction ?? false;
  if (y != null && y.length !== x.length) throw new WilcoxonError(`wilcoxon: x and y must have the same length (${x.length} vs ${y.length})`);
  let d: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = y != null ? x[i]! - y[i]! : x[i]!;
    if (!Number.isFinite(x[i]!) || (y != null && !Number.isFinite(y[i]!))) throw new WilcoxonError(`wilcoxon: non-finite value at index ${i}`);
    d.push(v);
  }
  const warnings: string[] = [];
  if (d.length === 0) return { statistic: NaN, pvalue: NaN, method: mode === 'exact' ? 'exact' : 'approx', n: 0, nZero: 0, rPlus: 0, rMinus: 0, warnings: ['empty sample'] };
  if (mode === 'auto') mode = d.length <= 50 ? 'exact' : 'approx';
  const nZero = d.filter((v) => v === 0).length;
  if (nZero > 0 && mode === 'exact') {
    mode = 'approx';
    warnings.push('Exact p-value calculation does not work if there are zeros. Switching to normal approximation.');
  }
  if (mode === 'approx') {
    if (zeroMethod !== 'zsplit' && nZero === d.length) {
      throw new WilcoxonError("wilcoxon: zero_method 'wilcox' and 'pratt' do not work if x - y is zero for all elements.");
    }
    if (zeroMethod === 'wilcox') d = d.filter((v) => v !== 0);
  }
  const count = d.length;
  if (count < 10 && mode === 'approx') warnings.push('Sample size too small for normal approximation.');
  const r = rankAverage(d.map(Math.abs));
  let rPlus = 0, rMinus = 0, rZero = 0;
  for (let i = 0; i < count; i++) {
    if (d[i]! > 0) rPlus += r[i]!;
    else if (d[i]! < 0) rMinus += r[i]!;
    else rZero += r[i]!;
  }
  if (zeroMethod === 'zsplit') { rPlus += rZero / 2; rMinus += rZero / 2; }
  const T = alternative === 'two-sided' ? Math.min(rPlus, rMinus) : rPlus;

  if (mode === 'approx') {
    let mn = count * (count + 1) * 0.25;
    let se = count * (count + 1) * (2 * count + 1);
    let tieRanks: ArrayLike<number> = r;
    if (zeroMethod === 'pratt') {
      tieRanks = Array.from(r).filter((_, i) => d[i] !== 0);
      mn -= nZero * (nZero + 1) * 0.25;
      se -= nZero * (nZero + 1) * (2 * nZero + 1);
    }
    for (const t of tieGroupSizes(tieRanks)) se -= 0.5 * t * (t * t - 1);
    se = Math.sqrt(se / 24);
    let cc = 0;
    if (correction) cc = alternative === 'two-sided' ? 0.5 * Math.sign(T - mn) : alternative === 'less' ? -0.5 : 0.5;
    const z = (T - mn - cc) / se;
    const pvalue = alternative === 'two-sided' ? 2 * normalSf(Math.abs(z)) : alternative === 'greater' ? normalSf(z) : normalCdf(z);
    return { statistic: T, pvalue, method: 'approx', n: count, nZero, rPlus, rMinus, z, warnings };
  }

  const pmf = signedRankPmf(count);
  const rp = Math.trunc(rPlus); // scipy 1.10: int(r_plus), even when ties make it a half-integer
  const lower = (): number => { let s = 0; for (let i = 0; i <= rp; i++) s += pmf[i]!; return s; };
  const upper = (): number => { let s = 0; for (let i = rp; i < pmf.length; i++) s += pmf[i]!; return s; };
  let pvalue: number;
  if (alternative === 'two-sided') pvalue = rp === Math.floor((pmf.length - 1) / 2) ? 1 : 2 * Math.min(upper(), lower());
  else if (alternative === 'greater') pvalue = upper();
  else pvalue = lower();
  pvalue = Math.min(1, Math.max(0, pvalue));
  return { statistic: T, pvalue, method: 'exact', n: count, nZero, rPlus, rMinus, warnings };
}

/**
 * The smallest two-sided p-value the exact test can give with n non-zero differences: every
 * difference of one sign, P = 2 · 2⁻ⁿ (capped at 1). Below n = 6 it is ≥ 0.0625, so no category
 * with fewer than six datasets can ever be significant at 0.05.
 */
export function minExactTwoSidedP(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new WilcoxonError(`minExactTwoSidedP: n must be a non-negative integer, got ${n}`);
  return n === 0 ? 1 : Math.min(1, 2 * signedRankPmf(n)[0]!);
}

/** Whether the exact two-sided test over n datasets can reach p < alpha at all. */
export function wilcoxonCanReject(n: number, alpha: number): boolean {
  return minExactTwoSidedP(n) < alpha;
}
