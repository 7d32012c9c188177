// Comparisons over one task set: a table or figure that puts designs side by side uses only the tasks
// every one of its rows has, and says which it left out. Without this, a design evaluated on fewer
// tasks (a new pooling in 07, a user task evaluated for m1–m6 only) gets category means over other
// datasets than its neighbours, and a retrieval mean of one dataset is compared with a mean of two.
// compare (src/report/analysis.ts), notebook 05/06 (through stats.json) and notebook 07 use this.
import { existsSync, readFileSync } from 'node:fs';
import { resultsFile } from '../run-folder.ts';
import { TASK_CATEGORIES, type TaskCategory } from '../eval/tasks/types.ts';

export interface TaskSet {
  /** the tasks every row has, sorted */
  tasks: string[];
  /** each task left out, with the rows that lack it */
  left_out: Record<string, string[]>;
}

/** The tasks common to every row (`rows`: row name → the tasks it has). */
export function commonTaskSet(rows: Record<string, Iterable<string>>): TaskSet {
  const sets = Object.entries(rows).map(([row, tasks]) => [row, new Set(tasks)] as const);
  const all = [...new Set(sets.flatMap(([, s]) => [...s]))].sort();
  const left_out: Record<string, string[]> = {};
  const tasks: string[] = [];
  for (const t of all) {
    const lacking = sets.filter(([, s]) => !s.has(t)).map(([row]) => row);
    if (lacking.length) left_out[t] = lacking;
    else tasks.push(t);
  }
  return { tasks, left_out };
}

/** One line for a caption or a warning: "21 tasks every row has; left out: X (m7 lacks it)". */
export function describeTaskSet(ts: TaskSet): string {
  const out = Object.entries(ts.left_out);
  return `${ts.tasks.length} task${ts.tasks.length === 1 ? '' : 's'} every row has`
    + (out.length ? `; left out: ${out.map(([t, rows]) => `${t} (${rows.join(', ')} lack${rows.length === 1 ? 's' : ''} it)`).join(', ')}` : '');
}

export interface CategoryComparison {
  task_set: TaskSet;
  /** design → category → mean main score over the common tasks of that category */
  means: Record<string, Record<string, { score: number; datasets: string[] }>>;
  categories: TaskCategory[];
}

interface TaskScore { category: TaskCategory; main_score: number | null; user_task?: boolean }

/**
 * Category means of one seed folder's results for `designs`, over the built-in tasks every design has
 * (a user's own tasks stay out, as in compare). Reads `<seedDir>/results/<design>.json`.
 */
export function categoryComparison(seedDir: string, designs: readonly string[]): CategoryComparison {
  const scores: Record<string, Record<string, TaskScore>> = {};
  for (const d of designs) {
    const file = resultsFile(seedDir, d);
    if (!existsSync(file)) throw new Error(`${file} does not exist: evaluate ${d} first`);
    const tasks = (JSON.parse(readFileSync(file, 'utf8')) as { tasks: Record<string, TaskScore> }).tasks;
    scores[d] = Object.fromEntries(Object.entries(tasks).filter(([, t]) => !t.user_task && typeof t.main_score === 'number' && Number.isFinite(t.main_score)));
  }
  const task_set = commonTaskSet(Object.fromEntries(designs.map((d) => [d, Object.keys(scores[d]!)])));
  const means: CategoryComparison['means'] = {};
  const present = new Set<TaskCategory>();
  for (const d of designs) {
    means[d] = {};
    const byCat = new Map<TaskCategory, string[]>();
    for (const t of task_set.tasks) {
      const c = scores[d]![t]!.category;
      byCat.set(c, [...(byCat.get(c) ?? []), t]);
      present.add(c);
    }
    for (const [c, ts] of byCat) means[d]![c] = { score: ts.reduce((a, t) => a + scores[d]![t]!.main_score!, 0) / ts.length, datasets: ts };
  }
  return { task_set, means, categories: TASK_CATEGORIES.filter((c) => present.has(c)) };
}
