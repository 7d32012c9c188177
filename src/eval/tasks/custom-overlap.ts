// Does a user task share texts with what a run trained on? The run's training triples
// (triples.json) were kept disjoint from the built-in tasks only (their decontamination set is
// recorded there); a task registered later is compared here, at evaluation, with the same key
// (overlapKey: NFKC, lower case, letters and digits), and an overlap is reported, not hidden.
import { readJsonFile } from '../../io/json-file.ts';
import { evaluationTexts, overlapKey, type Triple } from '../../training/triples.ts';
import { builtinTasks, type Task } from './index.ts';
import { runTriplesFile } from '../../run-folder.ts';

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
  const saved = readJsonFile<{ decontamination?: { tasks?: string[] }; triples: Triple[] }>(file, 'the run\'s training triples', 'rebuild it with train');
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
