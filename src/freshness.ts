// One freshness verdict per artifact of a run: is it still what the run's specification
// (src/run-spec.ts) would make? Each artifact records the inputs it was made from; stale means one of
// them differs now, and the verdict names which. The CLI (train, eval), the notebooks' stages and
// compare all ask here, so they can never disagree about whether a result is current.
//   trained design   <design>/final/config.json  trained_from: trainingInputs(spec, design)
//   checkpoint       <design>/checkpoint/state.json  trained_from (the same), resumable when fresh
//   results file     results/<design>.json  identity_sha256 (model files, checkpoint, max length,
//                    backend), limit, instruction policy; user tasks' data: run.json's user_tasks
//   compare output   stats.json  inputs: sha256 of every results file it read
//   embedding cache  content-addressed by the encoder identity and the text (src/eval/embedding-cache.ts):
//                    a segment is never stale, only unused
// No TensorFlow.js here.
import { sha256File } from './io/sha256.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Design } from './designs.ts';
import { jsonDifferences, EXECUTION_FIELDS, type RunSpec } from './run-spec.ts';
import { checkpointHash, checkpointStateFile, finalConfigFile, resultsDir, resultsFile, seedDirs, statsFile } from './run-folder.ts';

export interface Verdict {
  state: 'fresh' | 'missing' | 'partial' | 'stale';
  /** for 'stale' (and a 'partial' that cannot be resumed): what differs, e.g. "profile.steps: 4 → 10" */
  reasons: string[];
}

const fresh: Verdict = { state: 'fresh', reasons: [] };

/** What decides a design's trained weights: the model's files, the training settings, the design. */
export function trainingInputs(spec: RunSpec, design: Design): Record<string, unknown> {
  const profile: Record<string, unknown> = { ...spec.profile, instructions: { train: spec.profile.instructions.train } };
  for (const f of [...EXECUTION_FIELDS, 'evalLimit', 'evalLimitByCategory', 'name']) delete profile[f];
  const { name: _n, description: _d, ...definition } = design;
  return JSON.parse(JSON.stringify({ model_files: spec.model_files, profile, design: definition })) as Record<string, unknown>;
}

const readJson = (file: string): Record<string, unknown> | undefined => {
  try { return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>; } catch { return undefined; }
};

/** Differences between what an artifact records it was made from and what the spec makes now. */
function madeFrom(recorded: unknown, now: Record<string, unknown>, what: string): string[] {
  if (recorded === undefined) return [`${what} records no inputs (made before run.json existed)`];
  return jsonDifferences(recorded, now);
}

/**
 * A trained design in a seed folder: 'fresh' (final/ made from this spec), 'stale' (final/ made from
 * other inputs), 'partial' (only a checkpoint; `reasons` empty when it can be resumed) or 'missing'.
 */
export function trainedVerdict(dir: string, design: Design, spec: RunSpec): Verdict {
  const now = trainingInputs(spec, design);
  const config = finalConfigFile(dir, design.name);
  if (existsSync(config)) {
    const c = readJson(config);
    if (!c) return { state: 'stale', reasons: [`${config} is unreadable`] };
    const reasons = madeFrom(c.trained_from, now, config);
    return reasons.length ? { state: 'stale', reasons } : fresh;
  }
  const state = checkpointStateFile(dir, design.name);
  if (!existsSync(state)) return { state: 'missing', reasons: [] };
  const s = readJson(state);
  return { state: 'partial', reasons: s ? madeFrom(s.trained_from, now, state) : [`${state} is unreadable`] };
}

/** What decides a results file besides the encoder identity: the item limit and the instruction policy. */
export function evaluationInputs(spec: RunSpec): { limit: number | null; limit_by_category: RunSpec['profile']['evalLimitByCategory'] | null; instruction_policy: RunSpec['profile']['instructions'] } {
  const byCategory = spec.profile.evalLimitByCategory;
  return { limit: spec.profile.evalLimit ?? null, limit_by_category: byCategory && Object.keys(byCategory).length ? byCategory : null, instruction_policy: spec.profile.instructions };
}

/** What a results file must match: the encoder identity's hash when known (the eval command opens the
 *  encoder), else at least the checkpoint it was computed from. */
