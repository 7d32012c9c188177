// What a loaded task holds, per category, in one table: every text it embeds and its size in words.
// Used by evaluationTexts (decontamination.ts: the texts training triples are kept disjoint from) and notebook 01's
// dataset table; run-task.ts's CATEGORY_RUNS says how each category is scored.
import type { DataByCategory, TaskCategory } from './types.ts';

interface CategoryData<C extends TaskCategory> {
  /** every text the task embeds, in order */
  texts(d: DataByCategory[C]): string[];
  /** a readable size, e.g. "400 pairs" */
  size(d: DataByCategory[C]): string;
}

const TASK_DATA: { [C in TaskCategory]: CategoryData<C> } = {
  STS: { texts: (d) => d.pairs.flatMap((p) => [p.s1, p.s2]), size: (d) => `${d.pairs.length} pairs` },
  PairClassification: { texts: (d) => d.pairs.flatMap((p) => [p.s1, p.s2]), size: (d) => `${d.pairs.length} pairs` },
  Classification: { texts: (d) => [...d.train, ...d.test].map((x) => x.text), size: (d) => `${d.train.length} train / ${d.test.length} test` },
  Clustering: { texts: (d) => [...d.texts], size: (d) => `${d.texts.length} texts, ${new Set(d.labels).size} clusters` },
  Reranking: { texts: (d) => d.queries.flatMap((q) => [q.query, ...q.positives, ...q.negatives]), size: (d) => `${d.queries.length} queries` },
  Retrieval: { texts: (d) => [...d.queries, ...d.corpus].map((x) => x.text), size: (d) => `${d.queries.length} queries, ${d.corpus.length} docs` },
  Summarization: {
    texts: (d) => d.documents.flatMap((x) => [x.reference, ...x.summaries.map((s) => s.text)]),
    size: (d) => `${d.documents.length} docs, ${d.documents.reduce((s, x) => s + x.summaries.length, 0)} summaries`,
  },
};

/** Every text a loaded task embeds. */
export function taskTexts<C extends TaskCategory>(category: C, data: DataByCategory[C]): string[] {
  return TASK_DATA[category].texts(data);
}

/** A loaded task's size in words ("400 pairs", "10 queries, 90 docs"). */
export function taskSize<C extends TaskCategory>(category: C, data: DataByCategory[C]): string {
  return TASK_DATA[category].size(data);
}
