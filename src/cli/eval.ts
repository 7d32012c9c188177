// `npm run -s cli -- eval --run DIR [--designs m1,m5|all] [--tasks sts,classification,…|STSBenchmark,…]
//   [--limit N|all] [--profile smoke|quick|paper] [--jobs 2] [--batch-size N] [--model NAME] [--max-len N]`
// evaluates under the run's run.json (src/run-spec.ts); the flags set it for a new run folder and are
// refused where they would change an existing run's numbers.
// writes DIR/results/<design>.json per design and caches embeddings under DIR/cache/embeddings/.
// One design runs in this process; several run side by side in child processes (--jobs, default 2:
// wasm uses one core per process). use-lite always gets a process of its own: it bundles another
// TensorFlow.js.
import { runCliChild, runPool } from './children.ts';
import { existsSync } from 'node:fs';
import { intOption, parseArgs, required, UsageError } from './args.ts';
import { DESIGNS, OUTSIDE_ENCODERS, resolveDesigns } from '../designs.ts';
import { resolveTasks } from '../eval/runner.ts';
import { importTaskModules, TaskModuleError } from '../eval/tasks/task-modules.ts';
import { settlePreviousResults } from '../eval/previous-results.ts';
import { acquireLock, describeHolder, liveHolder } from '../io/lock.ts';
import { identityHash } from '../io/sha256.ts';
import { evalPolicyByName, type InstructionPolicy } from '../eval/instruction-policy.ts';
import { runSpecForCommand } from './run-spec-options.ts';
import { requireRunSpec, runSpecLocation, type RunSpec } from '../run-spec.ts';
import { evaluationInputs } from '../freshness.ts';
import { finalConfigFile, resultsDir, resultsFile } from '../run-folder.ts';
// Nothing imported here loads TensorFlow.js (src/training/* does): a --child use-lite process must
// stay free of it.

const log = (s: string) => process.stderr.write(s + '\n');

export async function run(argv: string[]): Promise<number> {
  const cmd = 'eval';
  const args = parseArgs(argv, {
    run: { help: 'run folder: reads <design>/final/, writes results/ and cache/' },
    designs: { default: 'all', help: 'all (m1…m6) or a list of m1…m6, base-mean, base-eos, use-lite, minilm' },
    tasks: { default: 'all', help: 'all, categories (sts, classification, …) or dataset names (the paper\'s; user tasks by name)' },
    'task-module': { help: 'comma-separated .ts/.js files that register user tasks (src/eval/tasks/custom.ts), imported first (default: $PA_TASK_MODULES)' },
    limit: { help: "items per task, or 'all' (default: the run's evalLimit)" },
    profile: { help: "smoke | quick | smollm2 | paper, for a new run folder (default quick); a folder with run.json is evaluated under it" },
    jobs: { default: '2', help: 'designs evaluated side by side' },
    'batch-size': { help: "texts per encoder batch (default: the run's encodeBatchSize)" },
    model: { help: "base model, for a new run folder (default: the profile's)" },
    'max-len': { help: "max tokens per text, for a new run folder (default: the profile's maxLen)" },
    instructions: { help: "where task instructions go at evaluation: authors | e5 | none, for a new run folder (default: the profile's; src/eval/instruction-policy.ts)" },
    child: { flag: true, help: "internal: evaluate the one design here, under the run's run.json" },
  }, cmd);
  if (args.positionals.length) throw new UsageError(`${cmd}: unexpected argument '${args.positionals[0]}'`);
  const runDir = required(args, 'run', cmd);
  let designs: string[], tasks: ReturnType<typeof resolveTasks>;
  // PA_TASK_MODULES: the same list from the environment (a notebook cell sets it before ensureEvaluated)
  const taskModules = (args.options['task-module'] ?? process.env.PA_TASK_MODULES ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '');
  await importTaskModules(taskModules, args.options['task-module'] ? '--task-module' : 'PA_TASK_MODULES').catch((e) => { throw e instanceof TaskModuleError ? new UsageError(`${cmd}: ${e.message}`) : e; }); // children import them too
  try {
    designs = resolveDesigns(args.options.designs!, runDir);
    tasks = resolveTasks(args.options.tasks!);
  } catch (e) { throw new UsageError(`${cmd}: ${(e as Error).message}`); }
  const positive = (name: string): number | undefined => {
    const v = intOption(args, name, cmd);
    if (v !== undefined && v < 1) throw new UsageError(`${cmd}: --${name} must be >= 1, got ${v}`);
    return v;
  };
  if (args.flags.child) {
    if (designs.length !== 1) throw new UsageError(`${cmd}: --child evaluates exactly one design`);
    return evalOne(designs[0]!, { runDir, tasks, spec: requireRunSpec(runDir, cmd) });
  }
  const limitAll = args.options.limit === 'all';
  let evalInstructions: InstructionPolicy['eval'] | undefined;
  try { evalInstructions = args.options.instructions === undefined ? undefined : evalPolicyByName(args.options.instructions); }
  catch (e) { throw new UsageError(`${cmd}: --instructions: ${(e as Error).message}`); }
  // the run's specification: run.json as recorded, or settled from these flags (refused if it would change the run)
  const spec = await runSpecForCommand(runDir, {
    profile: args.options.profile, model: args.options.model, evalLimit: limitAll ? 'all' : positive('limit'), evalInstructions,
    maxLen: positive('max-len'), encodeBatchSize: positive('batch-size'),
  }, cmd);
  const jobs = positive('jobs')!;

  // Every missing checkpoint is reported before any work starts.
  const configOf = (d: string) => finalConfigFile(runDir, d);
  const missing = designs.filter((d) => (DESIGNS[d]?.trained ?? !(OUTSIDE_ENCODERS as readonly string[]).includes(d)) && !existsSync(configOf(d)));
  if (missing.length) {
    throw new Error(missing.map((d) => `design '${d}' has no final checkpoint: ${configOf(d)} does not exist (train it first)`).join('\n'));
  }

  // Another eval writing one of these results files: refused now, not after the others ran.
  const busy = designs.flatMap((d) => { const h = liveHolder(evalLockFile(runDir, d)); return h ? [`${d} (${describeHolder(h)})`] : []; });
  if (busy.length) throw new Error(`${cmd}: already evaluating in ${runDir}: ${busy.join('; ')}; wait for it to finish (one writer per results file)`);

  // One design of ours runs here; use-lite and several designs run in child processes.
  if (designs.length === 1 && designs[0] !== 'use-lite') return evalOne(designs[0]!, { runDir, tasks, spec });
  // use-lite encodes ~6× slower than a decoder design (47 vs ~290 texts/s in a quick run): started
  // first, it runs beside the others instead of alone at the end (quick, 9 designs: 1264 → 1051 s).
  // minilm (a 22M-parameter BERT) is slower still: first of all.
  const slow = ['minilm', 'use-lite'];
  const queue = [...slow.filter((d) => designs.includes(d)), ...designs.filter((d) => !slow.includes(d))];
  const workers = Math.min(jobs, designs.length);
  // children read the run's settings from run.json
  const failures = await runPool(queue, workers, (d) => runCliChild(['eval', '--child', '--run', runDir, '--designs', d, '--tasks', tasks.map((t) => t.name).join(','),
    ...(taskModules.length ? ['--task-module', taskModules.join(',')] : [])], workers, log));
  if (failures.length) { log(`eval: failed: ${failures.join(', ')} (see the errors above)`); return 1; }
  if (designs.length > 1) log(`eval: ${designs.length} designs → ${resultsDir(runDir)}`);
  return 0;
}

