// Each MTEB-style evaluator against a Python reference that follows MTEB's evaluator code with
// scipy / scikit-learn, on generated embeddings (float32, not normalised, with duplicated items so
// that scores tie). Deterministic parts agree to 1e-9; the seeded parts (classification sampling,
// k-means) are checked against sklearn on the same samples or within seed-to-seed noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateSTS } from '../src/eval/evaluators/sts.ts';
import { evaluatePairClassification } from '../src/eval/evaluators/pair-classification.ts';
import { evaluateReranking, type RerankingInstance } from '../src/eval/evaluators/reranking.ts';
import { evaluateRetrieval } from '../src/eval/evaluators/retrieval.ts';
import { evaluateSummarization, type SummarizationDocument } from '../src/eval/evaluators/summarization.ts';
import { evaluateClassification } from '../src/eval/evaluators/classification.ts';
import { evaluateClustering } from '../src/eval/evaluators/clustering.ts';
import { createRng } from '../src/util/random.ts';
import { python } from './helpers.ts';

const TOL = 1e-9;
const close = (a: number, b: number, what: string, tol = TOL) => assert.ok(Math.abs(a - b) <= tol, `${what}: ours ${a}, reference ${b}`);

const rng = createRng(31337);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const vec = (dim: number, scale = 1, base?: ArrayLike<number>) =>
  Float32Array.from({ length: dim }, (_, j) => (base ? base[j]! : 0.5) + scale * gaussian());
const arr = (rows: readonly ArrayLike<number>[]) => rows.map((r) => Array.from(r));
const DIM = 24;

// --- STS and pair classification: pairs whose similarity follows a gold score; some pairs repeated
const stsPairs = Array.from({ length: 120 }, () => {
  const gold = rng.int(11) / 2; // 0..5 in halves: many tied gold scores
  const a = vec(DIM);
  return { a, b: vec(DIM, 1.6 - gold * 0.3, a), gold };
});
for (let i = 0; i < 15; i++) stsPairs.push({ ...stsPairs[i]! }); // identical pairs → tied cosines
const pairLabels = stsPairs.map((p) => (p.gold >= 2.5 ? 1 : 0));

// --- reranking: queries with positives near them, one query with several sub-queries, one skipped
const rerankInstances: RerankingInstance[] = Array.from({ length: 25 }, (_, qi) => {
  const q = vec(DIM);
  const nPos = 1 + rng.int(3), nNeg = 2 + rng.int(12);
  const positive = Array.from({ length: nPos }, () => vec(DIM, 1.2, q));
  const negative = Array.from({ length: nNeg }, () => vec(DIM, 1.5));
  if (qi % 5 === 0) negative.push(positive[0]!); // a negative identical to a positive: tied scores
  return { id: `q${qi}`, query: qi === 3 ? [q, vec(DIM)] : q, positive, negative };
});
rerankInstances.push({ id: 'no-negatives', query: vec(DIM), positive: [vec(DIM)], negative: [] });

// --- retrieval: a corpus with duplicated documents under different ids, graded qrels
const corpusEmb: Float32Array[] = [], corpusIds: string[] = [];
for (let i = 0; i < 300; i++) { corpusEmb.push(vec(DIM, 1.3)); corpusIds.push(`doc${i}`); }
for (let i = 0; i < 40; i++) { corpusEmb.push(corpusEmb[i * 3]!); corpusIds.push(`dup${i}`); }
const queryEmb: Float32Array[] = [], queryIds: string[] = [];
const qrels: Record<string, Record<string, number>> = {};
for (let q = 0; q < 40; q++) {
  const target = rng.int(120);
  queryEmb.push(vec(DIM, 0.9, corpusEmb[target]!));
  queryIds.push(`query${q}`);
  const judged: Record<string, number> = { [corpusIds[target]!]: 1 + rng.int(3) };
  for (let e = 0; e < 3; e++) judged[corpusIds[rng.int(corpusIds.length)]!] = rng.int(3); // some grade 0
  qrels[`query${q}`] = judged;
}
queryEmb.push(vec(DIM)); queryIds.push('unjudged-query'); // not in qrels: not evaluated

