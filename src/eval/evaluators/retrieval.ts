// MTEB RetrievalEvaluator (dense exact search): rank the whole corpus for each query by cosine,
// keep the top max(k) documents, and score with trec_eval's nDCG@k and recall@k and MTEB's MRR@k.
// Ties in score are broken by document id, descending (trec_eval's rule; see retrieval-metrics.ts).
import { mrrAtK, ndcgAtK, rankByScoreThenDocId, recallAtK, type Qrels } from '../metrics/retrieval-metrics.ts';
import { unitRows } from '../metrics/similarity.ts';
import { mean } from '../../stats/descriptive.ts';
import { checkEmbeddings, type Embedding, type EvaluationResult } from './types.ts';

export interface RetrievalOptions {
  /** Cutoffs reported (default MTEB's 1, 3, 5, 10, 100, 1000); 10 and 100 are always added (main score, per_sample). */
  kValues?: number[];
  /** Drop a document whose id equals the query id (BEIR/MTEB option for corpora that contain the queries). */
  ignoreIdenticalIds?: boolean;
}

export interface RetrievalPerSample { ids: string[]; ndcg_at_10: number[]; recall_at_100: number[]; mrr_at_10: number[] }

/**
 * Queries evaluated: those present in both `queries` and `qrels` (as pytrec_eval, whose per-query
 * results MTEB averages). qrels: query id → (document id → relevance grade).
 */
export function evaluateRetrieval(
  queries: { ids: readonly string[]; embeddings: readonly Embedding[] },
  corpus: { ids: readonly string[]; embeddings: readonly Embedding[] },
  qrels: Readonly<Record<string, Qrels>>,
  options: RetrievalOptions = {},
): EvaluationResult<RetrievalPerSample> {
  const fn = 'evaluateRetrieval';
  if (queries.ids.length !== queries.embeddings.length) throw new RangeError(`${fn}: ${queries.ids.length} query ids but ${queries.embeddings.length} query embeddings`);
  if (corpus.ids.length !== corpus.embeddings.length) throw new RangeError(`${fn}: ${corpus.ids.length} document ids but ${corpus.embeddings.length} document embeddings`);
  if (new Set(corpus.ids).size !== corpus.ids.length) throw new RangeError(`${fn}: corpus ids are not unique`);
  if (new Set(queries.ids).size !== queries.ids.length) throw new RangeError(`${fn}: query ids are not unique`);
  const d = checkEmbeddings(fn, 'corpus.embeddings', corpus.embeddings);
  checkEmbeddings(fn, 'queries.embeddings', queries.embeddings, d);
  const kValues = [...new Set([...(options.kValues ?? [1, 3, 5, 10, 100, 1000]), 10, 100])].sort((a, b) => a - b);
  for (const k of kValues) if (!Number.isInteger(k) || k < 1) throw new RangeError(`${fn}: kValues must be positive integers, got ${k}`);
  const maxK = kValues[kValues.length - 1]!;

  const docs = unitRows(corpus.embeddings);
  const nDocs = docs.length;
  const docScores = new Float64Array(nDocs);
  const sums = new Map<string, number>();
  const per: RetrievalPerSample = { ids: [], ndcg_at_10: [], recall_at_100: [], mrr_at_10: [] };
  const qUnit = unitRows(queries.embeddings);
  const embedded = new Set(queries.ids);
  const judgedNotEmbedded = Object.keys(qrels).filter((q) => !embedded.has(q)).length;
  queries.ids.forEach((qid, qi) => {
    if (!Object.hasOwn(qrels, qid)) return;
    const judged = qrels[qid]!;
    const q = qUnit[qi]!;
    for (let j = 0; j < nDocs; j++) {
      const dv = docs[j]!;
      let s = 0;
      for (let t = 0; t < d; t++) s += q[t]! * dv[t]!;
      docScores[j] = s;
    }
    // The maxK-th largest score bounds the candidates; all documents tied with it stay in, so the
    // id tie rule, not chance, decides who makes the cut.
    let candidates: number[];
    if (nDocs > maxK) {
      const sorted = Float64Array.from(docScores).sort();
      const bound = sorted[nDocs - maxK - (options.ignoreIdenticalIds ? 1 : 0)] ?? -Infinity;
      candidates = [];
      for (let j = 0; j < nDocs; j++) if (docScores[j]! >= bound) candidates.push(j);
    } else candidates = Array.from({ length: nDocs }, (_, j) => j);
    let ranked = rankByScoreThenDocId(candidates.map((j) => ({ id: corpus.ids[j]!, score: docScores[j]! })));
    if (options.ignoreIdenticalIds) ranked = ranked.filter((r) => r.id !== qid);
    const ranking = ranked.slice(0, maxK).map((r) => r.id);
    for (const k of kValues) {
      const add = (name: string, v: number) => sums.set(name, (sums.get(name) ?? 0) + v);
      add(`ndcg_at_${k}`, ndcgAtK(ranking, judged, k));
      add(`recall_at_${k}`, recallAtK(ranking, judged, k));
      add(`mrr_at_${k}`, mrrAtK(ranking, judged, k));
    }
    per.ids.push(qid);
    per.ndcg_at_10.push(ndcgAtK(ranking, judged, 10));
    per.recall_at_100.push(recallAtK(ranking, judged, 100));
    per.mrr_at_10.push(mrrAtK(ranking, judged, 10));
  });
  if (per.ids.length === 0) throw new RangeError(`${fn}: no query id appears in both queries and qrels`);
  const scores: Record<string, number> = {};
  for (const [name, s] of sums) scores[name] = s / per.ids.length;
  scores.n_queries = per.ids.length;
  // judged queries that were not embedded are left out (as pytrec_eval does); counted so it shows
  scores.n_judged_queries_missing = judgedNotEmbedded;
  return { main_score: mean(per.ndcg_at_10), scores, per_sample: per };
}
