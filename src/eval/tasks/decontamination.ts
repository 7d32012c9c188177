// The decontamination set: every text an evaluation task scores, compared on one key (overlapKey),
// which the training triples (src/training/triples.ts) are kept disjoint from, and the check of a
// user task against what a run trained on.
//
// Does a user task share texts with what a run trained on? The run's training triples
// (triples.json) were kept disjoint from the built-in tasks only (their decontamination set is
// recorded there); a task registered later is compared here, at evaluation, with the same key
// (overlapKey: NFKC, lower case, letters and digits), and an overlap is reported, not hidden.
import { readJsonFile } from '../../io/json-file.ts';
import { builtinTasks, type Task } from './index.ts';
import type { DataByCategory } from './types.ts';
import { taskTexts } from './categories.ts';
import { runTriplesFile } from '../../run-folder.ts';

/** The comparison key for overlap and duplicates: NFKC, lower case, letters and digits only, so
 *  "It's" (cased original) and "it ' s" (tokenised copy) collide. Equality of this key is implied
 *  by equality after case/whitespace normalisation, so disjointness here is the stronger claim. */
export function overlapKey(s: string): string {
  // ASCII fast path (most texts): same result, without the costly NFKC and Unicode classes.
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase().replace(/[^a-z0-9]+/g, '');
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Every text an evaluation task scores: both sides of STS and pair-classification pairs, the
 *  test texts of classification tasks (their train pools only feed the logistic regression),
 *  all clustering texts, reranking queries and candidates, retrieval queries and corpus, and
 *  summaries and references. By default the paper's built-in tasks: a task registered later
 *  (src/eval/tasks/custom.ts) never changes what a run trains on; its overlap is reported at evaluation. */
export async function evaluationTexts(tasks: readonly Task[] = builtinTasks): Promise<string[]> {
  const out: string[] = [];
  for (const t of tasks) {
    const d = await t.load();
    // classification: the test texts only (the train pool feeds the logistic regression alone)
    out.push(...(t.category === 'Classification' ? (d as DataByCategory['Classification']).test.map((x) => x.text) : taskTexts(t.category, d as never)));
  }
  return out;
}

/** The texts of a saved training triple (triples.json) that are compared. */
interface SavedTriple { query: string; positive: string; negative: string }

export interface TrainingOverlap {
  /** the triples file compared with */
  triples_file: string;
  /** the tasks that file's triples were kept disjoint from (absent in files written before it was recorded) */
  decontaminated_against: string[] | null;
  /** distinct texts of the task (by overlapKey) */
  texts: number;
  /** of those, how many occur in a training triple (query, positive or negative) */
  overlapping: number;
  /** up to 3 of them, for the log */
  examples: string[];
}

/** The overlap of a task's texts with the run's training triples; undefined for a built-in task
 *  (kept disjoint when the triples were built) or a run without triples.json (a zero-shot row). */
export async function trainingOverlap(task: Task, runDir: string): Promise<TrainingOverlap | undefined> {
  if (builtinTasks.includes(task)) return undefined;
  const file = runTriplesFile(runDir);
  if (!file) return undefined;
  const saved = readJsonFile<{ decontamination?: { tasks?: string[] }; triples: SavedTriple[] }>(file, 'the run\'s training triples', 'rebuild it with train');
  const trained = new Set<string>();
  for (const t of saved.triples) for (const s of [t.query, t.positive, t.negative]) trained.add(overlapKey(s));
  const seen = new Map<string, string>();
  for (const text of await evaluationTexts([task])) { const k = overlapKey(text); if (k !== '' && !seen.has(k)) seen.set(k, text); }
  const hits = [...seen].filter(([k]) => trained.has(k)).map(([, text]) => text);
  return {
    triples_file: file, decontaminated_against: saved.decontamination?.tasks ?? null,
    texts: seen.size, overlapping: hits.length, examples: hits.slice(0, 3).map((s) => (s.length > 80 ? `${s.slice(0, 77)}...` : s)),
  };
}
