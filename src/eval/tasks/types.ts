// Task definitions in the MTEB style: a task knows its data files, how to parse them and its
// metadata (category, main score, query instruction); evaluators know only embeddings and metrics.
// The records a task's data holds are src/data/datasets/records.ts.
// What each category is (main score, instructions, evaluator, …): its spec in ./categories.ts.
import type { LabeledPair, LabeledText, Quirks, RerankingQuery, RetrievalText, StsPair, SummarizationDocument } from '../../data/datasets/records.ts';
import type { MAIN_SCORE } from './categories.ts';

export { MAIN_SCORE, TASK_CATEGORIES } from './categories.ts';

/** The task categories: the kinds of data a task can hold (DataByCategory). */
export type TaskCategory = keyof DataByCategory;

export interface LoadOptions {
  /** Caps the number of items for smoke runs: STS/pair-classification pairs, classification train
   *  and test texts (each), clustering texts, reranking queries, retrieval queries (the corpus keeps
   *  their judged documents plus `limit` others), summarization documents. Deterministic: evenly
   *  spaced over the full, ordered data (see `spread`). */
  limit?: number;
}

interface Loaded {
  /** Mirror-relative paths of the files read. */
  files: string[];
  quirks: Quirks;
  /** sha256 of each file read, by path (user tasks from local files: src/eval/tasks/custom.ts). */
  sha256?: Record<string, string>;
}

export interface StsData extends Loaded { pairs: StsPair[] }

export interface ClassificationData extends Loaded { train: LabeledText[]; test: LabeledText[]; labels: string[] }

export interface ClusteringData extends Loaded { texts: string[]; labels: string[] }

export interface PairClassificationData extends Loaded { pairs: LabeledPair[] }

export interface RerankingData extends Loaded { queries: RerankingQuery[] }

export interface RetrievalData extends Loaded {
  corpus: RetrievalText[];
  queries: RetrievalText[];
  /** qid → (docid → graded gain > 0). Unlisted documents have gain 0. */
  qrels: Map<string, Map<string, number>>;
}

export interface SummarizationData extends Loaded { documents: SummarizationDocument[] }

export interface DataByCategory {
  STS: StsData;
  Classification: ClassificationData;
  Clustering: ClusteringData;
  PairClassification: PairClassificationData;
  Reranking: RerankingData;
  Retrieval: RetrievalData;
  Summarization: SummarizationData;
}

export interface TaskOf<C extends TaskCategory> {
  name: string;
  category: C;
  mainScore: (typeof MAIN_SCORE)[C];
  description: string;
  /** The task instruction prepended to instructed texts at evaluation (E5-mistral/MTEB style). */
  instruction: string;
  /** Which texts get the instruction: only queries (asymmetric tasks: retrieval, reranking), or
   *  every text (symmetric tasks, where both sides play the query role). Documents never do. */
  instructed: 'queries' | 'all';
  /** Upstream license terms, for reports. */
  license: string;
  load(opts?: LoadOptions): Promise<DataByCategory[C]>;
}

export type StsTask = TaskOf<'STS'>;
export type ClassificationTask = TaskOf<'Classification'>;
export type ClusteringTask = TaskOf<'Clustering'>;
export type PairClassificationTask = TaskOf<'PairClassification'>;
export type RerankingTask = TaskOf<'Reranking'>;
export type RetrievalTask = TaskOf<'Retrieval'>;
export type SummarizationTask = TaskOf<'Summarization'>;

export type Task =
  | StsTask | ClassificationTask | ClusteringTask | PairClassificationTask | RerankingTask | RetrievalTask
  | SummarizationTask;
