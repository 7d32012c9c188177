// `npm run -s cli -- train --design m1|m1,m3|all --profile smoke|quick|smollm2|paper --seed 1 --out DIR [--resume|--force] [--checkpoint-layers]`
// The run's settings are its run.json (src/run-spec.ts): written from --profile and the flags for a new
// run folder, read as they are for an existing one (a flag that would change them is refused).
// One design trains in this process; several run side by side in child processes (--jobs, default the
// profile's trainJobs: 2 for stories260K, where wasm uses one core per process; 1 for SmolLM2, whose
// training process needs 10–12 GB, ~2.2 GB with --checkpoint-layers). Every argument, the run folder's writability, finished designs
// and locks held by another process are checked before the training triples are built (~10 s).
import { runCliChild, runPool } from './children.ts';
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { intOption, parseArgs, parseSeed, required, UsageError } from './args.ts';
import { DESIGNS, parseDesignList, type Design } from '../designs.ts';
import { runSpecForCommand } from './run-spec-options.ts';
import { runSpecLocation, type RunSpec } from '../run-spec.ts';
import { trainedVerdict, trainingInputs } from '../freshness.ts';
import { runTriples } from '../training/triples-file.ts';
import { acquireLock, describeHolder, liveHolder } from '../io/lock.ts';
import { finalDir, trainLockFile } from '../run-folder.ts';

const log = (s: string) => process.stderr.write(s + '\n');

/** One training process per design at a time: the lock file of `design` in `out`. */

