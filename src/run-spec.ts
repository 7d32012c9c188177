// The run as one value: `<run>/run.json`, the resolved specification every stage of a run reads.
// It is written once, by whatever starts the run (reproduce, train, eval, a notebook's stage), from
// the profile AFTER every override — CLI flags, PA_MODEL, a notebook cell's edits — with the sha256 of
// the base model's files. Every later stage and every child process reads it by path; nothing is
// re-resolved from a profile's or a model's name. A different specification for an existing run
// folder is refused with the fields that differ (a notebook may ask to replace it: then the
// freshness verdicts, src/freshness.ts, say which artifacts were made from the old one).
// Like nanoGPT's checkpoint carrying its config, the run folder describes itself.
//
//   { "format": "pooling-and-attention/run@1", "profile": { ...every Profile field },
//     "model_files": { <role>: <sha256> }, "user_tasks": { <task>: { <file>: <sha256> } } }
//
// A seed folder (`<run>/seed-<n>`) reads its parent's run.json. No TensorFlow.js here.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Profile } from './training/profiles.ts';
import { readJsonFile } from './io/json-file.ts';
import { ensureDir, writeJsonAtomic } from './io/atomic.ts';
import { SEED_DIR_NAME } from './run-folder.ts';

export const RUN_SPEC_FORMAT = 'pooling-and-attention/run@1';

export interface RunSpec {
  format: typeof RUN_SPEC_FORMAT;
  /** every setting of the run; `profile.model` is the base model as given (name or path) */
  profile: Profile;
  /** sha256 of the base model's files by role (src/model/load.ts modelIdentity) */
  model_files: Record<string, string>;
  /** user tasks evaluated in this run: sha256 of each data file, recorded when first evaluated */
  user_tasks: Record<string, Record<string, string>>;
}

/** Profile fields that change how a run executes, never its numbers: they may differ between the
 *  processes of one run (a notebook turning on activation checkpointing, `--jobs`). */
export const EXECUTION_FIELDS = ['trainJobs', 'checkpointLayers', 'encodeBatchSize', 'checkpointEvery'] as const;

/** The file a run folder's specification is in. */
export const runSpecFile = (runDir: string): string => join(runDir, 'run.json');

/** Where `dir`'s specification lives: its own run.json, else (a seed folder) its parent's. */
export function runSpecLocation(dir: string): string {
  const own = runSpecFile(dir);
  if (existsSync(own) || !SEED_DIR_NAME.test(basename(dir))) return own;
  const parent = runSpecFile(dirname(dir));
  return existsSync(parent) ? parent : own;
}

/** The resolved specification of a run, from the profile after every override. */
export async function resolveRunSpec(profile: Profile): Promise<RunSpec> {
  const { modelIdentity, requireModelSpec } = await import('./model/load.ts');
  requireModelSpec(profile.model);
  // a deep copy that is plain JSON: `undefined` fields drop out, as they do in the file
  const plain = JSON.parse(JSON.stringify(profile)) as Profile;
  return { format: RUN_SPEC_FORMAT, profile: plain, model_files: await modelIdentity(profile.model), user_tasks: {} };
}

/** The specification `dir` runs under, or undefined when none is written yet. */
export function readRunSpec(dir: string): RunSpec | undefined {
  const file = runSpecLocation(dir);
  if (!existsSync(file)) return undefined;
  const spec = readJsonFile<RunSpec>(file, 'the run specification', 'it is written by the command that started the run; restore it, or start the run in a new folder');
  if (spec?.format !== RUN_SPEC_FORMAT || typeof spec.profile !== 'object' || typeof spec.model_files !== 'object') {
    throw new Error(`${file}: not a run specification of this project (format ${JSON.stringify(spec?.format)}, expected "${RUN_SPEC_FORMAT}")`);
  }
  spec.user_tasks ??= {};
  return spec;
}

/** The specification `dir` runs under; an error saying how to start the run when there is none. */
export function requireRunSpec(dir: string, command: string): RunSpec {
  const spec = readRunSpec(dir);
  if (!spec) throw new Error(`${command}: ${runSpecFile(dir)} does not exist: the run folder has no specification yet; start the run with 'train --out ${dir} --profile NAME' or 'reproduce --out ${dir}'`);
  return spec;
}

/** Dotted paths where two JSON values differ, each with both values: ["profile.steps: 4 → 10"]. */
export function jsonDifferences(was: unknown, now: unknown, path = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(was) && isObj(now)) {
    const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])].sort();
    return keys.flatMap((k) => jsonDifferences(was[k], now[k], path ? `${path}.${k}` : k));
  }
  if (JSON.stringify(was) === JSON.stringify(now)) return [];
  const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
  return [`${path || '(value)'}: ${show(was)} → ${show(now)}`];
}

/** The parts of a specification that decide a run's numbers (execution fields and the user-task record left out). */
function decisive(spec: RunSpec): Record<string, unknown> {
  const profile: Record<string, unknown> = { ...spec.profile };
  for (const f of EXECUTION_FIELDS) delete profile[f];
  return { profile, model_files: spec.model_files };
}

/** How `now` differs from the recorded `was`, in the fields that decide numbers. */
export function specDifferences(was: RunSpec, now: RunSpec): string[] {
  return jsonDifferences(decisive(was), decisive(now));
}

export class RunSpecMismatch extends Error {
  constructor(readonly file: string, readonly differences: string[]) {
    super(`${file}: this run folder was started with another specification; differing: ${differences.join('; ')}. `
      + 'Use a new run folder (--out / PA_RUN_DIR), or give the settings the run was started with (omit --profile, --model, --steps … to take them from run.json)');
    this.name = 'RunSpecMismatch';
  }
}

/**
 * Make `spec` the specification of `dir`: written when the folder has none; kept when the recorded
 * one decides the same numbers (execution fields are updated); refused with the differing fields
 * otherwise, unless `replace` (a notebook that retrains what changed). Returns what `dir` now holds.
 */
export function settleRunSpec(dir: string, spec: RunSpec, opts: { replace?: boolean } = {}): RunSpec {
  const file = runSpecLocation(dir);
  const recorded = readRunSpec(dir);
  if (!recorded) {
    ensureDir(dirname(file));
    writeJsonAtomic(file, spec);
    return spec;
  }
  const differences = specDifferences(recorded, spec);
  if (differences.length && !opts.replace) throw new RunSpecMismatch(file, differences);
  const next: RunSpec = { ...spec, user_tasks: differences.length ? {} : recorded.user_tasks };
  if (JSON.stringify(next) !== JSON.stringify(recorded)) writeJsonAtomic(file, next);
  return next;
}

/**
 * Record the data files of the user tasks just evaluated; a task whose files changed since it was
 * first evaluated in this run is refused (its earlier results were computed on other data).
 */
export function recordUserTasks(dir: string, tasks: Record<string, Record<string, string>>): void {
  const file = runSpecLocation(dir);
  const spec = requireRunSpec(dir, 'eval');
  let changed = false;
  for (const [task, files] of Object.entries(tasks)) {
    const was = spec.user_tasks[task];
    if (was === undefined) { spec.user_tasks[task] = files; changed = true; continue; }
    const d = jsonDifferences(was, files);
    if (d.length) {
      throw new Error(`${file}: user task '${task}' was evaluated in this run on other data (${d.join('; ')}); `
        + 'its earlier results would be compared with these: restore its files, or register the changed data as a task of another name');
    }
  }
  if (changed) writeJsonAtomic(file, spec);
}
