// `npm run reproduce [-- --profile smoke|quick|paper] [--model NAME|PATH] [--seeds 1,2,3] [--out DIR]`: the whole study in
// one command — data verify → train every design (both cores) per seed → evaluate → compare →
// figures — and a REPORT.md with the tables, figure links, environment and the time of each stage.
// Each stage is a command of its own (train, eval, compare), so any stage can be rerun alone.
import { spawnCli } from './children.ts';
import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import os from 'node:os';
import { parseArgs, intOption, parseSeeds } from './args.ts';
import { runSpecForCommand } from './run-spec-options.ts';
import { verifyDataFiles } from '../data/files.ts';
import { ensureDir, writeFileAtomic } from '../io/atomic.ts';
import { REFERENCE_ROWS } from '../designs.ts';
import { reportHead } from '../report/report-head.ts';
import { timeSpent, timeSpentTable } from '../report/time-spent.ts';
import type { Stats } from '../report/analysis.ts';
import { figuresDir, reportFile, seedDir, statsFile, tableFile, timingsFile } from '../run-folder.ts';

const log = (s: string) => process.stderr.write(s + '\n');

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    profile: { help: 'smoke | quick | smollm2 | paper (default quick; an existing run folder keeps the profile in its run.json)' }, seeds: { default: '1' }, out: {}, jobs: { help: "processes side by side (default: the profile's trainJobs for training, 2 for evaluation)" },
    references: { default: REFERENCE_ROWS.join(',') },
    model: { help: 'base model: a known name (e.g. smollm2-135m) or a GGUF / Hugging Face / llama2.c path (default: the profile\'s; paper has none)' },
    'lora-layers': { help: "LoRA on the top k decoder layers only, the frozen layers' outputs cached (default: the profile's)" },
    'checkpoint-layers': { flag: true, help: 'train with activation checkpointing (train --checkpoint-layers): far less memory, one more forward pass per step' },
  }, 'reproduce');
  const seeds = parseSeeds(args.options.seeds!, 'reproduce');
  const jobs = intOption(args, 'jobs', 'reproduce');
  const out = resolve(args.options.out ?? join('runs', `${args.options.profile ?? 'quick'}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`));
  ensureDir(out);
  // the run as one value: run.json at the top of the run folder; every stage below (child processes
  // given no profile or model) reads it. An existing run folder must have been started the same way.
  const spec = await runSpecForCommand(out, { profile: args.options.profile, model: args.options.model, loraLayers: intOption(args, 'lora-layers', 'reproduce'), checkpointLayers: args.flags['checkpoint-layers'] }, 'reproduce');
  const profile = spec.profile;
  const trainJobs = String(jobs ?? profile.trainJobs), evalJobs = String(jobs ?? 2);
  // every stage's wall time goes to timings.jsonl as it ends, so a run stopped and resumed (hours, on
  // a real model) reports the time its stages took over every invocation, not only the last one's
  const stage = async (name: string, f: () => Promise<void>) => {
    log(`\n== ${name}`);
    const t = Date.now();
    await f();
    appendFileSync(timingsFile(out), JSON.stringify({ stage: name, seconds: (Date.now() - t) / 1000, ended: new Date().toISOString() }) + '\n');
  };

  await stage('data verify', async () => {
    const results = await verifyDataFiles({ download: true });
    const bad = results.filter((r) => r.status !== 'ok');
    if (bad.length) throw new Error(`data verify: ${bad.length} files failed, e.g. ${bad[0]!.path}: ${bad[0]!.message}`);
    log(`data verify: ${results.length} files ok`);
  });
  for (const s of seeds) {
    await stage(`train (seed ${s})`, () => cli(['train', '--design', 'all', '--seed', String(s), '--out', seedDir(out, s), '--jobs', trainJobs, '--resume']));
  }
  for (const [i, s] of seeds.entries()) {
    // reference rows do not depend on the training seed: evaluate them once
    const designs = i === 0 && args.options.references ? `all,${args.options.references}` : 'all';
    await stage(`evaluate (seed ${s})`, () => cli(['eval', '--run', seedDir(out, s), '--designs', designs, '--jobs', evalJobs]));
  }
  await stage('compare', () => cli(['compare', '--run', out]));
  await stage('figures', async () => {
    const { writeRunFigures } = await import('../figures/run-figures.ts');
    await writeRunFigures(out);
  });
  writeReport(out, `${profile.name}`, seeds, stageTimes(out), profile.model);
  log(`\nreport: ${reportFile(out)}`);
  return 0;
}

