// Chance level of each task's main score: the score of a random scorer (embeddings that carry no
// information, so similarities, predictions and cluster assignments are random) on the same items,
// labels and judgements. Mean exact where a closed form exists, spread (sd) exact or simulated with a
// seeded PRNG. A design whose score does not clear chance mean + 2 sd (src/report/chance-level.ts)
// cannot be told apart from such a scorer.
//   Spearman (STS, Summarization)  mean 0; sd 1/√(n−1) (permutation moments, ties in the gold
//                                  included); a mean over documents: √(Σ 1/(mᵢ−1)) / D
//   accuracy (Classification)      a balanced few-shot fit on noise predicts each class equally
//                                  often: mean 1/K; sd √(p(1−p)/n) for one run over n test items
//   AP (PairClassification)        mean E[AP] of a random ranking of P positives among N (exact);
//                                  sd simulated
//   MAP (Reranking)                mean of the queries' E[AP]; sd simulated
//   nDCG@10 (Retrieval)            mean exact (each rank draws a uniformly random document); sd simulated
//   V-measure (Clustering)         k = number of labels, every item in a uniformly random cluster;
//                                  mean and sd simulated
import { averagePrecision } from './metrics/average-precision.ts';
import { vMeasure, type Label } from './metrics/v-measure.ts';
import { createRng, type Rng } from '../util/random.ts';
import { mean, sampleSd } from '../stats/descriptive.ts';

export interface Chance {
  /** expected main score of a random scorer */
  mean: number;
  /** its standard deviation over random scorers (one evaluation run) */
  sd: number;
  /** how mean and sd were obtained */
  method: string;
  /** simulated draws (0 when both are exact) */
  draws: number;
}

/** Simulated draws for the sd (and mean where no closed form is used). */
export const CHANCE_DRAWS = 500;
const SEED = 20240902;

function check(cond: boolean, msg: string): void {
  if (!cond) throw new RangeError(msg);
}

/** Spearman correlation with n pairs under a random ordering. */
export function spearmanChance(n: number): Chance {
  check(Number.isInteger(n) && n >= 3, `spearmanChance: need n >= 3 pairs, got ${n}`);
  return { mean: 0, sd: 1 / Math.sqrt(n - 1), method: 'exact: permutation mean 0, variance 1/(n-1)', draws: 0 };
}

/** Mean over documents of per-document Spearman correlations (m_i summaries each). */
export function meanSpearmanChance(sizes: readonly number[]): Chance {
  check(sizes.length > 0 && sizes.every((m) => Number.isInteger(m) && m >= 3), `meanSpearmanChance: every document needs >= 3 summaries, got ${JSON.stringify(sizes.slice(0, 5))}…`);
  const v = sizes.reduce((a, m) => a + 1 / (m - 1), 0) / (sizes.length * sizes.length);
  return { mean: 0, sd: Math.sqrt(v), method: 'exact: mean of independent per-document permutation Spearman (mean 0, variance 1/(m-1))', draws: 0 };
}

/** Accuracy of uniform random predictions over K classes on n test items. */
export function accuracyChance(nClasses: number, nTest: number): Chance {
  check(Number.isInteger(nClasses) && nClasses >= 2 && Number.isInteger(nTest) && nTest >= 1, `accuracyChance: need >= 2 classes and >= 1 test item, got ${nClasses}, ${nTest}`);
  const p = 1 / nClasses;
  return { mean: p, sd: Math.sqrt((p * (1 - p)) / nTest), method: 'exact: uniform predictions, mean 1/K, binomial sd of one run', draws: 0 };
}

/** E[AP] of a uniformly random ranking of N items with P positives (each positive's rank is
 *  uniform; given rank r, the precision there is (1 + (r−1)(P−1)/(N−1)) / r). */
export function expectedRandomAP(N: number, P: number): number {
  check(Number.isInteger(N) && Number.isInteger(P) && P >= 1 && P <= N, `expectedRandomAP: need 1 <= P <= N, got P=${P}, N=${N}`);
  if (N === 1) return 1;
  let h = 0;
  for (let r = 1; r <= N; r++) h += 1 / r;
  return (h + ((P - 1) / (N - 1)) * (N - h)) / N;
}

