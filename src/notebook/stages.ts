// The study's stages as notebooks call them: each checks what the run folder already holds and runs
// only what is missing, through the same CLI commands `npm run reproduce` uses (train, eval,
// compare), so notebooks and reproduce share one layout: <run>/seed-<n>/<design>/final/,
// <run>/seed-<n>/results/<design>.json, <run>/stats.json. The commands run as child processes
// (both cores; use-lite needs a process of its own) and their progress lines are printed as they
// come, which a notebook shows live.
import { spawnCli } from '../cli/children.ts';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from './context.ts';
import { designByName, TRAINED_DESIGNS, type Design } from '../designs.ts';
import { designOrder } from '../report/analysis.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { checkpointDir, designDefinitionFile, finalConfigFile, finalDir, lossFile, resultsFile, SEED_DIR_NAME, seedDir, statsFile } from '../run-folder.ts';
import { resolveRunSpec, RunSpecMismatch, runSpecLocation, settleRunSpec, type RunSpec } from '../run-spec.ts';
import { compareVerdict, resultsVerdict, trainedVerdict, type Verdict } from '../freshness.ts';
import type { Profile } from '../training/profiles.ts';

/** Run `npm run cli -- <argv>` in a child process; every output line goes to `log` as it arrives. */
export function runCli(argv: string[], log: (line: string) => void = (l) => console.log(l)): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(argv, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const lines = (stream: NodeJS.ReadableStream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        buf += d;
        const parts = buf.split('\n');
        buf = parts.pop()!;
        for (const l of parts) { log(l); tail.push(l); if (tail.length > 20) tail.shift(); }
      });
      stream.on('end', () => { if (buf) { log(buf); tail.push(buf); } });
    };
    lines(child.stdout!);
    lines(child.stderr!);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`'cli ${argv.join(' ')}' failed (${signal ?? `exit ${code}`}); last lines:\n${tail.join('\n')}`));
    });
  });
}

/** A design's state in a seed folder (src/freshness.ts): 'trained' = final/ made from this run's
 *  specification; 'stale' = made from other inputs (another profile setting, model or design definition). */
export type TrainState = 'trained' | 'missing' | 'partial' | 'stale';

/** The design as this process knows it (built in or registered here), else as the run folder records it, or null. */
function knownDesign(name: string, dir?: string): Design | null {
  try { return designByName(name, dir); } catch { return null; }
}

/**
 * The run's specification for a notebook's settings: `o.profile` (the notebook's copy, with PA_MODEL
 * and any cell's edits) resolved and settled into `<runDir>/run.json`, which every child process then
 * reads. A run folder started with other settings is refused with the differing fields, unless
 * `o.onChange` is 'retrain': then run.json is replaced and what was made from the old one is redone.
 */
export async function stageSpec(o: StageOptions): Promise<RunSpec> {
  const spec = await resolveRunSpec(o.profile);
  try {
    return settleRunSpec(o.runDir, spec, { replace: o.onChange === 'retrain' });
  } catch (e) {
    if (e instanceof RunSpecMismatch) {
      throw new Error(`${e.message}\nIn a notebook: pass { onChange: 'retrain' } to the stage (e.g. nb.ensureTrained(designs, { ...options, onChange: 'retrain' })) to train and evaluate again what the change affects, or set PA_RUN_DIR to a new folder.`);
    }
    throw e;
  }
}

/** `trainState` with the reasons: what the verdict of src/freshness.ts says of `<dir>/<design>`. */
export function trainVerdict(dir: string, design: string, spec: RunSpec): Verdict {
  const d = knownDesign(design, dir);
  if (!d) throw new Error(`unknown design '${design}': register it (nb.registerDesign) or train it in ${dir}`);
  return trainedVerdict(dir, d, spec);
}

/** Whether `<seedDir>/<design>/final/` holds the training of the design this run's specification makes. */
export function trainState(dir: string, design: string, spec: RunSpec): TrainState {
  const v = trainVerdict(dir, design, spec);
  return v.state === 'fresh' ? 'trained' : v.state;
}

/**
 * A design trained afresh loses its old checkpoint, final weights and results first, so a run that
 * fails leaves nothing of the previous definition behind to be compared as if it were this one.
 */
function clearDesign(dir: string, design: string): void {
  for (const p of [finalDir(dir, design), checkpointDir(dir, design), lossFile(dir, design), resultsFile(dir, design)]) rmSync(p, { recursive: true, force: true });
}

/**
 * The designs of a run: m1…m6, then every other trained design found in its seed folders (user
 * designs from 07-new-pooling), in study order. `05-compare` and `06-figures` use this list, so a
 * new design joins the statistics and figures once it is trained and evaluated in the run.
 */
export function studyDesigns(runDir: string): string[] {
  const extra = new Set<string>();
  const seeds = existsSync(runDir) ? readdirSync(runDir).filter((f) => SEED_DIR_NAME.test(f)) : [];
  for (const s of seeds) {
    const dir = join(runDir, s);
    for (const d of readdirSync(dir)) {
      if (!TRAINED_DESIGNS.includes(d) && existsSync(finalConfigFile(dir, d))) extra.add(d);
    }
  }
  return [...TRAINED_DESIGNS, ...[...extra].sort(designOrder)];
}

