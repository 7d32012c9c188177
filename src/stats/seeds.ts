// Seed-to-seed variation: summaries of repeated training runs and a t-test of a design difference
// against that variation. The paper trained each design once; with several seeds per design one can
// ask whether two designs differ by more than reruns of the same design do. The seeds are paired:
// seed s gives every design the same triple order and the same initialisation seed, so the test
// is the paired t-test over seeds (scipy.stats.ttest_rel); Welch's unpaired test stays for
// unpaired samples.
import { mean, sampleSd, sampleVariance } from './descriptive.ts';
import { studentTCdf, studentTSf } from './special.ts';
import type { Alternative } from './wilcoxon.ts';

export interface SeedSummary {
  n: number;
  mean: number;
  /** sample standard deviation (n − 1); NaN for a single seed */
  sd: number;
  values: number[];
}

export function summarizeSeeds(values: readonly number[]): SeedSummary {
  return { n: values.length, mean: mean(values), sd: sampleSd(values), values: [...values] };
}

export interface WelchResult {
  statistic: number;
  df: number;
  pvalue: number;
  /** mean(a) − mean(b) */
  difference: number;
}

/**
 * Welch's unequal-variance t-test of mean(a) − mean(b), as scipy.stats.ttest_ind(a, b,
 * equal_var=False). Needs two values per group; NaN results when both groups have zero variance.
 */
export function welchTTest(a: readonly number[], b: readonly number[], alternative: Alternative = 'two-sided'): WelchResult {
  if (a.length < 2 || b.length < 2) throw new RangeError(`welchTTest: need at least 2 values per group, got ${a.length} and ${b.length}`);
  for (const v of [...a, ...b]) if (!Number.isFinite(v)) throw new RangeError(`welchTTest: non-finite value ${v}`);
  const va = sampleVariance(a) / a.length, vb = sampleVariance(b) / b.length;
  const difference = mean(a) - mean(b);
  const se2 = va + vb;
  if (se2 === 0) return { statistic: NaN, df: NaN, pvalue: NaN, difference };
  const t = difference / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const pvalue = alternative === 'two-sided' ? Math.min(1, 2 * studentTSf(Math.abs(t), df))
    : alternative === 'greater' ? studentTSf(t, df) : studentTCdf(t, df);
  return { statistic: t, df, pvalue, difference };
}

export interface PairedTTestResult {
  statistic: number;
  /** n − 1 */
  df: number;
  pvalue: number;
  /** mean of a − b */
  difference: number;
  /** pairs */
  n: number;
  method: 'paired t';
}

/**
 * Paired t-test of mean(a − b) = 0, as scipy.stats.ttest_rel(a, b): a[i] and b[i] come from the
 * same seed. Needs two pairs; zero variance of the differences follows scipy (NaN when all are 0, else ±∞ and p = 0).
 */
export function pairedTTest(a: readonly number[], b: readonly number[], alternative: Alternative = 'two-sided'): PairedTTestResult {
  if (a.length !== b.length) throw new RangeError(`pairedTTest: ${a.length} and ${b.length} values; the seeds must pair up`);
  if (a.length < 2) throw new RangeError(`pairedTTest: need at least 2 pairs, got ${a.length}`);
  for (const v of [...a, ...b]) if (!Number.isFinite(v)) throw new RangeError(`pairedTTest: non-finite value ${v}`);
  const d = a.map((x, i) => x - b[i]!);
  const n = d.length, difference = mean(d), se2 = sampleVariance(d) / n;
  // as scipy: no difference at all → NaN; the same non-zero difference every seed → t = ±∞, p = 0
  if (se2 === 0 && difference === 0) return { statistic: NaN, df: n - 1, pvalue: NaN, difference, n, method: 'paired t' };
  if (se2 === 0) {
    const up = difference > 0;
    const pvalue = alternative === 'two-sided' ? 0 : alternative === 'greater' ? (up ? 0 : 1) : (up ? 1 : 0);
    return { statistic: up ? Infinity : -Infinity, df: n - 1, pvalue, difference, n, method: 'paired t' };
  }
  const t = difference / Math.sqrt(se2), df = n - 1;
  const pvalue = alternative === 'two-sided' ? Math.min(1, 2 * studentTSf(Math.abs(t), df))
    : alternative === 'greater' ? studentTSf(t, df) : studentTCdf(t, df);
  return { statistic: t, df, pvalue, difference, n, method: 'paired t' };
}