// --- summarization: several references per document; one document with constant human scores
const summDocs: SummarizationDocument[] = Array.from({ length: 12 }, (_, di) => {
  const ref = vec(DIM);
  const nSum = 6 + rng.int(6);
  const quality = Array.from({ length: nSum }, () => rng.int(5) + 1);
  const summaries = quality.map((qq) => vec(DIM, 2.2 - 0.35 * qq, ref));
  const references = Array.from({ length: di % 3 === 0 ? 1 : 3 }, (_, r) => (r === 0 ? ref : vec(DIM, 1.0, ref)));
  return { id: `doc${di}`, references, summaries, humanScores: di === 4 ? quality.map(() => 3) : quality };
});

const PY = `
import sys, json, numpy as np, math, warnings
from scipy.stats import spearmanr, pearsonr
from sklearn.metrics import average_precision_score
from sklearn.metrics.pairwise import paired_cosine_distances, paired_euclidean_distances, paired_manhattan_distances
warnings.simplefilter('ignore')
D = json.load(sys.stdin)
out = {}
# STS (MTEB STSEvaluator)
# float32 inputs, float64 arithmetic (as our evaluators; sklearn would otherwise compute in float32)
e1 = np.array(D['sts']['e1'], dtype=np.float32).astype(np.float64); e2 = np.array(D['sts']['e2'], dtype=np.float32).astype(np.float64); gold = D['sts']['gold']
cos = 1 - paired_cosine_distances(e1, e2); euc = -paired_euclidean_distances(e1, e2); man = -paired_manhattan_distances(e1, e2)
dot = np.array([float(np.dot(a.astype(np.float64), b.astype(np.float64))) for a, b in zip(e1, e2)])
out['sts'] = {}
for name, s in [('cos_sim', cos), ('euclidean', euc), ('manhattan', man), ('dot', dot)]:
    out['sts'][name + '.spearman'] = float(spearmanr(gold, s).correlation); out['sts'][name + '.pearson'] = float(pearsonr(gold, s)[0])
# PairClassification (MTEB PairClassificationEvaluator._compute_metrics)
def best_acc(scores, labels, hi):
    rows = sorted(list(zip(scores, labels)), key=lambda x: x[0], reverse=hi)
    max_acc, best_t, pos, neg = 0, -1, 0, sum(np.array(labels) == 0)
    for i in range(len(rows) - 1):
        if rows[i][1] == 1: pos += 1
        else: neg -= 1
        acc = (pos + neg) / len(labels)
        if acc > max_acc: max_acc, best_t = acc, (rows[i][0] + rows[i + 1][0]) / 2
    return max_acc, best_t
def best_f1(scores, labels, hi):
    rows = sorted(list(zip(scores, labels)), key=lambda x: x[0], reverse=hi)
    bf, bp, br, t, nx, nc, tot = 0, 0, 0, 0, 0, 0, sum(labels)
    for i in range(len(rows) - 1):
        nx += 1
        if rows[i][1] == 1: nc += 1
        if nc > 0:
            p = nc / nx; r = nc / tot; f = 2 * p * r / (p + r)
            if f > bf: bf, bp, br, t = f, p, r, (rows[i][0] + rows[i + 1][0]) / 2
    return bf, bp, br, t
labels = D['pairLabels']; out['pair'] = {}
for name, s, hi in [('cos_sim', cos, True), ('manhattan', -man, False), ('euclidean', -euc, False), ('dot', dot, True)]:
    s = [float(v) for v in s]
    a, at = best_acc(s, labels, hi); f, p, r, ft = best_f1(s, labels, hi)
    ap = average_precision_score(labels, np.array(s) * (1 if hi else -1))
    out['pair'].update({name + '.accuracy': a, name + '.accuracy_threshold': at, name + '.f1': f, name + '.f1_threshold': ft,
                        name + '.precision': p, name + '.recall': r, name + '.ap': float(ap)})
out['pair']['max_ap'] = max(out['pair'][n + '.ap'] for n in ['cos_sim', 'manhattan', 'euclidean', 'dot'])
# Reranking (MTEB RerankingEvaluator)
def cos_matrix(a, b):
    a = np.array(a, dtype=np.float64); b = np.array(b, dtype=np.float64)
    a = a / np.linalg.norm(a, axis=1, keepdims=True); b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a[:, None, :] * b[None, :, :]).sum(axis=-1)  # not BLAS: identical vectors must give identical scores
aps, mrrs = [], []
for inst in D['rerank']:
    if not inst['positive'] or not inst['negative']: continue
    docs = inst['positive'] + inst['negative']; rel = [True] * len(inst['positive']) + [False] * len(inst['negative'])
    s = cos_matrix(inst['query'], docs).max(axis=0)
    order = np.argsort(-s, kind='stable'); mrr = 0
    for rank, idx in enumerate(order[:10]):
        if rel[idx]: mrr = 1 / (rank + 1); break
    aps.append(float(average_precision_score(rel, s))); mrrs.append(mrr)
out['rerank'] = {'map': float(np.mean(aps)), 'mrr': float(np.mean(mrrs)), 'ap': aps}
# Retrieval (dense exact search + trec_eval definitions, ties by doc id descending)
R = D['retrieval']; S = cos_matrix(R['q'], R['c']); per = []; sums = {}
for qi, qid in enumerate(R['qids']):
    if qid not in R['qrels']: continue
    q = R['qrels'][qid]
    ranked = [d for _, d in sorted(zip(S[qi].tolist(), R['cids']), reverse=True)][:R['maxK']]
    grades = sorted([g for g in q.values() if g > 0], reverse=True)
    for k in R['k']:
        dcg = sum(max(q.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(grades[:k]))
        vals = {'ndcg_at_%d' % k: dcg / idcg if idcg > 0 else 0.0,
                'recall_at_%d' % k: sum(1 for d in ranked[:k] if q.get(d, 0) > 0) / len(grades) if grades else 0.0,
                'mrr_at_%d' % k: next((1 / (i + 1) for i, d in enumerate(ranked[:k]) if q.get(d, 0) > 0), 0.0)}
        for n, v in vals.items(): sums[n] = sums.get(n, 0) + v
        if k == 10: per.append(vals['ndcg_at_10'])
out['retrieval'] = {n: v / len(per) for n, v in sums.items()}; out['retrieval']['per'] = per
# Summarization (MTEB SummarizationEvaluator: max cosine over references, skip constant scores)
cs, cp, ds, dp, per_s = [], [], [], [], []
for doc in D['summ']:
    hs = doc['human']; C = cos_matrix(doc['summaries'], doc['references']).max(axis=1)
    Dm = (np.array(doc['summaries'], dtype=np.float64) @ np.array(doc['references'], dtype=np.float64).T).max(axis=1)
    if len(set(hs)) == 1 or len(set(C.tolist())) == 1 or len(set(Dm.tolist())) == 1: per_s.append(None); continue
    cs.append(float(spearmanr(hs, C).correlation)); cp.append(float(pearsonr(hs, C)[0]))
    ds.append(float(spearmanr(hs, Dm).correlation)); dp.append(float(pearsonr(hs, Dm)[0])); per_s.append(cs[-1])
out['summ'] = {'cos_sim.spearman': float(np.mean(cs)), 'cos_sim.pearson': float(np.mean(cp)), 'dot.spearman': float(np.mean(ds)), 'dot.pearson': float(np.mean(dp)), 'per': per_s}
print(json.dumps(out))
`;

