// `compare` command: statistics and paper-style tables for an evaluation run.
//   npm run -s cli -- compare --run DIR [--baseline m1] [--resamples 2000] [--permutations 9999]
//                              [--seed 0] [--confidence 0.95] [--no-per-sample]
// Reads DIR/results/<design>.json (or DIR/seed-<n>/results/<design>.json) and writes
// DIR/stats.json, DIR/table.md, DIR/table.html and DIR/table.tex.
import { writeFileAtomic } from '../io/atomic.ts';
import { floatOption, intOption, parseArgs, required, UsageError } from './args.ts';
import { readRun, ResultsError } from '../report/results.ts';
import { resultsConsistency } from '../report/consistency.ts';
import { analyze, type Stats } from '../report/analysis.ts';
import { loadPaperTable } from '../report/paper-table.ts';
import { buildTable } from '../report/table.ts';
import { tableToMarkdown } from '../report/markdown.ts';
import { htmlDocument, tableToHtml } from '../report/html.ts';
import { tableToLatex } from '../report/latex.ts';
import { lossFile, seedDirs, statsFile, tableFile } from '../run-folder.ts';
import { runConvergence } from '../report/convergence.ts';
import { readLossJsonl } from '../figures/inputs.ts';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { compareInputs } from '../freshness.ts';

/** JSON with NaN and ±Infinity written as null (JSON has no such numbers). */
export function statsToJson(stats: Stats): string {
  return `${JSON.stringify(stats, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const cmd = 'compare';
  const args = parseArgs(argv, {
    run: { help: 'run folder with results/ or seed-<n>/results/' },
    baseline: { default: 'm1', help: 'design the others are compared with' },
    resamples: { default: '2000', help: 'bootstrap resamples' },
    permutations: { default: '9999', help: 'permutation resamples' },
    seed: { default: '0', help: 'PRNG seed for bootstrap and permutation' },
    confidence: { default: '0.95', help: 'confidence level of the intervals' },
    'no-per-sample': { flag: true, help: 'skip the per-sample bootstrap and permutation tests' },
  }, cmd);
  if (args.positionals.length) throw new UsageError(`${cmd}: unexpected argument '${args.positionals[0]}'`);
  const dir = required(args, 'run', cmd);
  const resamples = intOption(args, 'resamples', cmd)!, permutations = intOption(args, 'permutations', cmd)!;
  const seed = intOption(args, 'seed', cmd)!, confidence = floatOption(args, 'confidence', cmd)!;
  if (resamples < 1 || permutations < 1) throw new UsageError(`${cmd}: --resamples and --permutations must be >= 1`);
  if (!(confidence > 0 && confidence < 1)) throw new UsageError(`${cmd}: --confidence must be in (0, 1)`);
  let runs;
  try { runs = readRun(dir); } catch (e) { if (e instanceof ResultsError) throw new UsageError(`${cmd}: ${e.message}`); throw e; }
  const problems = resultsConsistency(runs, dir);
  if (problems.length) throw new UsageError(`${cmd}: the results in ${dir} do not describe one comparable run:\n  ${problems.join('\n  ')}`);
  const stats = analyze(runs, {
    baseline: args.options.baseline!, resamples, permutations, seed, confidence, skipPerSample: args.flags['no-per-sample']!,
  });
  // each trained design's loss curves (<seed dir>/<design>/loss.jsonl) judged against the baseline's
  const folders = seedDirs(dir);
  const trained = stats.designs.filter((d) => folders.some((f) => existsSync(lossFile(f, d))));
  if (trained.length) {
    stats.convergence = runConvergence(folders, trained, stats.baseline, (f, d) => (existsSync(lossFile(f, d)) ? readLossJsonl(lossFile(f, d)).map((r) => r.loss) : null), stats.warnings);
    for (const c of Object.values(stats.convergence)) for (const s of c.per_seed) s.seed_dir = relative(dir, s.seed_dir) || '.';
  }
  const table = buildTable(stats, loadPaperTable(), { runDir: dir });
  // atomic: a killed compare never leaves a half-written table that looks complete
  writeFileAtomic(statsFile(dir), statsToJson(stats));
  writeFileAtomic(tableFile(dir, 'md'), tableToMarkdown(table));
  writeFileAtomic(tableFile(dir, 'html'), htmlDocument(tableToHtml(table)));
  writeFileAtomic(tableFile(dir, 'tex'), tableToLatex(table));
  for (const w of stats.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stderr.write(`wrote ${[statsFile(dir), tableFile(dir, 'md'), tableFile(dir, 'html'), tableFile(dir, 'tex')].join(', ')}\n`);
  return 0;
}
