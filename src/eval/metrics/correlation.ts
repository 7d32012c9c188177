// Pearson and Spearman correlation, as scipy.stats.pearsonr / spearmanr compute them (float64): the
// project's one pearson/spearman (the resampling tests' weighted form is stats/correlation.ts).
import { rankAverage } from '../../stats/ranks.ts';
import { checkFinite, checkMinLength, checkSameLength } from './check.ts';

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
  return pearson(rankAverage(x), rankAverage(y));
}
