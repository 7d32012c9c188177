// What a paired test over items could have found: its minimum detectable difference (MDD) and the
// smallest p-value its permutation null distribution allows.
//   MDD at power 1 − β, two-sided level α: (z_{1−α/2} + z_{1−β}) × SE, SE the bootstrap standard
//     error of the paired statistic (normal approximation: a true difference of MDD is detected with
//     probability 1 − β). At α = 0.05 and 80% power the factor is 1.95996 + 0.84162 = 2.80159.
//   smallest p of the two-sided paired permutation test (src/stats/permutation.ts, scipy semantics):
//     only the n_eff items whose swap changes the statistic (a non-zero difference) can move it, and at
//     best the observed assignment and its 2^(n − n_eff) equivalents are the only ones as extreme on
//     one side, so the exact test cannot go below 2 · 2^(n − n_eff) / 2^n = 2^(1 − n_eff); a Monte
//     Carlo test with R resamples cannot go below 2 / (R + 1) (and estimates a p whose floor is
//     2^(1 − n_eff)). Both clipped to 1.
//   Holm can only reject a test whose p is below α / m (m tests in the family): a test whose smallest
//     attainable p is not below that cannot survive Holm, whatever the data.
import { normalCdf } from './special.ts';

/** Standard normal quantile (bisection on normalCdf: |error| < 1e-12 for p in [1e-12, 1 − 1e-12]). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  let lo = -40, hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-14; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/** (z_{1−α/2} + z_{power}): the multiple of the standard error a two-sided test detects with that power. */
export function mddFactor(alpha = 0.05, power = 0.8): number {
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) throw new RangeError(`mddFactor: alpha and power must be in (0, 1), got ${alpha}, ${power}`);
  return normalQuantile(1 - alpha / 2) + normalQuantile(power);
}

/** Minimum detectable difference at `power` (default 0.8), two-sided `alpha` (default 0.05), from a
 *  standard error; null when the standard error is not positive (paired differences without any
 *  variation, e.g. two designs with the same answer on every item: the bootstrap has nothing to measure). */
export function minimumDetectableDifference(se: number, alpha = 0.05, power = 0.8): number | null {
  return Number.isFinite(se) && se > 0 ? mddFactor(alpha, power) * se : null;
}

/** The smallest two-sided p the paired permutation test can give (see above). */
export function minPermutationP(opts: { nEffective: number; exact: boolean; resamples: number }): number {
  const { nEffective, exact, resamples } = opts;
  if (!Number.isInteger(nEffective) || nEffective < 0) throw new RangeError(`minPermutationP: nEffective must be a non-negative integer, got ${nEffective}`);
  const floor = Math.min(1, 2 ** (1 - nEffective));
  return exact ? floor : Math.min(1, Math.max(floor, 2 / (resamples + 1)));
}

/** Holm's first (smallest) threshold α / m, and whether a test whose p cannot go below `minP` can pass it. */
export function canReachHolm(minP: number, m: number, alpha = 0.05): { threshold: number; reachable: boolean } {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`canReachHolm: m must be a positive integer, got ${m}`);
  const threshold = alpha / m;
  return { threshold, reachable: minP < threshold };
}
