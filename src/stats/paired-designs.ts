// Per-sample paired comparison of two designs on one dataset, over one or more training seeds.
// Two kinds of per-sample data:
// - 'values': one score per sample (e.g. per-query nDCG@10, per-item accuracy); the dataset
//   score is their mean, so the paired statistic is the mean difference, tested by sign flips.
// - 'sts': a predicted similarity per pair and the gold score; the dataset score is Spearman's
//   rho, which does not decompose over pairs, so the bootstrap resamples pairs and recomputes
//   both designs' rho, and the permutation test swaps the two designs' predictions per pair.
// With several seeds, seed s of one design is paired with seed s of the other (seeds common to
// both are used) and the statistic is the mean over those seeds; resampling and swapping act on
// samples jointly across seeds, so the seed-to-seed variation stays inside the statistic.
import { RankPool, weightedPearson } from './correlation.ts';
import { countsOf, pairedBootstrap, type BootstrapOptions, type BootstrapResult } from './bootstrap.ts';
import { pairedPermutationTest, type PermutationOptions, type PermutationResult } from './permutation.ts';
import { matchedPairsRankBiserial, medianDifference } from './effect-size.ts';

export type PairedData =
  | { kind: 'values'; a: number[][]; b: number[][] }
  | { kind: 'sts'; a: number[][]; b: number[][]; gold: number[] };

export interface PairedComparison {
  kind: 'values' | 'sts';
  /** 'mean difference' or 'Spearman difference' */
  statistic: string;
  nSamples: number;
  nSeeds: number;
  /** samples whose swap changes the statistic (non-zero difference in some seed): the permutation
   *  test's smallest attainable p depends on these only (src/stats/power.ts) */
  nInformative: number;
  bootstrap: BootstrapResult;
  permutation: PermutationResult;
  /** values only: effect sizes on the seed-averaged per-sample differences */
  medianDifference?: BootstrapResult;
  rankBiserial?: number;
}

function checkShape(data: PairedData): { n: number; seeds: number } {
  const seeds = Math.min(data.a.length, data.b.length);
  if (seeds === 0) throw new RangeError('paired comparison: each design needs at least one seed');
  const n = data.a[0]!.length;
  for (const v of [...data.a.slice(0, seeds), ...data.b.slice(0, seeds)]) {
    if (v.length !== n) throw new RangeError(`paired comparison: per-sample lengths differ (${v.length} vs ${n})`);
    v.forEach((x, i) => { if (!Number.isFinite(x)) throw new RangeError(`paired comparison: non-finite per-sample value at index ${i}`); });
  }
  if (data.kind === 'sts' && data.gold.length !== n) throw new RangeError(`paired comparison: gold has ${data.gold.length} values, predictions ${n}`);
  if (n < 2) throw new RangeError('paired comparison: need at least 2 samples');
  return { n, seeds };
}

/** Seed-averaged per-sample differences a − b for 'values' data (seeds paired by index). */
export function perSampleDifferences(a: number[][], b: number[][]): number[] {
  const seeds = Math.min(a.length, b.length), n = a[0]!.length;
  const d = new Array<number>(n).fill(0);
  for (let s = 0; s < seeds; s++) for (let i = 0; i < n; i++) d[i]! += (a[s]![i]! - b[s]![i]!) / seeds;
  return d;
}

export function comparePaired(data: PairedData, boot: BootstrapOptions = {}, perm: PermutationOptions = {}): PairedComparison {
  const { n, seeds } = checkShape(data);
  if (data.kind === 'values') {
    const d = perSampleDifferences(data.a, data.b);
    const bootstrap = pairedBootstrap(n, (idx) => { let s = 0; for (let i = 0; i < n; i++) s += d[idx[i]!]!; return s / n; }, boot);
    const permutation = pairedPermutationTest(n, (swap) => { let s = 0; for (let i = 0; i < n; i++) s += swap[i] ? -d[i]! : d[i]!; return s / n; }, perm);
    return {
      kind: 'values', statistic: 'mean difference', nSamples: n, nSeeds: seeds, nInformative: d.filter((x) => x !== 0).length, bootstrap, permutation,
      medianDifference: medianDifference(d, null, boot), rankBiserial: matchedPairsRankBiserial(d),
    };
  }
  const gold = data.gold;
  const goldPool = new RankPool(gold);
  // Bootstrap: rho of each design on the same resampled pairs, via multiplicities (no re-sorting).
  const poolsA = data.a.slice(0, seeds).map((v) => new RankPool(v));
  const poolsB = data.b.slice(0, seeds).map((v) => new RankPool(v));
  const w = new Float64Array(n), rg = new Float64Array(n), rp = new Float64Array(n);
  const bootStat = (idx: Int32Array): number => {
    countsOf(idx, n, w);
    goldPool.ranks(w, rg);
    let s = 0;
    for (let k = 0; k < seeds; k++) {
      s += weightedPearson(poolsA[k]!.ranks(w, rp), rg, w);
      s -= weightedPearson(poolsB[k]!.ranks(w, rp), rg, w);
    }
    return s / seeds;
  };
  const bootstrap = pairedBootstrap(n, bootStat, boot);
  // Permutation: a pool of both designs' 2n predictions per seed; a swap picks which half is "a".
  const goldRanks = goldPool.ranks(new Float64Array(n).fill(1));
  const gold2 = Float64Array.from([...goldRanks, ...goldRanks]);
  const joint = data.a.slice(0, seeds).map((va, k) => new RankPool([...va, ...data.b[k]!]));
  const selA = new Float64Array(2 * n), selB = new Float64Array(2 * n), r2 = new Float64Array(2 * n);
  const permStat = (swap: Uint8Array): number => {
    for (let i = 0; i < n; i++) { selA[i] = 1 - swap[i]!; selA[n + i] = swap[i]!; selB[i] = swap[i]!; selB[n + i] = 1 - swap[i]!; }
    let s = 0;
    for (let k = 0; k < seeds; k++) {
      s += weightedPearson(joint[k]!.ranks(selA, r2), gold2, selA);
      s -= weightedPearson(joint[k]!.ranks(selB, r2), gold2, selB);
    }
    return s / seeds;
  };
  const permutation = pairedPermutationTest(n, permStat, perm);
  let nInformative = 0;
  for (let i = 0; i < n; i++) if (data.a.slice(0, seeds).some((va, k) => va[i] !== data.b[k]![i])) nInformative++;
  return { kind: 'sts', statistic: 'Spearman difference', nSamples: n, nSeeds: seeds, nInformative, bootstrap, permutation };
}
