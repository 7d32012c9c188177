// The results file DIR/results/<design>.json, one type for the writer (src/eval/runner.ts) and the
// readers (src/report/results.ts checks every field it uses against this type; scripts, tests):
//   { design, backend, limit, profile, instructions, instruction_policy, encoder, identity_sha256,
//     created, seconds, cache: {...}, tasks: { <dataset>: { category, main_score, scores, per_sample,
//     seconds, items, instruction, files, quirks?, cache: {...}, instructions, chance, ... } } }
import type { Chance } from './chance.ts';
import type { InstructionPolicy } from './instruction-policy.ts';
import type { TrainingOverlap } from './tasks/decontamination.ts';
import type { TaskCategory } from './tasks/types.ts';

export interface CacheStats {
  /** texts asked for (with repeats) */
  texts: number;
  /** distinct (instruction, text) asked for, summed over calls */
  unique: number;
  /** of those, found in the cache */
  hits: number;
  /** encoded now (unique − hits) */
  encoded: number;
  /** tokens of the encoded texts (padding excluded) */
  tokens: number;
  encode_seconds: number;
}

export interface TaskResultJson {
  category: TaskCategory;
  main_score: number;
  scores: Record<string, number>;
  per_sample: Record<string, unknown>;
  seconds: number;
  /** what was evaluated, e.g. '1379 pairs' */
  items: string;
  instruction: string;
  files: string[];
  quirks?: Record<string, number>;
  cache: CacheStats;
  /** the instruction each side got under the run's policy ('' = none) */
  instructions: { query: string; document: string };
  /** main score of a random scorer on the same items (src/eval/chance.ts) */
  chance: Chance;
  /** sha256 of each local file read, by path (user tasks: src/eval/tasks/custom.ts) */
  sha256?: Record<string, string>;
  /** a user task's texts found in the run's training triples (src/eval/tasks/decontamination.ts) */
  training_overlap?: TrainingOverlap;
  /** a task registered by the user, not one of the paper's 21: compare reports it apart, outside the
   *  category means and the paper-style table */
  user_task?: true;
}

export interface DesignResultsJson {
  design: string;
  backend: string;
  limit: number | null;
  /** per category instead of `limit` (null: the whole test set); absent when the run has none */
  limit_by_category?: Partial<Record<TaskCategory, number | null>>;
  profile: string | null;
  instructions: boolean;
  /** the run's instruction policy (training queries, evaluation per family) */
  instruction_policy: InstructionPolicy;
  encoder: Record<string, unknown>;
  identity_sha256: string;
  created: string;
  seconds: number;
  cache: CacheStats & { segments_loaded: number; corrupt_segments: { file: string; reason: string }[] };
  tasks: Record<string, TaskResultJson>;
}
