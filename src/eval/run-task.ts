// One task end to end: load its data, embed each side, run its category's evaluator, and compute
// the chance level of its main score on the same items (src/eval/chance.ts); how each category does
// both is its spec (src/eval/tasks/categories.ts). Which texts get the task instruction follows the
// run's instruction policy, per task family (src/eval/instruction-policy.ts).
import type { EvaluationResult } from './evaluators/index.ts';
import type { DataByCategory, Task, TaskCategory } from './tasks/index.ts';
import { categorySpec, type EmbedFn } from './tasks/categories.ts';
import type { Quirks } from '../data/datasets/records.ts';
import type { TaskResultJson } from './results-file.ts';
import { instructionFor, type EvalInstructionPolicyName } from './instruction-policy.ts';

export { instructionFor, type Side } from './instruction-policy.ts';

/** One task's outcome: what the runner writes into the results file (src/eval/results-file.ts). */
export interface TaskRun extends Pick<TaskResultJson, 'items' | 'files' | 'sha256' | 'chance' | 'instructions'> {
  result: EvaluationResult<Record<string, unknown>>;
  quirks: Quirks;
}

export async function runTask(task: Task, embed: EmbedFn, limit?: number, policy: EvalInstructionPolicyName = 'authors'): Promise<TaskRun> {
  const q = instructionFor(task, 'query', policy), d = instructionFor(task, 'document', policy);
  const run = categorySpec<TaskCategory>(task.category);
  const loaded = (await task.load({ limit })) as DataByCategory[TaskCategory];
  const { result, chance, items } = await run.evaluate(loaded as never, embed, q, d);
  const r = result as EvaluationResult<Record<string, unknown>>;
  return { result: { ...r, per_sample: run.comparable(r.per_sample) }, items, quirks: loaded.quirks, files: loaded.files, ...(loaded.sha256 ? { sha256: loaded.sha256 } : {}), chance, instructions: { query: q, document: d } };
}
