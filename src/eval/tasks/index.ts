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

export const allTasks: readonly Task[] = [
  ...stsTasks, ...classificationTasks, ...clusteringTasks, ...pairClassificationTasks,
  ...rerankingTasks, ...retrievalTasks, ...summarizationTasks,
];

const byName = new Map(allTasks.map((t) => [t.name, t] as const));
if (byName.size !== allTasks.length) throw new Error('duplicate task name in the registry');

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
