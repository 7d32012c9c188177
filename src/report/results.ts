// Reading an evaluation run: `DIR/results/<design>.json`, or with several training seeds
// `DIR/seed-<n>/results/<design>.json`. Every field is checked and a bad one is reported with
// its file and JSON path, because a silently skipped dataset would change the table.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir, SEED_DIR_NAME } from '../run-folder.ts';
import { TASK_CATEGORIES, type TaskCategory } from '../eval/tasks/types.ts';
import type { DesignResultsJson, TaskResultJson } from '../eval/results-file.ts';

export type PerSample =
  | { kind: 'values'; ids: string[]; values: number[] }
  | { kind: 'sts'; ids: string[]; predicted: number[]; gold: number[] };

/** The main score of a random scorer on the task's items (src/eval/chance.ts). */
export type TaskChance = Pick<TaskResultJson['chance'], 'mean' | 'sd' | 'method'>;

/** What the statistics read of a task in the results file (src/eval/results-file.ts), checked. */
export interface TaskResult extends Pick<TaskResultJson, 'category' | 'main_score'> {
  scores: Record<string, unknown>;
  per_sample?: PerSample;
  seconds?: number;
  /** absent in results written before chance levels were recorded */
  chance?: TaskChance;
  /** a user's task, not one of the paper's 21 (eval marks it in the results file) */
  user_task: boolean;
}

export interface DesignResult extends Pick<DesignResultsJson, 'design'> {
  file: string;
  tasks: Record<string, TaskResult>;
  /** the run's instruction policy (src/eval/instruction-policy.ts); absent in older results */
  instruction_policy?: { train: string; eval: string };
}

export interface SeedRun {
  /** null for the single-run layout DIR/results */
  seed: number | null;
  designs: Record<string, DesignResult>;
}

export class ResultsError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberArray(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) throw new ResultsError(`${where}: expected an array of numbers`);
  v.forEach((x, i) => { if (typeof x !== 'number' || !Number.isFinite(x)) throw new ResultsError(`${where}[${i}]: expected a finite number, got ${JSON.stringify(x)}`); });
  return v as number[];
}

function parsePerSample(v: unknown, where: string): PerSample {
  if (!isObject(v)) throw new ResultsError(`${where}: expected an object`);
  // ids are strings in the format; integer ids (an evaluator's default 0..n−1) are accepted as their decimal text
  if (!Array.isArray(v.ids) || v.ids.some((s) => typeof s !== 'string' && !Number.isInteger(s))) throw new ResultsError(`${where}.ids: expected an array of strings`);
  const ids = (v.ids as (string | number)[]).map(String);
  if (new Set(ids).size !== ids.length) throw new ResultsError(`${where}.ids: duplicate ids`);
  const check = (arr: number[], name: string): void => {
    if (arr.length !== ids.length) throw new ResultsError(`${where}.${name}: ${arr.length} values for ${ids.length} ids`);
  };
  if ('values' in v) {
    const values = numberArray(v.values, `${where}.values`);
    check(values, 'values');
    return { kind: 'values', ids, values };
  }
  if ('predicted' in v) {
    const predicted = numberArray(v.predicted, `${where}.predicted`);
    const gold = numberArray(v.gold, `${where}.gold`);
    check(predicted, 'predicted'); check(gold, 'gold');
    return { kind: 'sts', ids, predicted, gold };
  }
  throw new ResultsError(`${where}: needs either "values" or "predicted" and "gold"`);
}

/** Parse and check one `<design>.json`. */
export function parseDesignResult(text: string, file: string): DesignResult {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new ResultsError(`${file}: invalid JSON (${(e as Error).message})`); }
  if (!isObject(raw)) throw new ResultsError(`${file}: expected a JSON object`);
  if (typeof raw.design !== 'string' || raw.design === '') throw new ResultsError(`${file}: "design" must be a non-empty string`);
  if (!isObject(raw.tasks)) throw new ResultsError(`${file}: "tasks" must be an object`);
  const tasks: Record<string, TaskResult> = {};
  for (const [name, t] of Object.entries(raw.tasks)) {
    const where = `${file}: tasks.${name}`;
    if (!isObject(t)) throw new ResultsError(`${where}: expected an object`);
    if (!TASK_CATEGORIES.includes(t.category as TaskCategory)) throw new ResultsError(`${where}.category: must be one of ${TASK_CATEGORIES.join(', ')}, got ${JSON.stringify(t.category)}`);
    if (typeof t.main_score !== 'number' || !Number.isFinite(t.main_score)) throw new ResultsError(`${where}.main_score: expected a finite number`);
    const task: TaskResult = {
      category: t.category as TaskCategory, main_score: t.main_score, scores: isObject(t.scores) ? t.scores : {},
      user_task: t.user_task === true,
    };
    if (t.per_sample !== undefined && t.per_sample !== null) task.per_sample = parsePerSample(t.per_sample, `${where}.per_sample`);
    if (typeof t.seconds === 'number') task.seconds = t.seconds;
    if (t.chance !== undefined && t.chance !== null) {
      const c = t.chance;
      if (!isObject(c) || typeof c.mean !== 'number' || !Number.isFinite(c.mean) || typeof c.sd !== 'number' || !(c.sd >= 0)) {
        throw new ResultsError(`${where}.chance: expected { mean, sd >= 0, method }`);
      }
      task.chance = { mean: c.mean, sd: c.sd, method: typeof c.method === 'string' ? c.method : '' };
    }
    tasks[name] = task;
  }
  const out: DesignResult = { design: raw.design, file, tasks };
  const ip = raw.instruction_policy;
  if (ip !== undefined) {
    if (!isObject(ip) || typeof ip.train !== 'string' || typeof ip.eval !== 'string') throw new ResultsError(`${file}: instruction_policy: expected { train, eval } strings`);
    out.instruction_policy = { train: ip.train, eval: ip.eval };
  }
  return out;
}

function readResultsFolder(dir: string): Record<string, DesignResult> {
  const designs: Record<string, DesignResult> = {};
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const file = join(dir, f);
    const r = parseDesignResult(readFileSync(file, 'utf8'), file);
    if (designs[r.design]) throw new ResultsError(`${file}: design '${r.design}' also in ${designs[r.design]!.file}`);
    designs[r.design] = r;
  }
  return designs;
}

/** All runs under DIR: DIR/results (seed null) or DIR/seed-<n>/results, sorted by seed. */
export function readRun(dir: string): SeedRun[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ResultsError(`${dir}: not a directory`);
  const runs: SeedRun[] = [];
  const single = resultsDir(dir);
  if (existsSync(single)) runs.push({ seed: null, designs: readResultsFolder(single) });
  for (const entry of readdirSync(dir).sort()) {
    if (!SEED_DIR_NAME.test(entry)) continue;
    const sub = resultsDir(join(dir, entry));
    if (!existsSync(sub)) throw new ResultsError(`${join(dir, entry)}: has no results/ folder`);
    runs.push({ seed: Number(entry.slice('seed-'.length)), designs: readResultsFolder(sub) });
  }
  if (runs.length === 0) throw new ResultsError(`${dir}: no results/ or seed-<n>/results/ folder`);
  if (runs.some((r) => r.seed === null) && runs.length > 1) throw new ResultsError(`${dir}: has both results/ and seed-<n>/ folders; use one layout`);
  runs.sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0));
  return runs;
}
