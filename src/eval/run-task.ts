// One task end to end: load its data, embed each side, run its category's evaluator. Which texts get
// the task instruction follows the task: every text for `instructed: 'all'` (symmetric tasks),
// only the query side for `'queries'` (documents, candidates and corpora never).
import {
  evaluateClassification, evaluateClustering, evaluatePairClassification, evaluateReranking,
  evaluateRetrieval, evaluateSTS, evaluateSummarization, type EvaluationResult,
} from './evaluators/index.ts';
import type { Quirks, Task } from './tasks/index.ts';

export type Side = 'query' | 'document';

/** Embeds texts for one side of the task, in input order. */
export type EmbedFn = (texts: readonly string[], instruction: string) => Promise<Float32Array[]>;

export interface TaskRun {
  result: EvaluationResult<Record<string, unknown>>;
  /** What was evaluated, for the log: '1379 pairs'. */
  items: string;
  quirks: Quirks;
  files: string[];
}

/** The instruction glued to a text of this side, or '' (never for documents of a 'queries' task). */
export function instructionFor(task: Task, side: Side): string {
  return side === 'query' || task.instructed === 'all' ? task.instruction : '';
}

/**
 * The evaluator's per_sample, plus the fields the statistics (src/report/results.ts) read:
 * `ids` with either `values` (per-item numbers whose mean is the main score) or `predicted`/`gold`
 * (paired rank tests). Pair classification's average precision has no per-pair share, so its pairs
 * go in as predicted = cosine, gold = label (a rank test of how well cosine orders the labels).
 */
function comparable(task: Task, ps: Record<string, unknown>): Record<string, unknown> {
  switch (task.category) {
    case 'STS': return ps; // ids, predicted, gold
    case 'Classification': {
      const v = ps.correct_fraction as number[];
      return { ids: v.map((_, i) => String(i)), values: v, ...ps };
    }
    case 'Clustering': return { ids: (ps.seeds as number[]).map(String), values: ps.v_measure, ...ps };
    case 'PairClassification': return { ...ps, predicted: ps.cosine, gold: ps.label };
    case 'Reranking': return { ...ps, values: ps.ap };
    case 'Retrieval': return { ...ps, values: ps.ndcg_at_10 };
    case 'Summarization': {
      // The evaluator marks skipped documents (constant ratings or scores) with null; the statistics
      // need finite numbers, so those documents move to `skipped`.
      const ids = ps.ids as string[], sp = ps.spearman as (number | null)[], pe = ps.pearson as (number | null)[];
      const keep = sp.map((s, i) => (s === null ? -1 : i)).filter((i) => i >= 0);
      return {
        ids: keep.map((i) => ids[i]!), values: keep.map((i) => sp[i]!), spearman: keep.map((i) => sp[i]!),
        pearson: keep.map((i) => pe[i]!), skipped: ids.filter((_, i) => sp[i] === null),
      };
    }
  }
}

export async function runTask(task: Task, embed: EmbedFn, limit?: number): Promise<TaskRun> {
  const q = instructionFor(task, 'query'), d = instructionFor(task, 'document');
  let result: EvaluationResult<object>;
  let items: string;
  let loaded: { quirks: Quirks; files: string[] };
  switch (task.category) {
    case 'STS': {
      const data = await task.load({ limit });
      const e1 = await embed(data.pairs.map((p) => p.s1), q);
      const e2 = await embed(data.pairs.map((p) => p.s2), d);
      result = evaluateSTS(e1, e2, data.pairs.map((p) => p.score), data.pairs.map((p) => p.id));
      items = `${data.pairs.length} pairs`; loaded = data;
      break;
    }
    case 'Classification': {
      const data = await task.load({ limit });
      const train = await embed(data.train.map((x) => x.text), q);
      const test = await embed(data.test.map((x) => x.text), q);
      result = evaluateClassification(train, data.train.map((x) => x.label), test, data.test.map((x) => x.label));
      items = `${data.train.length} train + ${data.test.length} test texts, ${data.labels.length} labels`; loaded = data;
      break;
    }
    case 'Clustering': {
      const data = await task.load({ limit });
      result = evaluateClustering(await embed(data.texts, q), data.labels);
      items = `${data.texts.length} texts, ${new Set(data.labels).size} labels`; loaded = data;
      break;
    }
    case 'PairClassification': {
      const data = await task.load({ limit });
      const e1 = await embed(data.pairs.map((p) => p.s1), q);
      const e2 = await embed(data.pairs.map((p) => p.s2), d);
      result = evaluatePairClassification(e1, e2, data.pairs.map((p) => p.label), data.pairs.map((p) => p.id));
      items = `${data.pairs.length} pairs (${data.pairs.filter((p) => p.label === 1).length} positive)`; loaded = data;
      break;
    }
    case 'Reranking': {
      const data = await task.load({ limit });
      const queries = await embed(data.queries.map((x) => x.query), q);
      const candidates = await embed(data.queries.flatMap((x) => [...x.positives, ...x.negatives]), d);
      let at = 0;
      const take = (n: number) => { const s = candidates.slice(at, at + n); at += n; return s; };
      result = evaluateReranking(data.queries.map((x, i) => ({ id: x.id, query: queries[i]!, positive: take(x.positives.length), negative: take(x.negatives.length) })));
      items = `${data.queries.length} queries, ${candidates.length} candidates`; loaded = data;
      break;
    }
    case 'Retrieval': {
      const data = await task.load({ limit });
      const qe = await embed(data.queries.map((x) => x.text), q);
      const ce = await embed(data.corpus.map((x) => x.text), d);
      const qrels = Object.fromEntries([...data.qrels].map(([qid, m]) => [qid, Object.fromEntries(m)]));
      result = evaluateRetrieval({ ids: data.queries.map((x) => x.id), embeddings: qe }, { ids: data.corpus.map((x) => x.id), embeddings: ce }, qrels);
      items = `${data.queries.length} queries, ${data.corpus.length} documents`; loaded = data;
      break;
    }
    case 'Summarization': {
      const data = await task.load({ limit });
      const summaries = await embed(data.documents.flatMap((x) => x.summaries.map((s) => s.text)), q);
      const refs = await embed(data.documents.map((x) => x.reference), d);
      let at = 0;
      result = evaluateSummarization(data.documents.map((x, i) => {
        const s = summaries.slice(at, at + x.summaries.length); at += x.summaries.length;
        return { id: x.docId, references: [refs[i]!], summaries: s, humanScores: x.summaries.map((y) => y.human) };
      }));
      items = `${data.documents.length} documents, ${summaries.length} summaries`; loaded = data;
      break;
    }
  }
  const r = result as EvaluationResult<Record<string, unknown>>;
  return { result: { ...r, per_sample: comparable(task, r.per_sample) }, items, quirks: loaded.quirks, files: loaded.files };
}
