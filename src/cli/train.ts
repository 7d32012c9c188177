// `npm run -s cli -- train --design m1|m1,m3|all --profile smoke|quick|paper --seed 1 --out DIR [--resume]`
// One design trains in this process; several run side by side in child processes (--jobs, default 2:
// wasm uses one core per process).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { intOption, parseArgs, required } from './args.ts';
import { parseDesignList } from '../designs.ts';
import { profileByName, type Profile } from '../training/profiles.ts';
import { runTriples } from '../training/triples-file.ts';

const log = (s: string) => process.stderr.write(s + '\n');

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    design: { default: 'all' }, profile: { default: 'quick' }, seed: { default: '1' }, out: {},
    resume: { flag: true }, jobs: { default: '2' }, steps: {},
    model: { help: 'base model: a known name or a Hugging Face / llama2.c path (default: the profile\'s)' },
  }, 'train');
  const out = required(args, 'out', 'train');
  // a user design (registered in a notebook) is found through the definition in <out>/designs/
  const designs = parseDesignList(args.options.design!, out);
  const profile = { ...profileByName(args.options.profile!) };
  if (args.options.model) profile.model = args.options.model;
  const seed = intOption(args, 'seed', 'train')!;
  const jobs = intOption(args, 'jobs', 'train')!;
  const steps = intOption(args, 'steps', 'train');
  await runTriples(out, profile, log); // once, before any worker starts
  if (designs.length === 1) return trainOne(designs[0]!.name, profile, seed, out, args.flags.resume!, steps);
  const queue = designs.map((d) => d.name);
  const failures: string[] = [];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      const childArgs = ['train', '--design', d, '--profile', profile.name, '--seed', String(seed), '--out', out];
      if (args.flags.resume) childArgs.push('--resume');
      if (steps !== undefined) childArgs.push('--steps', String(steps));
      if (args.options.model) childArgs.push('--model', args.options.model);
      const code = await runChild(childArgs);
      if (code !== 0) failures.push(`${d} (exit ${code})`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, designs.length)) }, worker));
  if (failures.length) { log(`train: failed: ${failures.join(', ')}`); return 1; }
  return 0;
}

function runChild(argv: string[]): Promise<number> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...argv], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
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
