// Reranking tasks: rank each query's candidates by similarity, scored by MAP. WikiQA test.
import { limitByTexts } from './sampling.ts';
import type { RerankingTask } from './types.ts';
import type { RerankingQuery } from '../../data/datasets/records.ts';
import { loadWikiQaSplit } from '../../data/datasets/reranking.ts';

/**
 * A limited reranking task: evenly spaced queries with all their candidates, as many as fit in
 * TEXTS_PER_LIMITED_ITEM × limit texts (see sampling.ts); every query when `limit` reaches their number.
 */
export function limitReranking(queries: RerankingQuery[], limit: number | undefined): RerankingQuery[] {
  return limitByTexts(queries, limit, (q) => 1 + q.positives.length + q.negatives.length);
}

export const WikiQA: RerankingTask = {
  name: 'WikiQA', category: 'Reranking', mainScore: 'map', instructed: 'queries',
  instruction: 'Given a question, retrieve Wikipedia sentences that answer the question',
  description: 'WikiQA test split (Yang et al., 2015): the 237 questions with at least one correct and one wrong candidate',
  license: 'Microsoft Research Data License, non-commercial',
  async load(opts) {
    const r = await loadWikiQaSplit('test');
    // MAP is undefined without positives and trivially 1 without negatives: MTEB keeps neither.
    const kept = r.queries.filter((q) => q.positives.length > 0 && q.negatives.length > 0);
    return { queries: limitReranking(kept, opts?.limit), quirks: r.quirks, files: r.files };
  },
};

export const rerankingTasks: RerankingTask[] = [WikiQA];
