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

/** What each registered user task was defined as (custom.ts: category, files, instruction…). */
const definitions = new Map<string, string>();
let registrations = 0;
/** How many registerTask calls this copy of the registry has seen (task-modules.ts checks that a
 *  module's registrations reached it). */
export const registrationCount = (): number => registrations;

/** Add a task to this process's registry (src/eval/tasks/custom.ts builds one from local files).
 *  Built-in names are reserved. A name is registered once: registering it again is allowed only for
 *  the same task object or the same `definition` (a notebook cell or module run twice: the same
 *  category, files, instruction, description and license), and then replaces it. Another definition
 *  under a taken name is an error, whichever module or cell it comes from: the registry cannot tell a
 *  second module from an edited cell, and a silent replacement would score the designs on other data
 *  than the name says (rename one task, or restart the process after editing a definition). */
export function registerTask(task: Task, definition?: string): Task {
  if (!/^[A-Za-z0-9][\w.-]*$/.test(task.name)) throw new Error(`task name '${task.name}' is not usable: letters, digits, '_', '-' and '.' (it keys results files)`);
  if (builtinTasks.some((t) => t.name === task.name)) throw new Error(`task '${task.name}' is built in: give your task another name`);
  const at = registry.findIndex((t) => t.name === task.name);
  if (at >= 0 && registry[at] !== task && (definition === undefined || definitions.get(task.name) !== definition)) {
    const was = definitions.get(task.name);
    throw new Error(`task '${task.name}' is already registered with another definition${was && definition ? ` (${was}; now ${definition})` : ''}: two tasks cannot share a name, give one of them another name`);
  }
  registrations += 1;
  if (at >= 0) registry[at] = task; else registry.push(task);
  byName.set(task.name, task);
  if (definition === undefined) definitions.delete(task.name); else definitions.set(task.name, definition);
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
