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
import { checkpointDir, checkpointHash, checkpointStateFile, designDefinitionFile, finalConfigFile, finalDir, lossFile, resultsFile, SEED_DIR_NAME, seedDir } from '../run-folder.ts';

export interface ProfileLike { name: string; steps: number; evalLimit?: number; trainJobs?: number }

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

export type TrainState = 'trained' | 'missing' | 'partial' | 'other-profile' | 'other-design';

/** The design as this process knows it (built in or registered here), or null. */
function knownDesign(name: string): Design | null {
  try { return designByName(name); } catch { return null; }
}

/** What decides a design's vectors besides its weights: pooling (and its source), attention. */
const designKey = (d: Partial<Design> | undefined) => JSON.stringify([d?.pooling, d?.attention, d?.userPooling?.create ?? null]);

/**
 * Whether `<seedDir>/<design>/final/` holds this profile's finished training of the design as it is
 * defined now ('other-design': a notebook redefined the design's pooling since).
 */
export function trainState(dir: string, design: string, profile: ProfileLike): TrainState {
  const config = finalConfigFile(dir, design);
  const now = knownDesign(design);
  if (existsSync(config)) {
    const c = JSON.parse(readFileSync(config, 'utf8')) as { profile?: string; steps?: number; design?: Design };
    if (now && c.design && designKey(c.design) !== designKey(now)) return 'other-design';
    return c.profile === profile.name && c.steps === profile.steps ? 'trained' : 'other-profile';
  }
  return existsSync(checkpointStateFile(dir, design)) ? 'partial' : 'missing';
}

/** A checkpoint may be resumed only when it was written by the same profile, for the design as defined now. */
function resumable(dir: string, design: string, profile: ProfileLike): boolean {
  const state = checkpointStateFile(dir, design);
  if (!existsSync(state)) return true;
  if (trainState(dir, design, profile) === 'other-design') return false;
  const def = designDefinitionFile(dir, design);
  const now = knownDesign(design);
  // the definition the checkpoint was trained from (user designs): a redefined pooling starts afresh
  if (now?.userPooling && existsSync(def) && designKey(JSON.parse(readFileSync(def, 'utf8')) as Design) !== designKey(now)) return false;
  return (JSON.parse(readFileSync(state, 'utf8')) as { profile?: string }).profile === profile.name;
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
  profile: ProfileLike;
  seeds?: number[];
  /** designs side by side (default 2: wasm uses one core per process) */
  jobs?: number;
  log?: (line: string) => void;
}

export interface StageRow { seed: number; design: string; before: string; action: string }

/** Train the designs that have no finished checkpoint of this profile; the others are skipped. */
export async function ensureTrained(designs: readonly string[], o: StageOptions): Promise<StageRow[]> {
  const rows: StageRow[] = [];
  const log = o.log ?? ((l: string) => console.log(l));
  for (const seed of o.seeds ?? [1]) {
    const dir = seedDir(o.runDir, seed);
    const states = designs.map((d) => ({ design: d, state: trainState(dir, d, o.profile) }));
    const todo = states.filter((s) => s.state !== 'trained');
    // partial checkpoints of this profile resume; a run of another profile is replaced
    const resume = todo.filter((s) => resumable(dir, s.design, o.profile)).map((s) => s.design);
    const fresh = todo.filter((s) => !resume.includes(s.design)).map((s) => s.design);
    const action = (s: { design: string; state: TrainState }) =>
      s.state === 'trained' ? 'skipped' : s.state === 'missing' ? 'trained' : resume.includes(s.design) ? 'resumed from its checkpoint'
        : `trained again (the old run had ${s.state === 'other-design' ? 'another definition of the design' : 'another profile'})`;
    for (const s of states) rows.push({ seed, design: s.design, before: s.state, action: action(s) });
    if (todo.length === 0) { log(`seed ${seed}: ${designs.join(', ')} already trained with profile ${o.profile.name}`); continue; }
    for (const d of fresh) clearDesign(dir, d);
    // a user design reaches the train command (a child process) through its definition file
    for (const s of todo) {
      const d = knownDesign(s.design);
      if (!d?.userPooling) continue;
      const file = designDefinitionFile(dir, d.name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic(file, JSON.stringify(d, null, 1) + '\n');
    }
    const base = ['train', '--profile', o.profile.name, '--seed', String(seed), '--out', dir, '--jobs', String(o.jobs ?? o.profile.trainJobs ?? 2)];
    if (resume.length) await runCli([...base, '--design', resume.join(','), '--resume'], log);
    if (fresh.length) await runCli([...base, '--design', fresh.join(',')], log);
  }
  return rows;
}

export type EvalState = 'complete' | 'missing' | 'incomplete' | 'other-limit' | 'stale';

/**
 * Whether `<seedDir>/results/<design>.json` holds every task in `tasks`, at the profile's limit, for
 * the current checkpoint (its sha256 is in the encoder identity; a retrained design is stale).
 */
export function evalState(dir: string, design: string, profile: ProfileLike, tasks: readonly string[]): EvalState {
  const file = resultsFile(dir, design);
  if (!existsSync(file)) return 'missing';
  let r: { limit?: number | null; tasks?: Record<string, unknown>; encoder?: { checkpoint?: string | null } };
  try { r = JSON.parse(readFileSync(file, 'utf8')); } catch { return 'incomplete'; }
  if ((r.limit ?? null) !== (profile.evalLimit ?? null)) return 'other-limit';
  const sha = checkpointHash(dir, design);
  if (sha !== undefined && r.encoder?.checkpoint != null && sha !== r.encoder.checkpoint) return 'stale';
  return tasks.every((t) => r.tasks && t in r.tasks) ? 'complete' : 'incomplete';
}

/**
 * Evaluate the designs whose results are not complete (see evalState). `references` (base-mean,
 * base-eos, use-lite, minilm) are evaluated in the first seed only. `tasks`: the eval command's --tasks
 * (default all); `taskNames`: the dataset names it stands for (to check completeness).
 */
export async function ensureEvaluated(designs: readonly string[], references: readonly string[], taskNames: readonly string[], o: StageOptions & { tasks?: string }): Promise<StageRow[]> {
  const rows: StageRow[] = [];
  const log = o.log ?? ((l: string) => console.log(l));
  const seeds = o.seeds ?? [1];
  for (const [i, seed] of seeds.entries()) {
    const dir = seedDir(o.runDir, seed);
    const wanted = i === 0 ? [...designs, ...references] : [...designs];
    const states = wanted.map((d) => ({ design: d, state: evalState(dir, d, o.profile, taskNames) }));
    const todo = states.filter((s) => s.state !== 'complete').map((s) => s.design);
    for (const s of states) rows.push({ seed, design: s.design, before: s.state, action: s.state === 'complete' ? 'skipped' : 'evaluated' });
    if (todo.length === 0) { log(`seed ${seed}: results complete for ${wanted.join(', ')}`); continue; }
    await runCli(['eval', '--run', dir, '--designs', todo.join(','), '--tasks', o.tasks ?? 'all', '--profile', o.profile.name, '--jobs', String(o.jobs ?? 2)], log);
  }
  return rows;
}

/** `compare --run <runDir>`: stats.json and table.{md,html,tex}. */
export async function runCompare(runDir: string, log?: (line: string) => void): Promise<void> {
  await runCli(['compare', '--run', runDir], log);
}
