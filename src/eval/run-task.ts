// One task end to end: load its data, embed each side, run its category's evaluator, and compute
// the chance level of its main score on the same items (src/eval/chance.ts). Which texts get the
// task instruction follows the run's instruction policy, per task family (src/eval/instruction-policy.ts).
import {
  evaluateClassification, evaluateClustering, evaluatePairClassification, evaluateReranking,
  evaluateRetrieval, evaluateSTS, evaluateSummarization, type EvaluationResult,
} from './evaluators/index.ts';
import type { DataByCategory, Task, TaskCategory } from './tasks/index.ts';
import type { Quirks } from '../data/datasets/records.ts';
import type { TaskResultJson } from './results-file.ts';
import { instructionFor, type EvalInstructionPolicyName } from './instruction-policy.ts';
import {
  accuracyChance, averagePrecisionChance, meanAveragePrecisionChance, meanSpearmanChance, ndcgChance,
  spearmanChance, vMeasureChance, type Chance,
} from './chance.ts';

export { instructionFor, type Side } from './instruction-policy.ts';

/** Embeds texts for one side of the task, in input order. */
export type EmbedFn = (texts: readonly string[], instruction: string) => Promise<Float32Array[]>;

/** One task's outcome: what the runner writes into the results file (src/eval/results-file.ts). */
export interface TaskRun extends Pick<TaskResultJson, 'items' | 'files' | 'sha256' | 'chance' | 'instructions'> {
  result: EvaluationResult<Record<string, unknown>>;
  quirks: Quirks;
}

/** What one category does with a task's data: embed each side, evaluate, and the chance level. */
interface CategoryRun<C extends TaskCategory> {
  evaluate(data: DataByCategory[C], embed: EmbedFn, q: string, d: string): Promise<{ result: EvaluationResult<object>; chance: Chance; items: string }>;
  /**
   * The evaluator's per_sample, plus the fields the statistics (src/report/results.ts) read:
   * `ids` with either `values` (per-item numbers whose mean is the main score) or `predicted`/`gold`
   * (paired rank tests).
   */
  comparable(ps: Record<string, unknown>): Record<string, unknown>;
}

