// Reranking AP / MRR@10 against sklearn and a stable numpy argsort, and retrieval nDCG@k / recall@k /
// MRR@k against reference formulas written here in Python (trec_eval definitions: linear graded
// gains, ideal DCG from all judged relevant documents, ties broken by document id descending).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rerankingAveragePrecision, rerankingMrrAtK } from '../src/eval/metrics/reranking-metrics.ts';
import { mrrAtK, ndcgAtK, rankByScoreThenDocId, recallAtK } from '../src/eval/metrics/retrieval-metrics.ts';
import { createRng } from '../src/util/random.ts';
import { python } from './helpers.ts';

const TOL = 1e-9;
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= TOL, `${what}: ours ${a}, reference ${b}`);

const rng = createRng(99);
const K_VALUES = [1, 3, 5, 10, 20];

const rerank = Array.from({ length: 60 }, () => {
  const nPos = 1 + rng.int(4), nNeg = 1 + rng.int(25);
  const relevant = [...Array(nPos).fill(1), ...Array(nNeg).fill(0)] as number[];
  // coarse scores (many ties), positives slightly favoured
  const scores = relevant.map((r) => Math.round((rng.next() + 0.3 * r) * 6) / 6);
  return { relevant, scores };
});

const retrieval = Array.from({ length: 60 }, () => {
  const nDocs = 5 + rng.int(40);
  // ids whose string order differs from their numeric order ("d10" < "d9"), plus mixed prefixes
  const ids = Array.from({ length: nDocs }, (_, i) => (rng.next() < 0.2 ? `x${i}` : `d${i}`));
  const scores = ids.map(() => Math.round(rng.next() * 8) / 8);
  const qrels: Record<string, number> = {};
  for (const id of ids) { const u = rng.next(); if (u < 0.3) qrels[id] = 1 + rng.int(3); else if (u < 0.4) qrels[id] = 0; }
  // judged relevant documents that were not retrieved (they still count in the ideal DCG and recall)
  for (let e = rng.int(3); e > 0; e--) qrels[`missing${e}`] = 1 + rng.int(3);
  return { docs: ids.map((id, i) => ({ id, score: scores[i]! })), qrels };
});

const PY = `
import sys, json, math, numpy as np
from sklearn.metrics import average_precision_score
data = json.load(sys.stdin)
out_rr = []
for c in data['rerank']:
    s = np.array(c['scores']); rel = c['relevant']
    order = np.argsort(-s, kind='stable')
    mrr = 0.0
    for rank, idx in enumerate(order[:10]):
        if rel[idx]: mrr = 1.0 / (rank + 1); break
    out_rr.append({'ap': float(average_precision_score(rel, s)), 'mrr': mrr})
out_rt = []
for c in data['retrieval']:
    # score descending, then doc id descending (trec_eval comp_sim_docno)
    ranked = [d['id'] for d in sorted(c['docs'], key=lambda d: (d['score'], d['id']), reverse=True)]
    q = c['qrels']
    grades = sorted([g for g in q.values() if g > 0], reverse=True)
    res = {'ranking': ranked}
    for k in data['k']:
        dcg = sum((q.get(d, 0) if q.get(d, 0) > 0 else 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(grades[:k]))
        res['ndcg_%d' % k] = dcg / idcg if idcg > 0 else 0.0
        res['recall_%d' % k] = sum(1 for d in ranked[:k] if q.get(d, 0) > 0) / len(grades) if grades else 0.0
        res['mrr_%d' % k] = next((1.0 / (i + 1) for i, d in enumerate(ranked[:k]) if q.get(d, 0) > 0), 0.0)
    out_rt.append(res)
print(json.dumps({'rerank': out_rr, 'retrieval': out_rt}))
`;

const ref = python(PY, { rerank, retrieval, k: K_VALUES });

test('reranking AP and MRR@10 match sklearn / MTEB on tied scores; MAP and MRR means match', () => {
  let map = 0, mrr = 0, refMap = 0, refMrr = 0;
  rerank.forEach((c, i) => {
    const ap = rerankingAveragePrecision(c.relevant, c.scores), rr = rerankingMrrAtK(c.relevant, c.scores, 10);
    close(ap, ref.rerank[i].ap, `query ${i} AP`);
    close(rr, ref.rerank[i].mrr, `query ${i} MRR@10`);
    map += ap; mrr += rr; refMap += ref.rerank[i].ap; refMrr += ref.rerank[i].mrr;
  });
  close(map / rerank.length, refMap / rerank.length, 'MAP');
  close(mrr / rerank.length, refMrr / rerank.length, 'MRR@10');
});

test('ranking rule: score descending, ties by document id descending', () => {
  retrieval.forEach((c, i) => assert.deepEqual(rankByScoreThenDocId(c.docs).map((d) => d.id), ref.retrieval[i].ranking, `query ${i}`));
});

test('nDCG@k, recall@k and MRR@k match the reference formulas', () => {
  retrieval.forEach((c, i) => {
    const ranking = rankByScoreThenDocId(c.docs).map((d) => d.id);
    for (const k of K_VALUES) {
      close(ndcgAtK(ranking, c.qrels, k), ref.retrieval[i][`ndcg_${k}`], `query ${i} nDCG@${k}`);
      close(recallAtK(ranking, c.qrels, k), ref.retrieval[i][`recall_${k}`], `query ${i} recall@${k}`);
      close(mrrAtK(ranking, c.qrels, k), ref.retrieval[i][`mrr_${k}`], `query ${i} MRR@${k}`);
    }
  });
});

test('nDCG properties: perfect ranking gives 1, graded gains are linear', () => {
  assert.equal(ndcgAtK(['a', 'b', 'c'], { a: 3, b: 2, c: 1 }, 10), 1);
  // one grade-2 doc at rank 2: DCG = 2/log2(3); ideal = 2/log2(2) = 2
  close(ndcgAtK(['z', 'a'], { a: 2 }, 10), (2 / Math.log2(3)) / 2, 'single doc at rank 2');
  assert.equal(ndcgAtK(['a'], { a: 0 }, 10), 0);
  assert.throws(() => ndcgAtK(['a'], { a: 1 }, 0), /positive integer/);
  assert.throws(() => rankByScoreThenDocId([{ id: 'a', score: NaN }]), /non-finite/);
});