export async function run(argv: string[]): Promise<number> {
  const cmd = 'train';
  const args = parseArgs(argv, {
    design: { default: 'all' }, seed: { default: '1' }, out: { help: 'run folder (a seed folder of a multi-seed run reads its parent\'s run.json)' },
    profile: { help: 'smoke | quick | smollm2 | paper, for a new run folder (default quick); a folder with run.json runs under it' },
    resume: { flag: true, help: 'continue from the last checkpoint (a finished design is kept as it is)' },
    force: { flag: true, help: 'retrain a design that already has final weights (its results must be evaluated again)' },
    jobs: { help: "designs trained side by side (default: the profile's trainJobs)" },
    steps: { help: "optimizer steps (default: the profile's)" },
    'lora-layers': { help: "LoRA on the top k decoder layers only, the frozen layers' outputs computed once and cached (default: the profile's loraLayers; all layers)" },
    model: { help: 'base model: a known name or a Hugging Face / llama2.c path (default: the profile\'s)' },
    'checkpoint-layers': { flag: true, help: "recompute each decoder layer in the backward pass instead of keeping its activations: SmolLM2's training peak 10–12 GB → ~2.2 GB, for one more forward pass per step (default: the profile's checkpointLayers)" },
  }, cmd);
  if (args.positionals.length) throw new UsageError(`${cmd}: unexpected argument '${args.positionals[0]}'`);
  const out = required(args, 'out', cmd);
  const seed = parseSeed(args.options.seed!, '--seed', cmd);
  const jobsGiven = intOption(args, 'jobs', cmd);
  const steps = intOption(args, 'steps', cmd);
  const loraLayers = intOption(args, 'lora-layers', cmd);
  if (loraLayers !== undefined && loraLayers < 1) throw new UsageError(`${cmd}: --lora-layers must be >= 1, got ${loraLayers}`);
  if (jobsGiven !== undefined && jobsGiven < 1) throw new UsageError(`${cmd}: --jobs must be >= 1, got ${jobsGiven}`);
  if (steps !== undefined && steps < 1) throw new UsageError(`${cmd}: --steps must be >= 1, got ${steps} (0 steps would write untrained weights as final)`);
  if (args.flags.resume && args.flags.force) throw new UsageError(`${cmd}: --resume keeps a design's progress and --force discards it: give one`);
  const designs = parseDesignList(args.options.design!, out);
  const zeroShot = designs.filter((d) => !d.trained);
  if (zeroShot.length) {
    throw new UsageError(`${cmd}: ${zeroShot.map((d) => `'${d.name}'`).join(', ')} ${zeroShot.length > 1 ? 'are zero-shot reference rows' : 'is a zero-shot reference row'} (evaluated as is: eval --designs ${zeroShot.map((d) => d.name).join(',')}), not trainable; trainable: ${Object.values(DESIGNS).filter((d) => d.trained).map((d) => d.name).join(', ')}`);
  }
  checkWritable(out, cmd);
  // the run's specification: run.json as recorded, or settled from these flags (refused if it would change the run)
  const spec = await runSpecForCommand(out, { profile: args.options.profile, model: args.options.model, steps, loraLayers, checkpointLayers: args.flags['checkpoint-layers'] }, cmd);
  const jobs = jobsGiven ?? spec.profile.trainJobs;
  // a finished design is not overwritten silently: its results were computed from those weights
  const verdicts = designs.map((d) => ({ design: d, verdict: trainedVerdict(out, d, spec) }));
  const finished = verdicts.filter((v) => v.verdict.state === 'fresh' || v.verdict.state === 'stale');
  if (finished.length && !args.flags.force && !args.flags.resume) {
    throw new UsageError(`${cmd}: ${finished.map((v) => v.design.name).join(', ')} already ${finished.length > 1 ? 'have' : 'has'} final weights in ${out} (${finalDir(out, finished[0]!.design.name)}); `
      + `pass --force to retrain (then evaluate again: eval --run ${out} --designs ${finished.map((v) => v.design.name).join(',')}), or --resume to keep them`);
  }
  const stale = finished.filter((v) => v.verdict.state === 'stale');
  if (stale.length && args.flags.resume) {
    throw new UsageError(`${cmd}: ${stale.map((v) => `${v.design.name} was trained from other inputs than this run's (${v.verdict.reasons.join('; ')})`).join('\n')}\npass --force to retrain`);
  }
  const unresumable = verdicts.filter((v) => v.verdict.state === 'partial' && v.verdict.reasons.length);
  if (unresumable.length && args.flags.resume) {
    throw new UsageError(`${cmd}: the checkpoint of ${unresumable.map((v) => `${v.design.name} was written from other inputs than this run's (${v.verdict.reasons.join('; ')})`).join('\n')}\npass --force to train from scratch`);
  }
  const todo = args.flags.resume ? designs.filter((d) => !finished.some((v) => v.design === d)) : designs;
  if (args.flags.resume) for (const v of finished) log(`[train ${v.design.name}] already finished in ${finalDir(out, v.design.name)}: kept`);
  if (todo.length === 0) return 0;
  const busy = todo.flatMap((d) => { const h = liveHolder(trainLockFile(out, d.name)); return h ? [`${d.name} (${describeHolder(h)})`] : []; });
  if (busy.length) throw new Error(`${cmd}: already training in ${out}: ${busy.join('; ')}; wait for it to finish, or stop it`);

  if (todo.length === 1) {
    // the lock first: a second process into this design stops here, before any work
    const release = acquireLock(trainLockFile(out, todo[0]!.name), `training of ${todo[0]!.name} in ${out}`);
    try { return await trainOne(todo[0]!, spec, seed, out, args.flags.resume!); } finally { release(); }
  }
  await runTriples(out, spec.profile, log); // once, before any worker starts
  const workers = Math.max(1, Math.min(jobs, todo.length));
  // children read the run's settings from run.json: no profile flags
  const failures = await runPool(todo.map((d) => d.name), workers, (d) => runCliChild(
    ['train', '--design', d, '--seed', String(seed), '--out', out, ...(args.flags.resume ? ['--resume'] : []), ...(args.flags.force ? ['--force'] : [])], workers, log));
  if (failures.length) { log(`train: failed: ${failures.join(', ')}`); return 1; }
  return 0;
}

/** Create the run folder and a file in it now, not after minutes of work. */
function checkWritable(out: string, cmd: string): void {
  const probe = join(out, `.write-test-${process.pid}`);
  try {
    mkdirSync(out, { recursive: true });
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    throw new UsageError(`${cmd}: --out ${out} is not a writable folder (${(e as Error).message})`);
  }
}

async function trainOne(design: Design, spec: RunSpec, seed: number, out: string, resume: boolean): Promise<number> {
  const { initBackend } = await import('../backend/index.ts');
  const { loadModel } = await import('../model/load.ts');
  const { train } = await import('../training/trainer.ts');
  const { checkRunBaseModel } = await import('../embedding/embedding-model.ts');
  await initBackend();
  await checkRunBaseModel(spec.profile.model, spec.model_files, runSpecLocation(out));
  const base = await loadModel(spec.profile.model);
  const triples = await runTriples(out, spec.profile, log);
  const r = await train({ design, profile: spec.profile, seed, runDir: out, base, triples, resume, trainedFrom: trainingInputs(spec, design) });
  log(`[train ${design.name}] done: ${r.steps} steps in ${r.seconds.toFixed(1)} s, ${r.tokensPerSecond.toFixed(0)} tokens/s, final loss ${r.finalLoss.toFixed(4)}${r.resumedFrom !== null ? ` (resumed from step ${r.resumedFrom})` : ''}`);
  return 0;
}