/** One row per task category: the only place that says how a category is embedded and scored. */
const CATEGORY_RUNS: { [C in TaskCategory]: CategoryRun<C> } = {
  STS: {
    async evaluate(data, embed, q, d) {
      const e1 = await embed(data.pairs.map((p) => p.s1), q);
      const e2 = await embed(data.pairs.map((p) => p.s2), d);
      const result = evaluateSTS(e1, e2, data.pairs.map((p) => p.score), data.pairs.map((p) => p.id));
      return { result, chance: spearmanChance(data.pairs.length), items: `${data.pairs.length} pairs` };
    },
    comparable: (ps) => ps, // ids, predicted, gold
  },
  Classification: {
    async evaluate(data, embed, q) {
      const train = await embed(data.train.map((x) => x.text), q);
      const test = await embed(data.test.map((x) => x.text), q);
      const result = evaluateClassification(train, data.train.map((x) => x.label), test, data.test.map((x) => x.label));
      const chance = accuracyChance(new Set(data.train.map((x) => x.label)).size, data.test.length);
      return { result, chance, items: `${data.train.length} train + ${data.test.length} test texts, ${data.labels.length} labels` };
    },
    comparable(ps) {
      const v = ps.correct_fraction as number[];
      return { ids: v.map((_, i) => String(i)), values: v, ...ps };
    },
  },
  Clustering: {
    async evaluate(data, embed, q) {
      const result = evaluateClustering(await embed(data.texts, q), data.labels);
      return { result, chance: vMeasureChance(data.labels), items: `${data.texts.length} texts, ${new Set(data.labels).size} labels` };
    },
    comparable: (ps) => ({ ids: (ps.seeds as number[]).map(String), values: ps.v_measure, ...ps }),
  },
  PairClassification: {
    async evaluate(data, embed, q, d) {
      const e1 = await embed(data.pairs.map((p) => p.s1), q);
      const e2 = await embed(data.pairs.map((p) => p.s2), d);
      const result = evaluatePairClassification(e1, e2, data.pairs.map((p) => p.label), data.pairs.map((p) => p.id));
      const chance = averagePrecisionChance(data.pairs.map((p) => p.label));
      return { result, chance, items: `${data.pairs.length} pairs (${data.pairs.filter((p) => p.label === 1).length} positive)` };
    },
    // average precision has no per-pair share: the pairs go in as predicted = cosine, gold = label
    // (a rank test of how well cosine orders the labels)
    comparable: (ps) => ({ ...ps, predicted: ps.cosine, gold: ps.label }),
  },
  Reranking: {
    async evaluate(data, embed, q, d) {
      const queries = await embed(data.queries.map((x) => x.query), q);
      const candidates = await embed(data.queries.flatMap((x) => [...x.positives, ...x.negatives]), d);
      let at = 0;
      const take = (n: number) => { const s = candidates.slice(at, at + n); at += n; return s; };
      const result = evaluateReranking(data.queries.map((x, i) => ({ id: x.id, query: queries[i]!, positive: take(x.positives.length), negative: take(x.negatives.length) })));
      // the evaluator skips queries lacking a positive or a negative, as MTEB does
      const chance = meanAveragePrecisionChance(data.queries.filter((x) => x.positives.length > 0 && x.negatives.length > 0).map((x) => ({ positives: x.positives.length, negatives: x.negatives.length })));
      return { result, chance, items: `${data.queries.length} queries, ${candidates.length} candidates` };
    },
    comparable: (ps) => ({ ...ps, values: ps.ap }),
  },
  Retrieval: {
    async evaluate(data, embed, q, d) {
      const qe = await embed(data.queries.map((x) => x.text), q);
      const ce = await embed(data.corpus.map((x) => x.text), d);
      const qrels = Object.fromEntries([...data.qrels].map(([qid, m]) => [qid, Object.fromEntries(m)]));
      const result = evaluateRetrieval({ ids: data.queries.map((x) => x.id), embeddings: qe }, { ids: data.corpus.map((x) => x.id), embeddings: ce }, qrels);
      const chance = ndcgChance(data.queries.map((x) => [...(data.qrels.get(x.id)?.values() ?? [])]), data.corpus.length);
      return { result, chance, items: `${data.queries.length} queries, ${data.corpus.length} documents` };
    },
    comparable: (ps) => ({ ...ps, values: ps.ndcg_at_10 }),
  },
  Summarization: {
    async evaluate(data, embed, q, d) {
      const summaries = await embed(data.documents.flatMap((x) => x.summaries.map((s) => s.text)), q);
      const refs = await embed(data.documents.map((x) => x.reference), d);
      let at = 0;
      const result = evaluateSummarization(data.documents.map((x, i) => {
        const s = summaries.slice(at, at + x.summaries.length); at += x.summaries.length;
        return { id: x.docId, references: [refs[i]!], summaries: s, humanScores: x.summaries.map((y) => y.human) };
      }));
      // documents whose human scores are all equal have no Spearman and are skipped by the evaluator
      const chance = meanSpearmanChance(data.documents.filter((x) => new Set(x.summaries.map((y) => y.human)).size > 1).map((x) => x.summaries.length));
      return { result, chance, items: `${data.documents.length} documents, ${summaries.length} summaries` };
    },
    comparable(ps) {
      // The evaluator marks skipped documents (constant ratings or scores) with null; the statistics
      // need finite numbers, so those documents move to `skipped`.
      const ids = ps.ids as string[], sp = ps.spearman as (number | null)[], pe = ps.pearson as (number | null)[];
      const keep = sp.map((s, i) => (s === null ? -1 : i)).filter((i) => i >= 0);
      return {
        ids: keep.map((i) => ids[i]!), values: keep.map((i) => sp[i]!), spearman: keep.map((i) => sp[i]!),
        pearson: keep.map((i) => pe[i]!), skipped: ids.filter((_, i) => sp[i] === null),
      };
    },
  },
};

export async function runTask(task: Task, embed: EmbedFn, limit?: number, policy: EvalInstructionPolicyName = 'authors'): Promise<TaskRun> {
  const q = instructionFor(task, 'query', policy), d = instructionFor(task, 'document', policy);
  const run = CATEGORY_RUNS[task.category] as CategoryRun<TaskCategory>;
  const loaded = (await task.load({ limit })) as DataByCategory[TaskCategory];
  const { result, chance, items } = await run.evaluate(loaded as never, embed, q, d);
  const r = result as EvaluationResult<Record<string, unknown>>;
  return { result: { ...r, per_sample: run.comparable(r.per_sample) }, items, quirks: loaded.quirks, files: loaded.files, ...(loaded.sha256 ? { sha256: loaded.sha256 } : {}), chance, instructions: { query: q, document: d } };
}