function randomScores(n: number, rng: Rng): Float64Array {
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = rng.next();
  return s;
}

/** AP of random scores for one labelled set (pair classification). */
export function averagePrecisionChance(labels: readonly number[], draws = CHANCE_DRAWS): Chance {
  const P = labels.filter((y) => y === 1).length;
  check(P >= 1, 'averagePrecisionChance: no positive label');
  const rng = createRng(SEED);
  const sims = Array.from({ length: draws }, () => averagePrecision(labels, randomScores(labels.length, rng)));
  return { mean: expectedRandomAP(labels.length, P), sd: sampleSd(sims), method: 'mean exact (random ranking), sd simulated', draws };
}

/** MAP over queries of random candidate scores (reranking); each query: [positives, negatives]. */
export function meanAveragePrecisionChance(queries: readonly { positives: number; negatives: number }[], draws = CHANCE_DRAWS): Chance {
  check(queries.length > 0 && queries.every((q) => q.positives >= 1), 'meanAveragePrecisionChance: every query needs a positive');
  const rng = createRng(SEED);
  const rel = queries.map((q) => Array.from({ length: q.positives + q.negatives }, (_, i) => (i < q.positives ? 1 : 0)));
  const sims = Array.from({ length: draws }, () => mean(rel.map((r) => averagePrecision(r, randomScores(r.length, rng)))));
  return { mean: mean(queries.map((q) => expectedRandomAP(q.positives + q.negatives, q.positives))), sd: sampleSd(sims), method: 'mean exact (random ranking per query), sd simulated', draws };
}

/** nDCG@k (linear gains, trec_eval) of a random ranking of a corpus of N documents, per query the
 *  positive grades of its judged documents; queries without a relevant document score 0. */
export function ndcgChance(queries: readonly number[][], corpusSize: number, k = 10, draws = CHANCE_DRAWS): Chance {
  check(queries.length > 0 && Number.isInteger(corpusSize) && corpusSize >= 1, 'ndcgChance: need queries and a corpus');
  const disc = (i: number) => 1 / Math.log2(i + 2);
  const cut = Math.min(k, corpusSize);
  let discSum = 0;
  for (let i = 0; i < cut; i++) discSum += disc(i);
  const idcg = queries.map((g) => [...g].filter((x) => x > 0).sort((a, b) => b - a).slice(0, k).reduce((a, x, i) => a + x * disc(i), 0));
  const exact = mean(queries.map((g, q) => (idcg[q] === 0 ? 0 : (discSum * g.reduce((a, x) => a + Math.max(0, x), 0)) / corpusSize / idcg[q]!)));
  // simulation: the top k of a random permutation; only judged documents (ids 0..m−1) gain
  const rng = createRng(SEED);
  const sims = Array.from({ length: draws }, () => mean(queries.map((g, q) => {
    if (idcg[q] === 0) return 0;
    const picked = new Set<number>();
    let dcg = 0;
    for (let i = 0; i < cut; i++) {
      let d = rng.int(corpusSize);
      while (picked.has(d)) d = rng.int(corpusSize);
      picked.add(d);
      if (d < g.length) dcg += Math.max(0, g[d]!) * disc(i);
    }
    return dcg / idcg[q]!;
  })));
  return { mean: exact, sd: sampleSd(sims), method: 'mean exact (random ranking), sd simulated', draws };
}

/** V-measure of a uniformly random assignment into k = number of labels clusters. */
export function vMeasureChance(labels: readonly Label[], draws = CHANCE_DRAWS): Chance {
  const k = new Set(labels).size;
  check(k >= 2, 'vMeasureChance: need at least 2 labels');
  const rng = createRng(SEED);
  const sims = Array.from({ length: draws }, () => vMeasure(labels, labels.map(() => rng.int(k))));
  return { mean: mean(sims), sd: sampleSd(sims), method: 'simulated: uniformly random clusters, k = number of labels', draws };
}
