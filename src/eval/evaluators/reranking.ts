// MTEB RerankingEvaluator: per query, score its candidates (positives then negatives) by cosine
// with the query, then AP (sklearn) and MRR@10 over that ranking; main score MAP. Queries without a
// positive or without a negative are skipped, as MTEB does.
import { rerankingAveragePrecision, rerankingMrrAtK } from '../metrics/reranking-metrics.ts';
import { cosineSimilarity } from '../metrics/similarity.ts';
import { mean } from '../../stats/descriptive.ts';
import { checkEmbeddings, type Embedding, type EvaluationResult } from './types.ts';

export interface RerankingInstance {
  id?: string;
  /** One query embedding, or several (then a candidate's score is its best cosine, as MTEB). */
  query: Embedding | readonly Embedding[];
  positive: readonly Embedding[];
  negative: readonly Embedding[];
}

export interface RerankingPerSample { ids: string[]; ap: number[]; mrr: number[]; skipped: string[] }

function queryList(q: Embedding | readonly Embedding[]): readonly Embedding[] {
  return typeof (q as ArrayLike<unknown>)[0] === 'number' ? [q as Embedding] : (q as readonly Embedding[]);
}

export function evaluateReranking(
  instances: readonly RerankingInstance[], options: { mrrAtK?: number } = {},
): EvaluationResult<RerankingPerSample> {
  const k = options.mrrAtK ?? 10;
  const ids: string[] = [], aps: number[] = [], mrrs: number[] = [], skipped: string[] = [];
  let dim: number | undefined;
  instances.forEach((inst, qi) => {
    const id = inst.id ?? String(qi);
    if (inst.positive.length === 0 || inst.negative.length === 0) { skipped.push(id); return; }
    const queries = queryList(inst.query);
    dim = checkEmbeddings('evaluateReranking', `instances[${qi}].query`, queries, dim);
    const candidates = [...inst.positive, ...inst.negative];
    checkEmbeddings('evaluateReranking', `instances[${qi}] candidates`, candidates, dim);
    const scores = candidates.map((c) => Math.max(...queries.map((q) => cosineSimilarity(q, c))));
    const relevant = candidates.map((_, i) => i < inst.positive.length);
    ids.push(id);
    aps.push(rerankingAveragePrecision(relevant, scores));
    mrrs.push(rerankingMrrAtK(relevant, scores, k));
  });
  if (ids.length === 0) throw new RangeError('evaluateReranking: no query has both a positive and a negative candidate');
  return {
    main_score: mean(aps),
    scores: { map: mean(aps), mrr: mean(mrrs), n_queries: ids.length, n_skipped: skipped.length },
    per_sample: { ids, ap: aps, mrr: mrrs, skipped },
  };
}