export interface StageOptions {
  runDir: string;
  /** the notebook's profile (nb.configure's, with any cell's edits): it becomes the run's run.json */
  profile: Profile;
  seeds?: number[];
  /** designs side by side (default 2: wasm uses one core per process) */
  jobs?: number;
  /** a run folder started with other settings: 'refuse' (default) names the differing fields;
   *  'retrain' replaces run.json and trains and evaluates again what the change affects */
  onChange?: 'refuse' | 'retrain';
  log?: (line: string) => void;
}

export interface StageRow { seed: number; design: string; before: string; action: string }

/** Train the designs that have no finished checkpoint made from the run's specification; the others are skipped. */
export async function ensureTrained(designs: readonly string[], o: StageOptions): Promise<StageRow[]> {
  const rows: StageRow[] = [];
  const log = o.log ?? ((l: string) => console.log(l));
  const spec = await stageSpec(o);
  for (const seed of o.seeds ?? [1]) {
    const dir = seedDir(o.runDir, seed);
    const states = designs.map((d) => ({ design: d, verdict: trainVerdict(dir, d, spec) }));
    const todo = states.filter((s) => s.verdict.state !== 'fresh');
    // a checkpoint made from this specification resumes; anything made from other inputs is replaced
    const resume = todo.filter((s) => s.verdict.state === 'partial' && s.verdict.reasons.length === 0).map((s) => s.design);
    const fresh = todo.filter((s) => !resume.includes(s.design)).map((s) => s.design);
    const action = (s: { design: string; verdict: Verdict }) =>
      s.verdict.state === 'fresh' ? 'skipped' : s.verdict.state === 'missing' ? 'trained' : resume.includes(s.design) ? 'resumed from its checkpoint'
        : `trained again (made from other inputs: ${s.verdict.reasons.join('; ')})`;
    for (const s of states) rows.push({ seed, design: s.design, before: s.verdict.state === 'fresh' ? 'trained' : s.verdict.state, action: action(s) });
    if (todo.length === 0) { log(`seed ${seed}: ${designs.join(', ')} already trained with this run's settings (${runSpecLocation(o.runDir)})`); continue; }
    for (const d of fresh) clearDesign(dir, d);
    // a user design reaches the train command (a child process) through its definition file
    for (const s of todo) {
      const d = knownDesign(s.design);
      if (!d?.userPooling) continue;
      const file = designDefinitionFile(dir, d.name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, JSON.stringify(d, null, 1) + '\n');
    }
    // the children read every setting from run.json
    const base = ['train', '--seed', String(seed), '--out', dir, '--jobs', String(o.jobs ?? spec.profile.trainJobs ?? 2)];
    if (resume.length) await runCli([...base, '--design', resume.join(','), '--resume'], log);
    if (fresh.length) await runCli([...base, '--design', fresh.join(',')], log);
  }
  return rows;
}

/** A results file's state (src/freshness.ts): 'complete' = every task, made from this run's
 *  specification and the design's current weights; 'incomplete' = some tasks missing; 'stale'. */
export type EvalState = 'complete' | 'missing' | 'incomplete' | 'stale';

/** Whether `<seedDir>/results/<design>.json` holds every task in `tasks` for the run's specification and the current checkpoint. */
export function evalState(dir: string, design: string, spec: RunSpec, tasks: readonly string[]): EvalState {
  const v = resultsVerdict(dir, design, spec, tasks);
  return v.state === 'fresh' ? 'complete' : v.state === 'partial' ? 'incomplete' : v.state;
}

/**
 * Evaluate the designs whose results are not complete (see evalState). `references` (base-mean,
 * base-eos, use-lite, minilm) are evaluated in the first seed only. `tasks`: the eval command's --tasks
 * (default all); `taskNames`: the dataset names it stands for (to check completeness).
 */
export async function ensureEvaluated(designs: readonly string[], references: readonly string[], taskNames: readonly string[], o: StageOptions & { tasks?: string }): Promise<StageRow[]> {
  const rows: StageRow[] = [];
  const log = o.log ?? ((l: string) => console.log(l));
  const spec = await stageSpec(o);
  const seeds = o.seeds ?? [1];
  for (const [i, seed] of seeds.entries()) {
    const dir = seedDir(o.runDir, seed);
    const wanted = i === 0 ? [...designs, ...references] : [...designs];
    const states = wanted.map((d) => ({ design: d, state: evalState(dir, d, spec, taskNames) }));
    const todo = states.filter((s) => s.state !== 'complete').map((s) => s.design);
    for (const s of states) rows.push({ seed, design: s.design, before: s.state, action: s.state === 'complete' ? 'skipped' : 'evaluated' });
    if (todo.length === 0) { log(`seed ${seed}: results complete for ${wanted.join(', ')}`); continue; }
    // the eval command reads limit, policy, model and lengths from run.json
    await runCli(['eval', '--run', dir, '--designs', todo.join(','), '--tasks', o.tasks ?? 'all', '--jobs', String(o.jobs ?? 2)], log);
  }
  return rows;
}

/** `compare --run <runDir>` when stats.json is missing or older than a results file (src/freshness.ts); returns what it did. */
export async function ensureCompared(runDir: string, log?: (line: string) => void): Promise<string> {
  const v = compareVerdict(runDir);
  if (v.state === 'fresh') return `${statsFile(runDir)} is up to date with every results file`;
  await runCompare(runDir, log);
  return v.state === 'missing' ? `compared: ${statsFile(runDir)} written` : `compared again (${v.reasons.join('; ')})`;
}

/** `compare --run <runDir>`: stats.json and table.{md,html,tex}. */
export async function runCompare(runDir: string, log?: (line: string) => void): Promise<void> {
  await runCli(['compare', '--run', runDir], log);
}