function cli(argv: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnCli(argv, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => (code === 0 ? resolvePromise() : reject(new Error(`'${argv.slice(0, 3).join(' ')}' failed (${signal ?? `exit ${code}`})`))));
  });
}

/** Wall time per stage summed over every invocation (timings.jsonl), in the order stages first ran. */
export function stageTimes(out: string): { stage: string; seconds: number; runs: number }[] {
  const file = timingsFile(out);
  const byStage = new Map<string, { stage: string; seconds: number; runs: number }>();
  if (!existsSync(file)) return [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: { stage?: unknown; seconds?: unknown };
    try { r = JSON.parse(line); } catch { throw new Error(`${file}:${i + 1}: not JSON`); }
    if (typeof r.stage !== 'string' || typeof r.seconds !== 'number') throw new Error(`${file}:${i + 1}: expected {stage, seconds}`);
    const t = byStage.get(r.stage) ?? { stage: r.stage, seconds: 0, runs: 0 };
    t.seconds += r.seconds; t.runs++;
    byStage.set(r.stage, t);
  });
  return [...byStage.values()];
}

function writeReport(out: string, profile: string, seeds: number[], timings: { stage: string; seconds: number; runs: number }[], model: string): void {
  const total = timings.reduce((a, t) => a + t.seconds, 0);
  const table = existsSync(tableFile(out, 'md')) ? readFileSync(tableFile(out, 'md'), 'utf8') : '(no table)';
  const figDir = figuresDir(out);
  const figures = existsSync(figDir) ? readdirSync(figDir).filter((f) => f.endsWith('.png')).sort() : [];
  // the sanity gate, instructions, training sources and chance-level tasks come first
  const stats = statsFile(out);
  const head = existsSync(stats) ? reportHead(JSON.parse(readFileSync(stats, 'utf8')) as Stats, out) : '(no stats.json)';
  const lines = [
    `# Pooling and attention designs — ${profile} profile`,
    '',
    `Base model: ${model}. Seeds: ${seeds.join(', ')}. Written ${new Date().toISOString()}.`,
    '',
    head.trim(),
    '',
    '## Results',
    '',
    table.trim(),
    '',
    '## Figures',
    '',
    ...figures.map((f) => `![${f}](${relative(out, join(figDir, f))})  \n[${f.replace(/\.png$/, '.svg')}](${relative(out, join(figDir, f.replace(/\.png$/, '.svg')))})\n`),
    '## Time per stage',
    '',
    'Summed over every invocation of reproduce on this folder (timings.jsonl): a resumed stage adds the time it took again.',
    '',
    '| stage | seconds | invocations |',
    '|---|---:|---:|',
    ...timings.map((t) => `| ${t.stage} | ${t.seconds.toFixed(1)} | ${t.runs} |`),
    `| **total** | **${total.toFixed(1)}** | |`,
    '',
    'Per seed and design, as the trainer (loss.jsonl) and the evaluation (results/*.json) recorded it; encoding includes computing the frozen prefixes of texts not yet cached:',
    '',
    timeSpentTable(timeSpent(out)),
    '',
    '## Environment',
    '',
    `- Node ${process.version} on ${os.type()} ${os.release()} (${os.arch()}), ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `- TensorFlow.js backend: ${process.env.PA_BACKEND || 'auto (see [backend] lines in the log)'}`,
    `- Files: \`stats.json\` (every test), \`table.md|html|tex\`, \`seed-*/results/*.json\` (scores and per-sample values), \`seed-*/<design>/loss.jsonl\`.`,
    '',
  ];
  writeFileAtomic(reportFile(out), lines.join('\n'));
}