const K_VALUES = [1, 3, 5, 10, 100];
const ref = python(PY, {
  sts: { e1: arr(stsPairs.map((p) => p.a)), e2: arr(stsPairs.map((p) => p.b)), gold: stsPairs.map((p) => p.gold) },
  pairLabels,
  rerank: rerankInstances.map((r) => ({
    query: Array.isArray(r.query) ? arr(r.query as Float32Array[]) : [Array.from(r.query as Float32Array)],
    positive: arr(r.positive), negative: arr(r.negative),
  })),
  retrieval: { q: arr(queryEmb), qids: queryIds, c: arr(corpusEmb), cids: corpusIds, qrels, k: K_VALUES, maxK: 100 },
  summ: summDocs.map((d) => ({ references: arr(d.references), summaries: arr(d.summaries), human: Array.from(d.humanScores) })),
});

test('STS evaluator: Spearman/Pearson of cosine, -euclidean, -manhattan, dot match scipy', () => {
  const r = evaluateSTS(stsPairs.map((p) => p.a), stsPairs.map((p) => p.b), stsPairs.map((p) => p.gold));
  for (const [name, v] of Object.entries(ref.sts)) close(r.scores[name]!, v as number, name);
  assert.equal(r.main_score, r.scores['cos_sim.spearman']);
  assert.equal(r.per_sample.predicted.length, stsPairs.length);
  assert.deepEqual(r.per_sample.gold, stsPairs.map((p) => p.gold));
  assert.throws(() => evaluateSTS([vec(3)], [vec(4)], [1]), /dimension/);
});

