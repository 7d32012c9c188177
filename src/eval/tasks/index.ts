// The registry of evaluation tasks, MTEB-style: look a task up by its exact name or by category.
import { classificationTasks } from './classification.ts';
import { clusteringTasks } from './clustering.ts';
import { pairClassificationTasks } from './pair-classification.ts';
import { rerankingTasks } from './reranking.ts';
import { retrievalTasks } from './retrieval.ts';
import { stsTasks } from './sts.ts';
import { summarizationTasks } from './summarization.ts';
import type { Task, TaskCategory, TaskOf } from './types.ts';

export * from './types.ts';

/** The paper's 21 tasks: the suite the training triples are kept disjoint from (whatever else is registered). */
export const builtinTasks: readonly Task[] = [
  ...stsTasks, ...classificationTasks, ...clusteringTasks, ...pairClassificationTasks,
  ...rerankingTasks, ...retrievalTasks, ...summarizationTasks,
];

const registry: Task[] = [...builtinTasks];
/** Every task of this process: the built-in ones, then those added with registerTask (same array, so
 *  importers see additions). */
export const allTasks: readonly Task[] = registry;

const byName = new Map(allTasks.map((t) => [t.name, t] as const));
if (byName.size !== allTasks.length) throw new Error('duplicate task name in the registry');

/** Add a task to this process's registry (src/eval/tasks/custom.ts builds one from local files).
 *  Built-in names are reserved; registering a user task's name again replaces it (a notebook cell
 *  run twice). */
export function registerTask(task: Task): Task {
  if (!/^[A-Za-z0-9][\w.-]*$/.test(task.name)) throw new Error(`task name '${task.name}' is not usable: letters, digits, '_', '-' and '.' (it keys results files)`);
  if (builtinTasks.some((t) => t.name === task.name)) throw new Error(`task '${task.name}' is built in: give your task another name`);
  const at = registry.findIndex((t) => t.name === task.name);
  if (at >= 0) registry[at] = task; else registry.push(task);
  byName.set(task.name, task);
  return task;
}

/** The task with this exact name; an unknown name is an error that lists the valid ones. */
export function taskByName(name: string): Task {
  const t = byName.get(name);
  if (!t) throw new Error(`unknown task '${name}'; valid tasks: ${allTasks.map((x) => x.name).join(', ')}`);
  return t;
}

/** The tasks of one category, in registry order, typed by category. */
export function tasksByCategory<C extends TaskCategory>(category: C): TaskOf<C>[] {
  return allTasks.filter((t): t is Task & TaskOf<C> => t.category === category) as TaskOf<C>[];
}