export interface ExpectedResults {
  limit: number | null;
  /** per-category limits (null or absent: none) */
  limit_by_category?: unknown;
  /** compared when given */
  instruction_policy?: unknown;
  identity_sha256?: string;
  /** sha256 of <design>/final/config.json (undefined: a zero-shot row) */
  checkpoint?: string;
}

/** Why a results file (parsed) does not hold results of the expected kind; [] when it does. */
export function resultsDifferences(prev: Record<string, unknown>, expected: ExpectedResults): string[] {
  const reasons: string[] = [];
  const enc = (prev.encoder ?? {}) as Record<string, unknown>;
  if (expected.identity_sha256 !== undefined && prev.identity_sha256 !== expected.identity_sha256) {
    reasons.push(`another encoder identity (checkpoint ${String(enc.checkpoint ?? 'none').slice(0, 12)}…, model ${String(enc.model ?? '?')}, max length ${String(enc.max_len ?? '?')})`);
  }
  if (expected.checkpoint !== undefined && enc.checkpoint !== expected.checkpoint) {
    reasons.push(`computed from other weights (checkpoint ${String(enc.checkpoint ?? 'none').slice(0, 12)}… vs ${expected.checkpoint.slice(0, 12)}… now; retrained since?)`);
  }
  if ((prev.limit ?? null) !== expected.limit) reasons.push(`limit ${prev.limit ?? 'all'} (this run: ${expected.limit ?? 'all'})`);
  if (JSON.stringify(prev.limit_by_category ?? null) !== JSON.stringify(expected.limit_by_category ?? null)) {
    reasons.push(`limits per category ${JSON.stringify(prev.limit_by_category ?? null)} (this run: ${JSON.stringify(expected.limit_by_category ?? null)})`);
  }
  if (expected.instruction_policy !== undefined && JSON.stringify(prev.instruction_policy) !== JSON.stringify(expected.instruction_policy)) {
    reasons.push(`instruction policy ${JSON.stringify(prev.instruction_policy)} (this run: ${JSON.stringify(expected.instruction_policy)})`);
  }
  return reasons;
}

/**
 * A design's results file in a seed folder against the spec: 'fresh' when it holds every task in
 * `tasks` for the current checkpoint, limit and policy; 'partial' when some tasks are missing;
 * 'stale' (with reasons) when made from other inputs; 'missing'.
 */
export function resultsVerdict(dir: string, design: string, spec: RunSpec, tasks: readonly string[]): Verdict {
  const file = resultsFile(dir, design);
  if (!existsSync(file)) return { state: 'missing', reasons: [] };
  const r = readJson(file);
  if (!r || typeof r.tasks !== 'object' || r.tasks === null) return { state: 'stale', reasons: [`${file} is unreadable`] };
  const reasons = resultsDifferences(r, { ...evaluationInputs(spec), checkpoint: checkpointHash(dir, design) });
  if (reasons.length) return { state: 'stale', reasons };
  const missing = tasks.filter((t) => !(t in (r.tasks as object)));
  return missing.length ? { state: 'partial', reasons: [`tasks not evaluated: ${missing.join(', ')}`] } : fresh;
}

/** The inputs compare records in stats.json: the sha256 of every results file it read, by its path in the run folder. */
export function compareInputs(runDir: string, files: readonly string[]): Record<string, string> {
  return Object.fromEntries([...files].map((f) => [relative(runDir, f), sha256File(f)] as const).sort(([a], [b]) => a.localeCompare(b)));
}

/** A run's stats.json against the results files now in it: stale when any was rewritten, added or removed. */
export function compareVerdict(runDir: string): Verdict {
  const stats = statsFile(runDir);
  if (!existsSync(stats)) return { state: 'missing', reasons: [] };
  const s = readJson(stats);
  if (!s) return { state: 'stale', reasons: [`${stats} is unreadable`] };
  const files = seedDirs(runDir).flatMap((d) => (existsSync(resultsDir(d)) ? readdirSync(resultsDir(d)).filter((f) => f.endsWith('.json')).map((f) => join(resultsDir(d), f)) : []));
  const reasons = madeFrom(s.inputs, compareInputs(runDir, files), stats).map((r) => r.replace(/"[0-9a-f]{64}"/g, 'sha256'));
  return reasons.length ? { state: 'stale', reasons } : fresh;
}
