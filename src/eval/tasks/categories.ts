// One spec per task category, as MTEB's AbsTask subclasses own theirs: its main score, which texts
// get the task instruction, a user task's files, every text a loaded task embeds and its size, how
// it is embedded and scored (evaluator and chance level), and its place in reports. The category
// tables elsewhere (TASK_CATEGORIES, MAIN_SCORE, the instruction policies, a user task's file roles,
// the comparison's CATEGORY_ORDER) are derived from this one.
import {
  evaluateClassification, evaluateClustering, evaluatePairClassification, evaluateReranking,
  evaluateRetrieval, evaluateSTS, evaluateSummarization, type EvaluationResult,
} from '../evaluators/index.ts';
import {
  accuracyChance, averagePrecisionChance, meanAveragePrecisionChance, meanSpearmanChance, ndcgChance,
  spearmanChance, vMeasureChance, type Chance,
} from '../chance.ts';
import type { DataByCategory, TaskCategory } from './types.ts';

/** Embeds texts for one side of the task, in input order. */
export type EmbedFn = (texts: readonly string[], instruction: string) => Promise<Float32Array[]>;

interface CategorySpec<C extends TaskCategory> {
  /** the main score, spelled as the evaluator's `scores` key (MTEB's names) */
  mainScore: string;
  /** Which texts play the query role (E5-mistral / MTEB): only queries in asymmetric tasks, every text
   *  in symmetric ones; a task's `instructed` and the 'e5' instruction policy */
  instructed: 'queries' | 'all';
  /** which texts Tang & Yang's evaluation instructed (the 'authors' policy, src/eval/instruction-policy.ts) */
  authorsInstructed: 'queries' | 'all';
  /** a user task's JSON Lines files, by role (src/eval/tasks/custom.ts) */
  files: readonly string[];
  /** place in the comparison's tables and figures (CATEGORY_ORDER): the paper's four categories first */
  reportOrder: number;
  /** every text the task embeds, in order */
  texts(d: DataByCategory[C]): string[];
  /** a readable size, e.g. "400 pairs" */
  size(d: DataByCategory[C]): string;
  /** Embed each side, run the evaluator, and the chance level of the main score on the same items. */
  evaluate(data: DataByCategory[C], embed: EmbedFn, q: string, d: string): Promise<{ result: EvaluationResult<object>; chance: Chance; items: string }>;
  /**
   * The evaluator's per_sample, plus the fields the statistics (src/report/results.ts) read:
   * `ids` with either `values` (per-item numbers whose mean is the main score) or `predicted`/`gold`
   * (paired rank tests).
   */
  comparable(ps: Record<string, unknown>): Record<string, unknown>;
}

