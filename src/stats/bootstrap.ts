// Paired (case-resampling) bootstrap with a percentile confidence interval, generic over a
// statistic of the resampled indices: for STS one resamples sentence pairs and recomputes
// each design's Spearman rho on the same resample, so the pairing of designs is kept.
import { createRng } from '../util/random.ts';
import { quantileSorted, sampleSd } from './descriptive.ts';

export interface BootstrapOptions {
  /** number of bootstrap resamples (default 2000) */
  resamples?: number;
  /** two-sided confidence level (default 0.95) */
  confidence?: number;
  /** PRNG seed (default 0) */
  seed?: number;
}

export interface BootstrapResult {
  /** the statistic on the original sample */
  estimate: number;
  /** percentile interval [lower, upper] (numpy 'linear' percentiles, as scipy.stats.bootstrap) */
  ci: [number, number];
  /** standard deviation of the bootstrap distribution */
  se: number;
  confidence: number;
  resamples: number;
  seed: number;
  method: 'percentile';
  /** resamples whose statistic was NaN (e.g. a constant resample), left out of the interval */
  nanResamples: number;
}

export function checkResampleOptions(resamples: number, confidence?: number): void {
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (confidence !== undefined && !(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/**
 * Bootstrap of `statistic` over n paired observations. `statistic(indices)` receives n indices drawn
 * with replacement from 0..n−1 (the identity for the point estimate) and must not keep the array.
 */
export function pairedBootstrap(n: number, statistic: (indices: Int32Array) => number, options: BootstrapOptions = {}): BootstrapResult {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 0;
  checkResampleOptions(resamples, confidence);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`pairedBootstrap: need at least one observation, got n=${n}`);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const estimate = statistic(idx);
  const rng = createRng(seed);
  const dist: number[] = [];
  let nanResamples = 0;
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const v = statistic(idx);
    if (Number.isNaN(v)) nanResamples++; else dist.push(v);
  }
  const sorted = Float64Array.from(dist).sort();
  const alpha = (1 - confidence) / 2;
  const ci: [number, number] = sorted.length ? [quantileSorted(sorted, alpha), quantileSorted(sorted, 1 - alpha)] : [NaN, NaN];
  return { estimate, ci, se: sampleSd(sorted), confidence, resamples, seed, method: 'percentile', nanResamples };
}

/** Multiplicities of 0..n−1 in a resample (for statistics that work on weights, e.g. RankPool). */
export function countsOf(indices: Int32Array, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  out.fill(0);
  for (let i = 0; i < indices.length; i++) out[indices[i]!] += 1;
  return out;
}
