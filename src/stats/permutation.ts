// Paired permutation tests. Under H0 the two designs are exchangeable within each pair, so the
// null distribution comes from swapping the design assignment of each pair with probability 1/2:
// for a mean of differences that is a sign flip; for a statistic of the pairs (e.g. the difference
// of two designs' Spearman rho on STS) the statistic is recomputed on the swapped data.
// p-values follow scipy.stats.permutation_test(permutation_type='samples') in scipy 1.10: when
// 2^n ≤ resamples every assignment is enumerated (exact, identity included); otherwise
// p = (#{null as or more extreme} + 1) / (resamples + 1), with scipy's relative tolerance of 1e-14
// for ties between the null and the observed value; two-sided = 2·min(one-sided), clipped to 1.
import { createRng } from '../util/random.ts';
import { betaIncInverse } from './special.ts';
import { checkResampleOptions } from './bootstrap.ts';
import type { Alternative } from './wilcoxon.ts';

export interface PermutationOptions {
  /** Monte Carlo resamples (default 9999); exact enumeration when 2^n ≤ resamples */
  resamples?: number;
  alternative?: Alternative;
  seed?: number;
  /** level of the Clopper–Pearson interval for a Monte Carlo p-value (default 0.99) */
  pvalueConfidence?: number;
}

export interface PermutationResult {
  statistic: number;
  pvalue: number;
  alternative: Alternative;
  exact: boolean;
  /** size of the null distribution used */
  resamples: number;
  seed: number;
  /**
   * Monte Carlo uncertainty of the p-value: Clopper–Pearson interval for the permutation p-value
   * that infinitely many resamples would give ([p, p] when exact).
   */
  pvalueCI: [number, number];
}

const GAMMA_EPS = 1e-14;

/**
 * Permutation test over n pairs. `statistic(swap)` gets swap[i] = 1 where pair i's design labels
 * are exchanged (all zeros for the observed statistic) and must not keep the array.
 */
export function pairedPermutationTest(n: number, statistic: (swap: Uint8Array) => number, options: PermutationOptions = {}): PermutationResult {
  const requested = options.resamples ?? 9999;
  const alternative = options.alternative ?? 'two-sided';
  const seed = options.seed ?? 0;
  const level = options.pvalueConfidence ?? 0.99;
  checkResampleOptions(requested, level);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`pairedPermutationTest: need at least one pair, got n=${n}`);
  const swap = new Uint8Array(n);
  const observed = statistic(swap);
  const gamma = Math.max(GAMMA_EPS, Math.abs(GAMMA_EPS * observed));
  let nLess = 0, nGreater = 0, total = 0;
  const record = (v: number): void => {
    if (v <= observed + gamma) nLess++;
    if (v >= observed - gamma) nGreater++;
    total++;
  };
  const exact = n < 53 && 2 ** n <= requested;
  if (exact) {
    for (let mask = 0; mask < 2 ** n; mask++) {
      for (let i = 0; i < n; i++) swap[i] = Math.floor(mask / 2 ** i) % 2;
      record(statistic(swap));
    }
  } else {
    const rng = createRng(seed);
    for (let b = 0; b < requested; b++) {
      for (let i = 0; i < n; i += 32) {
        const bits = rng.uint32();
        for (let k = 0; k < 32 && i + k < n; k++) swap[i + k] = (bits >>> k) & 1;
      }
      record(statistic(swap));
    }
  }
  const adj = exact ? 0 : 1;
  const pLess = (nLess + adj) / (total + adj), pGreater = (nGreater + adj) / (total + adj);
  let pvalue: number;
  let ci: [number, number];
  if (alternative === 'less') { pvalue = pLess; ci = clopperPearson(nLess, total, level); }
  else if (alternative === 'greater') { pvalue = pGreater; ci = clopperPearson(nGreater, total, level); }
  else {
    pvalue = 2 * Math.min(pLess, pGreater);
    const c = clopperPearson(Math.min(nLess, nGreater), total, level);
    ci = [2 * c[0], 2 * c[1]];
  }
  pvalue = Math.min(1, Math.max(0, pvalue));
  if (exact) ci = [pvalue, pvalue];
  ci = [Math.min(1, ci[0]), Math.min(1, ci[1])];
  return { statistic: observed, pvalue, alternative, exact, resamples: total, seed, pvalueCI: ci };
}

/** Sign-flip test of the mean of paired differences d (= x − y), the permutation analogue of the t-test. */
export function signFlipTest(d: ArrayLike<number>, options: PermutationOptions = {}): PermutationResult {
  const n = d.length;
  for (let i = 0; i < n; i++) if (!Number.isFinite(d[i]!)) throw new RangeError(`signFlipTest: non-finite difference at index ${i}`);
  return pairedPermutationTest(n, (swap) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += swap[i] ? -d[i]! : d[i]!;
    return s / n;
  }, options);
}

/** Clopper–Pearson (exact binomial) interval for a proportion k/n at the given level. */
export function clopperPearson(k: number, n: number, level: number): [number, number] {
  const a = (1 - level) / 2;
  const lo = k === 0 ? 0 : betaIncInverse(a, k, n - k + 1);
  const hi = k === n ? 1 : betaIncInverse(1 - a, k + 1, n - k);
  return [lo, hi];
}