/** One spec per category, in TASK_CATEGORIES order. */
export const CATEGORIES = {
  STS: {
    mainScore: 'cos_sim.spearman', instructed: 'all', authorsInstructed: 'all', files: ['data'], reportOrder: 0,
    texts: (d) => d.pairs.flatMap((p) => [p.s1, p.s2]),
    size: (d) => `${d.pairs.length} pairs`,
    async evaluate(data, embed, q, d) {
      const e1 = await embed(data.pairs.map((p) => p.s1), q);
      const e2 = await embed(data.pairs.map((p) => p.s2), d);
      const result = evaluateSTS(e1, e2, data.pairs.map((p) => p.score), data.pairs.map((p) => p.id));
      return { result, chance: spearmanChance(data.pairs.length), items: `${data.pairs.length} pairs` };
    },
    comparable: (ps) => ps, // ids, predicted, gold
  },
  Classification: {
    mainScore: 'accuracy', instructed: 'all', authorsInstructed: 'all', files: ['train', 'test'], reportOrder: 1,
    texts: (d) => [...d.train, ...d.test].map((x) => x.text),
    size: (d) => `${d.train.length} train / ${d.test.length} test`,
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
    mainScore: 'v_measure', instructed: 'all', authorsInstructed: 'all', files: ['data'], reportOrder: 3,
    texts: (d) => [...d.texts],
    size: (d) => `${d.texts.length} texts, ${new Set(d.labels).size} clusters`,
    async evaluate(data, embed, q) {
      const result = evaluateClustering(await embed(data.texts, q), data.labels);
      return { result, chance: vMeasureChance(data.labels), items: `${data.texts.length} texts, ${new Set(data.labels).size} labels` };
    },
    comparable: (ps) => ({ ids: (ps.seeds as number[]).map(String), values: ps.v_measure, ...ps }),
  },
  PairClassification: {
    mainScore: 'max_ap', instructed: 'all', authorsInstructed: 'all', files: ['data'], reportOrder: 4,
    texts: (d) => d.pairs.flatMap((p) => [p.s1, p.s2]),
    size: (d) => `${d.pairs.length} pairs`,
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
    // the authors' vendored RerankingEvaluator encodes the candidates with `encode` too
    mainScore: 'map', instructed: 'queries', authorsInstructed: 'all', files: ['data'], reportOrder: 5,
    texts: (d) => d.queries.flatMap((q) => [q.query, ...q.positives, ...q.negatives]),
    size: (d) => `${d.queries.length} queries`,
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
    mainScore: 'ndcg_at_10', instructed: 'queries', authorsInstructed: 'queries', files: ['corpus', 'queries', 'qrels'], reportOrder: 2,
    texts: (d) => [...d.queries, ...d.corpus].map((x) => x.text),
    size: (d) => `${d.queries.length} queries, ${d.corpus.length} docs`,
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
    mainScore: 'cos_sim.spearman', instructed: 'all', authorsInstructed: 'all', files: ['data'], reportOrder: 6,
    texts: (d) => d.documents.flatMap((x) => [x.reference, ...x.summaries.map((s) => s.text)]),
    size: (d) => `${d.documents.length} docs, ${d.documents.reduce((s, x) => s + x.summaries.length, 0)} summaries`,
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
} as const satisfies { [C in TaskCategory]: CategorySpec<C> };

/** The spec of a category, for code generic over categories. */
export function categorySpec<C extends TaskCategory>(category: C): CategorySpec<C> {
  return CATEGORIES[category] as unknown as CategorySpec<C>;
}

/** Every category, in the spec's order. */
export const TASK_CATEGORIES = Object.keys(CATEGORIES) as readonly TaskCategory[] as TaskCategory[];

/** Each category's value of one spec field, keyed in TASK_CATEGORIES order. */
export function perCategory<V>(f: (c: TaskCategory) => V): Record<TaskCategory, V> {
  return Object.fromEntries(TASK_CATEGORIES.map((c) => [c, f(c)])) as Record<TaskCategory, V>;
}

/** The main score of each category (MTEB's names). */
export const MAIN_SCORE = perCategory((c) => CATEGORIES[c].mainScore) as { [C in TaskCategory]: (typeof CATEGORIES)[C]['mainScore'] };

/** A user task's files, by role, per category. */
export type CategoryFiles<C extends TaskCategory> = { [R in (typeof CATEGORIES)[C]['files'][number]]: string };

/** The categories in the order of the comparison's tables and figures. */
export const CATEGORY_ORDER: TaskCategory[] = [...TASK_CATEGORIES].sort((a, b) => CATEGORIES[a].reportOrder - CATEGORIES[b].reportOrder);

/** Every text a loaded task embeds. */
export function taskTexts<C extends TaskCategory>(category: C, data: DataByCategory[C]): string[] {
  return categorySpec(category).texts(data);
}

/** A loaded task's size in words ("400 pairs", "10 queries, 90 docs"). */
export function taskSize<C extends TaskCategory>(category: C, data: DataByCategory[C]): string {
  return categorySpec(category).size(data);
}