/** One writer per results file (and its embedding cache): the lock beside DIR/results/<design>.json. */
export const evalLockFile = (runDir: string, design: string) => `${resultsFile(runDir, design)}.lock`;

async function evalOne(design: string, o: { runDir: string; tasks: ReturnType<typeof resolveTasks>; spec: RunSpec }): Promise<number> {
  const release = acquireLock(evalLockFile(o.runDir, design), `evaluation of ${design} in ${o.runDir}`);
  try {
    const { evaluateDesign } = await import('../eval/runner.ts');
    const { openEncoder } = await import('../eval/sentence-encoder.ts');
    const { allTasks } = await import('../eval/tasks/index.ts');
    const p = o.spec.profile;
    const encoder = await openEncoder(design, { runDir: o.runDir, batchSize: p.encodeBatchSize, maxLen: p.maxLen, model: p.model });
    // a decoder design must run on the very files the run recorded
    const files = encoder.identity.model_files;
    if (files !== undefined && JSON.stringify(files) !== JSON.stringify(o.spec.model_files)) {
      throw new Error(`${runSpecLocation(o.runDir)}: the run was started on base model '${p.model}' with files ${JSON.stringify(o.spec.model_files)}, but ${design} would be evaluated on ${JSON.stringify(files)}; use the same model files, or start a new run`);
    }
    const { limit, limit_by_category, instruction_policy } = evaluationInputs(o.spec);
    // what the runner cannot keep of an earlier results file is moved aside first, with the reason
    settlePreviousResults(resultsFile(o.runDir, design), {
      identity_sha256: identityHash(encoder.identity), limit, limit_by_category, instructions: encoder.usesInstructions, instruction_policy,
    }, new Set(allTasks.map((t) => t.name)), (s) => log(`[eval ${design}] ${s}`));
    await evaluateDesign({ runDir: o.runDir, design, tasks: o.tasks, limit: limit ?? undefined, limitByCategory: p.evalLimitByCategory, profile: p.name, batchSize: p.encodeBatchSize, maxLen: p.maxLen, model: p.model, instructionPolicy: instruction_policy, encoder });
    return 0;
  } finally { release(); }
}
