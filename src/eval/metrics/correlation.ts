// Pearson and Spearman correlation, as scipy.stats.pearsonr / spearmanr compute them (float64).
import { checkFinite, checkMinLength, checkSameLength } from './check.ts';

/**
 * Ranks 1..n with ties given the average of the ranks they span
 * (scipy.stats.rankdata(method='average')).
 */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[order[j + 1]!] === x[order[i]!]) j++;
    const rank = (i + j) / 2 + 1; // mean of ranks i+1 .. j+1
    for (let t = i; t <= j; t++) ranks[order[t]!] = rank;
    i = j + 1;
  }
  return ranks;
}

/**
 * Pearson's r. NaN when either input is constant (as scipy, which warns and returns nan):
 * a correlation with a constant is undefined, and NaN propagates instead of posing as a number.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSameLength('pearson', 'x', x, 'y', y);
  checkMinLength('pearson', 'x', x, 2);
  checkFinite('pearson', 'x', x);
  checkFinite('pearson', 'y', y);
  const n = x.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]!; my += y[i]!; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / (Math.sqrt(sxx) * Math.sqrt(syy));
  return Math.max(-1, Math.min(1, r)); // rounding can step just outside [-1, 1]
}

/** Spearman's rho: Pearson's r of the average ranks (ties share the mean rank). NaN for constant input. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSameLength('spearman', 'x', x, 'y', y);
  checkFinite('spearman', 'x', x);
  checkFinite('spearman', 'y', y);
  return pearson(averageRanks(x), averageRanks(y));
}