test('PairClassification evaluator: AP, best accuracy/F1 and thresholds match MTEB', () => {
  const r = evaluatePairClassification(stsPairs.map((p) => p.a), stsPairs.map((p) => p.b), pairLabels);
  for (const [name, v] of Object.entries(ref.pair)) close(r.scores[name]!, v as number, name);
  close(r.main_score, ref.pair.max_ap, 'main score');
  assert.deepEqual(r.per_sample.label, pairLabels);
});

test('Reranking evaluator: MAP and MRR@10 match MTEB; empty-negative query skipped', () => {
  const r = evaluateReranking(rerankInstances);
  r.per_sample.ap.forEach((v, i) => close(v, ref.rerank.ap[i], `query ${i} AP`));
  close(r.scores.map!, ref.rerank.map, 'map');
  close(r.scores.mrr!, ref.rerank.mrr, 'mrr');
  close(r.main_score, ref.rerank.map, 'main');
  assert.deepEqual(r.per_sample.skipped, ['no-negatives']);
});

test('Retrieval evaluator: nDCG@k, recall@k, MRR@k match the reference over the ranked corpus', () => {
  const r = evaluateRetrieval({ ids: queryIds, embeddings: queryEmb }, { ids: corpusIds, embeddings: corpusEmb }, qrels, { kValues: K_VALUES });
  for (const [name, v] of Object.entries(ref.retrieval)) if (name !== 'per') close(r.scores[name]!, v as number, name);
  close(r.main_score, ref.retrieval.ndcg_at_10, 'main');
  r.per_sample.ndcg_at_10.forEach((v, i) => close(v, ref.retrieval.per[i], `query ${i} nDCG@10`));
  assert.equal(r.scores.n_queries, 40);
  assert.ok(!r.per_sample.ids.includes('unjudged-query'));
});

test('Summarization evaluator: per-document Spearman of max cosine vs human scores matches MTEB', () => {
  const r = evaluateSummarization(summDocs);
  for (const name of ['cos_sim.spearman', 'cos_sim.pearson', 'dot.spearman', 'dot.pearson']) close(r.scores[name]!, ref.summ[name], name);
  r.per_sample.spearman.forEach((v, i) => {
    if (ref.summ.per[i] === null) assert.equal(v, null, `document ${i} should be skipped`);
    else close(v!, ref.summ.per[i], `document ${i}`);
  });
  assert.equal(r.scores.n_skipped, 1);
});

// --- classification: blobs per label; a label with fewer train items than samples_per_label
const LABELS = ['neg', 'neu', 'pos', 'mixed'];
const protos = LABELS.map(() => vec(DIM, 1.0));
const mk = (c: number) => vec(DIM, 1.8, protos[c]);
const trainY: string[] = [], trainX: Float32Array[] = [];
LABELS.forEach((l, c) => { for (let i = 0; i < (c === 3 ? 5 : 40); i++) { trainX.push(mk(c)); trainY.push(l); } });
const testY: string[] = [], testX: Float32Array[] = [];
for (let i = 0; i < 300; i++) { const c = rng.int(4); testX.push(mk(c)); testY.push(LABELS[c]!); }

test('Classification evaluator: MTEB undersampling and sklearn-equivalent LR per experiment', () => {
  const r = evaluateClassification(trainX, trainY, testX, testY, { nExperiments: 10, samplesPerLabel: 8, seed: 42 });
  const sets = r.per_sample.train_indices_per_experiment;
  assert.equal(sets.length, 10);
  for (const s of sets) {
    assert.equal(new Set(s).size, s.length);
    for (const l of LABELS) assert.equal(s.filter((i) => trainY[i] === l).length, l === 'mixed' ? 5 : 8);
  }
  assert.ok(new Set(sets.map((s) => [...s].sort((a, b) => a - b).join())).size > 1, 'experiments draw different samples');
  const sk = python(`
import sys, json, numpy as np, warnings
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
warnings.simplefilter('ignore')
D = json.load(sys.stdin); X = np.array(D['X'], dtype=np.float32); y = np.array(D['y']); Xt = np.array(D['Xt'], dtype=np.float32)
res = []
for idx in D['sets']:
    p = LogisticRegression(max_iter=100).fit(X[idx], y[idx]).predict(Xt)
    res.append([float(accuracy_score(D['yt'], p)), float(f1_score(D['yt'], p, average='macro'))])
print(json.dumps(res))`, { X: arr(trainX), y: trainY, Xt: arr(testX), yt: testY, sets });
  sk.forEach(([acc, f1]: [number, number], e: number) => {
    close(r.per_sample.accuracy_per_experiment[e]!, acc, `experiment ${e} accuracy`, 0.01 + 1e-12);
    close(r.per_sample.f1_per_experiment[e]!, f1, `experiment ${e} macro F1`, 0.015);
  });
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  close(r.main_score, mean(r.per_sample.accuracy_per_experiment), 'main = mean accuracy');
  close(mean(r.per_sample.correct_fraction), r.main_score, 'mean per-item correctness = accuracy');
  assert.ok(r.main_score > 0.4, `accuracy ${r.main_score} above chance on learnable data`);
  const again = evaluateClassification(trainX, trainY, testX, testY, { nExperiments: 10, samplesPerLabel: 8, seed: 42 });
  assert.deepEqual(again.per_sample.accuracy_per_experiment, r.per_sample.accuracy_per_experiment);
});

