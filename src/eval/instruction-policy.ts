// Where a task instruction is glued on (without a space) at evaluation, per task family, and whether
// training queries get one. One named policy per run, set by the profile (`instructions`), recorded
// in the run folder (triples.json) and in every results/<design>.json.
//
// Evaluation, per family: 'none' (bare texts), 'queries' (the query side only: retrieval queries,
// reranking queries, the first text of a pair) or 'all' (every text the evaluator encodes).
//
//   family              authors   e5      none
//   STS                 all       all     none
//   Classification      all       all     none
//   Clustering          all       all     none
//   PairClassification  all       all     none
//   Reranking           all       queries none
//   Retrieval           queries   queries none
//   Summarization       all       all     none
//
// 'authors' is what Tang & Yang's evaluation did: their run_mteb.py gives the model only `encode`,
// which glues the instruction to every text; their vendored MTEB RerankingEvaluator falls back to
// `encode` for the candidates, so reranking candidates carry the instruction too; retrieval goes
// through encode_queries / encode_corpus, so only queries get it (documents are title + text).
// 'e5' is the E5-mistral / MTEB convention: asymmetric tasks instruct queries only (each task's
// `instructed` field). 'none' evaluates bare texts. The 'authors' and 'e5' columns are each
// category's spec (authorsInstructed, instructed in src/eval/tasks/categories.ts).
//
// Training: the authors' collate adds no instruction to training queries ('none'); 'queries' gives
// each training query its source's instruction (TRAINING_INSTRUCTIONS in src/training/triples.ts),
// E5-style. Which pairing a profile uses was measured: see README, "Instructions".
import type { Task, TaskCategory } from './tasks/index.ts';
import { CATEGORIES, perCategory } from './tasks/categories.ts';

export type InstructionTarget = 'none' | 'queries' | 'all';
export type EvalInstructionPolicyName = 'authors' | 'e5' | 'none';

export const EVAL_INSTRUCTION_POLICIES: Record<EvalInstructionPolicyName, Record<TaskCategory, InstructionTarget>> = {
  authors: perCategory((c) => CATEGORIES[c].authorsInstructed),
  e5: perCategory((c) => CATEGORIES[c].instructed),
  none: perCategory(() => 'none'),
};

/** The instruction setting of a run: training queries and evaluation. */
export interface InstructionPolicy {
  /** 'none': training queries bare (the authors' collate); 'queries': each gets its source's instruction */
  train: 'none' | 'queries';
  /** which evaluation texts get the task instruction, per family (EVAL_INSTRUCTION_POLICIES) */
  eval: EvalInstructionPolicyName;
}

export function evalPolicyByName(name: string): EvalInstructionPolicyName {
  if (!(name in EVAL_INSTRUCTION_POLICIES)) throw new Error(`unknown instruction policy '${name}'; valid: ${Object.keys(EVAL_INSTRUCTION_POLICIES).join(', ')}`);
  return name as EvalInstructionPolicyName;
}

export type Side = 'query' | 'document';

/** The instruction glued to a text of this side of the task under the policy, or ''. */
export function instructionFor(task: Task, side: Side, policy: EvalInstructionPolicyName = 'authors'): string {
  const target = EVAL_INSTRUCTION_POLICIES[policy][task.category];
  return target === 'all' || (target === 'queries' && side === 'query') ? task.instruction : '';
}

/** One line for reports: "training queries: none; evaluation: authors (…)". */
export function describeInstructionPolicy(p: InstructionPolicy): string {
  const table = EVAL_INSTRUCTION_POLICIES[p.eval];
  const fams = (Object.keys(table) as TaskCategory[]).map((c) => `${c} ${table[c]}`).join(', ');
  return `training queries: ${p.train === 'none' ? 'no instruction' : 'their source\'s instruction'}; evaluation: '${p.eval}' (${fams})`;
}

/** The default when a run names none: the authors' evaluation, no instruction in training. */
export const DEFAULT_INSTRUCTION_POLICY: InstructionPolicy = { train: 'none', eval: 'authors' };
