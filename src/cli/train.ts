// `npm run -s cli -- train --design m1|m1,m3|all --profile smoke|quick|paper --seed 1 --out DIR [--resume|--force] [--checkpoint-layers]`
// One design trains in this process; several run side by side in child processes (--jobs, default the
// profile's trainJobs: 2 for stories260K, where wasm uses one core per process; 1 for SmolLM2, whose
// training process needs 10–12 GB, ~2.2 GB with --checkpoint-layers). Every argument, the run folder's writability, finished designs
// and locks held by another process are checked before the training triples are built (~10 s).
import { runCliChild, runPool } from './children.ts';
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { intOption, parseArgs, parseSeed, required, UsageError } from './args.ts';
import { DESIGNS, parseDesignList } from '../designs.ts';
import { profileByName, type Profile } from '../training/profiles.ts';
import { runTriples } from '../training/triples-file.ts';
import { acquireLock, describeHolder, liveHolder } from '../io/lock.ts';
import { finalConfigFile, finalDir, trainLockFile } from '../run-folder.ts';

const log = (s: string) => process.stderr.write(s + '\n');

/** One training process per design at a time: the lock file of `design` in `out`. */

export async function run(argv: string[]): Promise<number> {
  const cmd = 'train';
  const args = parseArgs(argv, {
    design: { default: 'all' }, profile: { default: 'quick' }, seed: { default: '1' }, out: {},
    resume: { flag: true, help: 'continue from the last checkpoint (a finished design is kept as it is)' },
    force: { flag: true, help: 'retrain a design that already has final weights (its results must be evaluated again)' },
    jobs: { help: "designs trained side by side (default: the profile's trainJobs)" }, steps: {},
    model: { help: 'base model: a known name or a Hugging Face / llama2.c path (default: the profile\'s)' },
    'checkpoint-layers': { flag: true, help: "recompute each decoder layer in the backward pass instead of keeping its activations: SmolLM2's training peak 10–12 GB → ~2.2 GB, for one more forward pass per step (default: the profile's checkpointLayers)" },
  }, cmd);
  if (args.positionals.length) throw new UsageError(`${cmd}: unexpected argument '${args.positionals[0]}'`);
  const out = required(args, 'out', cmd);
  const profile = { ...profileByName(args.options.profile!) };
  if (args.options.model) profile.model = args.options.model;
  if (args.flags['checkpoint-layers']) profile.checkpointLayers = true;
  const seed = parseSeed(args.options.seed!, '--seed', cmd);
  const jobs = intOption(args, 'jobs', cmd) ?? profile.trainJobs;
  const steps = intOption(args, 'steps', cmd);
  if (jobs < 1) throw new UsageError(`${cmd}: --jobs must be >= 1, got ${jobs}`);
  if (steps !== undefined && steps < 1) throw new UsageError(`${cmd}: --steps must be >= 1, got ${steps} (0 steps would write untrained weights as final)`);
  if (args.flags.resume && args.flags.force) throw new UsageError(`${cmd}: --resume keeps a design's progress and --force discards it: give one`);
  let designs = parseDesignList(args.options.design!, out);
  const zeroShot = designs.filter((d) => !d.trained);
  if (zeroShot.length) {
    throw new UsageError(`${cmd}: ${zeroShot.map((d) => `'${d.name}'`).join(', ')} ${zeroShot.length > 1 ? 'are zero-shot reference rows' : 'is a zero-shot reference row'} (evaluated as is: eval --designs ${zeroShot.map((d) => d.name).join(',')}), not trainable; trainable: ${Object.values(DESIGNS).filter((d) => d.trained).map((d) => d.name).join(', ')}`);
  }
  checkWritable(out, cmd);
  // a finished design is not overwritten silently: its results were computed from those weights
  const finished = designs.filter((d) => existsSync(finalConfigFile(out, d.name)));
  if (finished.length && !args.flags.force && !args.flags.resume) {
    throw new UsageError(`${cmd}: ${finished.map((d) => d.name).join(', ')} already ${finished.length > 1 ? 'have' : 'has'} final weights in ${out} (${finalDir(out, finished[0]!.name)}); `
      + `pass --force to retrain (then evaluate again: eval --run ${out} --designs ${finished.map((d) => d.name).join(',')}), or --resume to keep them`);
  }
  // --resume keeps them: a finished design is neither trained nor written again
  if (finished.length && args.flags.resume) {
    for (const d of finished) log(`[train ${d.name}] already finished in ${finalDir(out, d.name)}: kept`);
    designs = designs.filter((d) => !finished.includes(d));
    if (designs.length === 0) return 0;
  }
  const busy = designs.flatMap((d) => { const h = liveHolder(trainLockFile(out, d.name)); return h ? [`${d.name} (${describeHolder(h)})`] : []; });
  if (busy.length) throw new Error(`${cmd}: already training in ${out}: ${busy.join('; ')}; wait for it to finish, or stop it`);

  if (designs.length === 1) {
    // the lock first: a second process into this design stops here, before any work
    const release = acquireLock(trainLockFile(out, designs[0]!.name), `training of ${designs[0]!.name} in ${out}`);
    try { return await trainOne(designs[0]!.name, profile, seed, out, args.flags.resume!, steps); } finally { release(); }
  }
  await runTriples(out, profile, log); // once, before any worker starts
  const workers = Math.max(1, Math.min(jobs, designs.length));
  const failures = await runPool(designs.map((d) => d.name), workers, (d) => {
    const childArgs = ['train', '--design', d, '--profile', profile.name, '--seed', String(seed), '--out', out];
    if (args.flags.resume) childArgs.push('--resume');
    if (args.flags.force) childArgs.push('--force');
    if (steps !== undefined) childArgs.push('--steps', String(steps));
    if (args.options.model) childArgs.push('--model', args.options.model);
    if (args.flags['checkpoint-layers']) childArgs.push('--checkpoint-layers');
    return runCliChild(childArgs, workers, log);
  });
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

async function trainOne(design: string, profile: Profile, seed: number, out: string, resume: boolean, steps?: number): Promise<number> {
  const { initBackend } = await import('../backend/index.ts');
  const { loadModel } = await import('../model/load.ts');
  const { train } = await import('../training/trainer.ts');
  const { designByName } = await import('../designs.ts');
  await initBackend();
  const base = await loadModel(profile.model);
  const triples = await runTriples(out, profile, log);
  const r = await train({ design: designByName(design, out), profile, seed, runDir: out, base, triples, resume, steps });
  log(`[train ${design}] done: ${r.steps} steps in ${r.seconds.toFixed(1)} s, ${r.tokensPerSecond.toFixed(0)} tokens/s, final loss ${r.finalLoss.toFixed(4)}${r.resumedFrom !== null ? ` (resumed from step ${r.resumedFrom})` : ''}`);
  return 0;
}
