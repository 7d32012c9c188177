// A limited retrieval or summarization task encodes only what its sampled items need: at most
// TEXTS_PER_LIMITED_ITEM × limit texts, every kept query with all the documents it judges, every kept
// document with all its summaries, the same sample on every load (so every design and reference row
// sees the same texts); with a limit at or above the number of items nothing is cut but distractors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cranfield, limitRetrieval } from '../src/eval/tasks/retrieval.ts';
import { REALSumm, limitSummarization } from '../src/eval/tasks/summarization.ts';
import { WikiQA, limitReranking } from '../src/eval/tasks/reranking.ts';
import { TEXTS_PER_LIMITED_ITEM, distractorCount } from '../src/eval/tasks/sampling.ts';
import type { RetrievalText } from '../src/data/datasets/records.ts';

test('limited Cranfield: the judged documents of the sampled queries plus the stated distractors, within 2 × limit texts', async () => {
  const full = await Cranfield.load();
  for (const limit of [5, 20, 40, 100]) {
    const a = await Cranfield.load({ limit });
    const b = await Cranfield.load({ limit });
    assert.deepEqual(a.queries.map((q) => q.id), b.queries.map((q) => q.id), 'the same sample every time');
    assert.deepEqual(a.corpus.map((d) => d.id), b.corpus.map((d) => d.id));
    assert.ok(a.queries.length >= 1 && a.queries.length <= limit);
    assert.ok(a.queries.length + a.corpus.length <= TEXTS_PER_LIMITED_ITEM * limit || a.queries.length === 1, `limit ${limit}: ${a.queries.length} queries + ${a.corpus.length} documents`);
    const ids = new Set(a.corpus.map((d) => d.id));
    const judged = new Set<string>();
    for (const q of a.queries) for (const d of full.qrels.get(q.id)?.keys() ?? []) { judged.add(d); assert.ok(ids.has(d), `query ${q.id}: judged document ${d} kept`); }
    assert.deepEqual(a.qrels, new Map(a.queries.filter((q) => full.qrels.has(q.id)).map((q) => [q.id, full.qrels.get(q.id)!])), 'qrels of the kept queries, unchanged');
    // the rest are distractors: at most the stated number
    assert.ok([...ids].filter((d) => !judged.has(d)).length <= distractorCount(limit), `limit ${limit}: distractors`);
  }
  // a limit that reaches every query cuts only the unjudged documents down to `limit` distractors
  const all = await Cranfield.load({ limit: 1000 });
  assert.equal(all.queries.length, full.queries.length);
});

test('limitRetrieval on a toy collection: grows the query sample while it fits, never splits a query from its documents', () => {
  const corpus: RetrievalText[] = Array.from({ length: 50 }, (_, i) => ({ id: `d${i}`, text: `doc ${i}` }));
  const queries: RetrievalText[] = Array.from({ length: 10 }, (_, i) => ({ id: `q${i}`, text: `query ${i}` }));
  const qrels = new Map(queries.map((q, i) => [q.id, new Map([[`d${i}`, 1], [`d${i + 10}`, 1]])]));
  const r = limitRetrieval(corpus, queries, qrels, 6); // budget 12 texts, 3 distractors
  assert.ok(r.queries.length + r.corpus.length <= 12);
  for (const q of r.queries) for (const d of qrels.get(q.id)!.keys()) assert.ok(r.corpus.some((x) => x.id === d));
  assert.ok(r.queries.length >= 2, `${r.queries.length} queries fit`);
});

test('limited REALSumm: whole documents (reference + every system summary) within 2 × limit texts; all of them when the limit reaches them', async () => {
  const full = await REALSumm.load();
  for (const limit of [13, 40, 60]) {
    const a = await REALSumm.load({ limit });
    const texts = a.documents.reduce((n, d) => n + 1 + d.summaries.length, 0);
    assert.ok(a.documents.length >= 1 && (texts <= TEXTS_PER_LIMITED_ITEM * limit || a.documents.length === 1), `limit ${limit}: ${a.documents.length} documents, ${texts} texts`);
    for (const d of a.documents) assert.deepEqual(d, full.documents.find((x) => x.docId === d.docId), 'a kept document keeps all its summaries');
  }
  assert.equal(limitSummarization(full.documents, 1000).length, full.documents.length);
  assert.equal(limitSummarization(full.documents, undefined).length, full.documents.length);
});

test('limited WikiQA: whole queries (question + every candidate) within 2 × limit texts; all of them when the limit reaches them', async () => {
  const full = await WikiQA.load();
  const a = await WikiQA.load({ limit: 40 });
  const texts = a.queries.reduce((n, q) => n + 1 + q.positives.length + q.negatives.length, 0);
  assert.ok(a.queries.length >= 2 && texts <= TEXTS_PER_LIMITED_ITEM * 40, `${a.queries.length} queries, ${texts} texts`);
  for (const q of a.queries) assert.deepEqual(q, full.queries.find((x) => x.id === q.id));
  assert.deepEqual((await WikiQA.load({ limit: 40 })).queries.map((q) => q.id), a.queries.map((q) => q.id));
  assert.equal(limitReranking(full.queries, 1000).length, full.queries.length);
});