test('Classification evaluator: binary task reports AP; one-label sample is an error', () => {
  const bx = trainX.slice(0, 80), by = trainY.slice(0, 80);
  const r = evaluateClassification(bx, by, testX.filter((_, i) => testY[i] === 'neg' || testY[i] === 'neu'), testY.filter((y) => y === 'neg' || y === 'neu'), { nExperiments: 3 });
  assert.ok(r.scores.ap !== undefined && r.scores.ap > 0 && r.scores.ap <= 1);
  assert.throws(() => evaluateClassification(bx.slice(0, 40), by.slice(0, 40), testX, testY), /at least 2 classes/);
});

test('Clustering evaluator: mean V-measure over 10 seeded runs, within noise of sklearn MiniBatchKMeans', (t) => {
  const k = 6, cx: Float32Array[] = [], cy: number[] = [];
  const centers = Array.from({ length: k }, () => vec(DIM, 1.0));
  for (let i = 0; i < 900; i++) { const c = rng.int(k); cx.push(vec(DIM, 1.7, centers[c])); cy.push(c); }
  const r = evaluateClustering(cx, cy, { nRuns: 10, seed: 0 });
  assert.equal(r.per_sample.v_measure.length, 10);
  assert.equal(new Set(r.per_sample.seeds).size, 10);
  close(r.main_score, r.per_sample.v_measure.reduce((a, b) => a + b, 0) / 10, 'main = mean of runs');
  const sk: number[] = python(`
import sys, json, numpy as np, warnings
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import v_measure_score
warnings.simplefilter('ignore')
D = json.load(sys.stdin); X = np.array(D['X'], dtype=np.float32)
print(json.dumps([float(v_measure_score(D['y'], MiniBatchKMeans(n_clusters=D['k'], batch_size=500, n_init='auto', random_state=s).fit(X).labels_)) for s in range(10)]))`,
  { X: arr(cx), y: cy, k });
  const skMean = sk.reduce((a, b) => a + b, 0) / 10;
  const sd = (v: number[], m: number) => Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  const se = Math.sqrt((sd(sk, skMean) ** 2 + sd(r.per_sample.v_measure, r.main_score) ** 2) / 10);
  const msg = `ours ${r.main_score.toFixed(4)}, sklearn ${skMean.toFixed(4)}, se ${se.toFixed(4)}`;
  t.diagnostic(msg);
  assert.ok(Math.abs(r.main_score - skMean) <= 3 * se + 0.01, msg);
});

test('Retrieval evaluator: ignoreIdenticalIds drops the query itself; bad input throws', () => {
  const a = vec(DIM), b = vec(DIM, 0.3, a), c = vec(DIM);
  const corpus = { ids: ['q1', 'b', 'c'], embeddings: [a, b, c] };
  const queries = { ids: ['q1'], embeddings: [a] };
  const judged = { q1: { b: 1 } };
  // the query's own copy ranks first unless ignored; doc b is then rank 2 vs rank 1
  close(evaluateRetrieval(queries, corpus, judged).scores.mrr_at_10!, 0.5, 'self-match kept');
  close(evaluateRetrieval(queries, corpus, judged, { ignoreIdenticalIds: true }).scores.mrr_at_10!, 1, 'self-match dropped');
  assert.throws(() => evaluateRetrieval(queries, { ids: ['x', 'x', 'y'], embeddings: [a, b, c] }, judged), /not unique/);
  assert.throws(() => evaluateRetrieval({ ids: ['other'], embeddings: [a] }, corpus, judged), /no query id/);
  assert.equal(evaluateRetrieval(queries, corpus, { ...judged, constructor: { b: 1 } }).scores.n_judged_queries_missing, 1);
});
