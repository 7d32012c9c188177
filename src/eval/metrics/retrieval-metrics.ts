// Per-query retrieval metrics with trec_eval's definitions (what pytrec_eval, hence MTEB, reports),
// plus MTEB's own MRR@k.
//
// Ranking rule (trec_eval's comp_sim_docno): score descending, ties broken by document id in
// DESCENDING string order (JS code-unit comparison; equal to trec_eval's strcmp for ASCII ids).
import { checkCutoff } from './check.ts';

/** Relevance judgements of one query: document id → grade (> 0 relevant, ≤ 0 judged non-relevant). */
export type Qrels = Readonly<Record<string, number>>;

export interface ScoredDoc { id: string; score: number }

/** Sort by score descending, then doc id descending (trec_eval's tie rule). Returns a new array. */
export function rankByScoreThenDocId(docs: readonly ScoredDoc[]): ScoredDoc[] {
  for (const d of docs) {
    if (!Number.isFinite(d.score)) throw new RangeError(`rankByScoreThenDocId: document '${d.id}' has a non-finite score (${d.score})`);
  }
  return [...docs].sort((a, b) => (b.score - a.score) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

function gain(qrels: Qrels, id: string): number {
  if (!Object.hasOwn(qrels, id)) return 0; // unjudged (and never an inherited key like 'constructor')
  const g = qrels[id]!;
  return g > 0 ? g : 0;
}

/**
 * nDCG@k (trec_eval ndcg_cut.k): DCG = Σ_{rank=1..k} grade / log2(rank + 1) with linear gains
 * (the relevance grade; unjudged and non-positive grades gain 0); the ideal DCG sorts the grades of
 * ALL judged relevant documents of the query, cut at k. 0 when the query has no relevant document.
 * `ranking` must already be in rank order (see rankByScoreThenDocId).
 */
export function ndcgAtK(ranking: readonly string[], qrels: Qrels, k: number): number {
  checkCutoff('ndcgAtK', k);
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) dcg += gain(qrels, ranking[i]!) / Math.log2(i + 2);
  const ideal = Object.values(qrels).filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i]! / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** recall@k (trec_eval recall.k): relevant documents in the top k / all relevant documents; 0 without any. */
export function recallAtK(ranking: readonly string[], qrels: Qrels, k: number): number {
  checkCutoff('recallAtK', k);
  let numRel = 0;
  for (const g of Object.values(qrels)) if (g > 0) numRel++;
  if (numRel === 0) return 0;
  let hit = 0;
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (gain(qrels, ranking[i]!) > 0) hit++;
  return hit / numRel;
}

/** MRR@k (MTEB's mrr): 1 / rank of the first document with grade > 0 in the top k, else 0. */
export function mrrAtK(ranking: readonly string[], qrels: Qrels, k: number): number {
  checkCutoff('mrrAtK', k);
  for (let i = 0; i < Math.min(k, ranking.length); i++) if (gain(qrels, ranking[i]!) > 0) return 1 / (i + 1);
  return 0;
}
