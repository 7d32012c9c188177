// Per-query reranking metrics as MTEB's RerankingEvaluator: candidates (positives and negatives) are
// scored against the query; AP uses sklearn's average_precision_score, MRR@k the first relevant rank.
import { averagePrecision } from './average-precision.ts';
import { checkCutoff, checkFinite, checkSameLength } from './check.ts';

/**
 * Reciprocal rank of the first relevant candidate within the top k, 0 when none.
 * Candidates are ordered by score descending; tied scores keep candidate order (a stable sort;
 * MTEB's torch.argsort leaves ties unspecified, so ours is one fixed choice of it).
 */
export function rerankingMrrAtK(relevant: ArrayLike<boolean | number>, scores: ArrayLike<number>, k = 10): number {
  checkSameLength('rerankingMrrAtK', 'relevant', relevant, 'scores', scores);
  checkFinite('rerankingMrrAtK', 'scores', scores);
  checkCutoff('rerankingMrrAtK', k);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  for (let rank = 0; rank < Math.min(k, order.length); rank++) {
    const r = relevant[order[rank]!];
    if (r === true || r === 1) return 1 / (rank + 1);
  }
  return 0;
}

/** AP of one query's candidates (sklearn average_precision_score: ties form one threshold). */
export function rerankingAveragePrecision(relevant: ArrayLike<boolean | number>, scores: ArrayLike<number>): number {
  return averagePrecision(relevant, scores);
}
