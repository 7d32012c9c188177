// MTEB parity: the embeddings a run cached for one design, fed to MTEB's own evaluators (mteb 2.x in
// the project's .venv) task by task, beside our scores.
//   npm run crosscheck:mteb -- --run DIR --design NAME [--out FILE]
// For every task in DIR/results/<design>.json this rebuilds the task's items through our loaders (same
// limit and instruction policy), takes every vector from the design's embedding cache (the run's,
// or the shared one of zero-shot rows: src/eval/runner.ts cacheRoot; nothing is encoded: a missing
// vector is an error) and re-runs our evaluator on them (it must give the stored
// score). The items and vectors then go to scripts/crosscheck_mteb.py, which scores them with MTEB's
// evaluator for the task type — under MTEB's own protocol, and, where the protocols differ only by a
// random draw, also under ours (our draws handed over). Writes JSON: per task ours, mteb, |diff| and
// the reason for any difference above 1e-4.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, required } from '../src/cli/args.ts';
import { projectRoot } from '../src/data/files.ts';
import { writeFileAtomic } from '../src/io/atomic.ts';
import { cacheKey, EmbeddingCache } from '../src/eval/embedding-cache.ts';
import { runTask } from '../src/eval/run-task.ts';
import { cacheRoot } from '../src/eval/runner.ts';
import type { DesignResultsJson } from '../src/eval/results-file.ts';
import { resultsFile } from '../src/run-folder.ts';
import { taskByName, type Task } from '../src/eval/tasks/index.ts';

const VENV_PYTHON = join(projectRoot, '.venv', 'bin', 'python');
const TOLERANCE = 1e-4;

interface Call { instruction: string; texts: string[]; offset: number }

/** The task's items, as the Python side reads them (same order as the embed calls). */
async function items(task: Task, limit: number | undefined): Promise<unknown> {
  switch (task.category) {
    case 'STS': return { pairs: (await task.load({ limit })).pairs };
    case 'Classification': { const d = await task.load({ limit }); return { train: d.train, test: d.test }; }
    case 'Clustering': { const d = await task.load({ limit }); return { texts: d.texts, labels: d.labels }; }
    case 'PairClassification': return { pairs: (await task.load({ limit })).pairs };
    case 'Reranking': return { queries: (await task.load({ limit })).queries };
    case 'Retrieval': {
      const d = await task.load({ limit });
      return { queries: d.queries, corpus: d.corpus, qrels: Object.fromEntries([...d.qrels].map(([q, m]) => [q, Object.fromEntries(m)])) };
    }
    case 'Summarization': return { documents: (await task.load({ limit })).documents };
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), {
    run: { help: 'run folder with results/<design>.json and cache/embeddings/' },
    design: { help: 'design whose cached embeddings are checked (e.g. minilm, m1)' },
    out: { help: 'output JSON (default docs/crosscheck/mteb-<design>.json)' },
    tasks: { help: 'comma-separated task names (default: every task in the results file)' },
  }, 'crosscheck:mteb');
  const runDir = required(args, 'run', 'crosscheck:mteb');
  const design = required(args, 'design', 'crosscheck:mteb');
  const out = args.options.out ?? join(projectRoot, 'docs', 'crosscheck', `mteb-${design}.json`);
  const results = JSON.parse(readFileSync(resultsFile(runDir, design), 'utf8')) as DesignResultsJson;
  const cache = new EmbeddingCache(cacheRoot(runDir, design), design, results.encoder);
  const limit = results.limit ?? undefined;
  const policy = results.instruction_policy?.eval ?? 'authors';
  const work = mkdtempSync(join(tmpdir(), 'crosscheck-mteb-'));
  const manifest: Record<string, unknown>[] = [];
  try {
    const only = args.options.tasks?.split(',').map((x) => x.trim());
    if (only) for (const n of only) if (!(n in results.tasks)) throw new Error(`--tasks: ${n} is not in ${resultsFile(runDir, design)}`);
    const selected = Object.entries(results.tasks).filter(([n]) => !only || only.includes(n));
    for (const [name, stored] of selected) {
      const task = taskByName(name);
      const calls: Call[] = [];
      const vectors: Float32Array[] = [];
      const embed = async (texts: readonly string[], instruction: string) => {
        const instr = results.instructions ? instruction : '';
        const vs = texts.map((t) => {
          const v = cache.get(cacheKey(instr, t));
          if (!v) throw new Error(`${name}: no cached vector for a text (instruction ${JSON.stringify(instr)}): run eval for ${design} first`);
          return v;
        });
        calls.push({ instruction: instr, texts: [...texts], offset: vectors.length });
        vectors.push(...vs);
        return vs;
      };
      const run = await runTask(task, embed, limit, policy);
      const dim = vectors[0]!.length;
      const flat = new Float32Array(vectors.length * dim);
      vectors.forEach((v, i) => flat.set(v, i * dim));
      writeFileSync(join(work, `${name}.f32`), new Uint8Array(flat.buffer));
      const file = join(work, `${name}.json`);
      writeFileSync(file, JSON.stringify({
        name, category: task.category, dim, count: vectors.length, calls, items: await items(task, limit),
        ours: { stored: stored.main_score, recomputed: run.result.main_score, scores: run.result.scores },
        // our random draws, so MTEB's evaluator can also run under our protocol
        ours_draws: task.category === 'Classification' ? { train_indices_per_experiment: (run.result.per_sample as Record<string, unknown>).train_indices_per_experiment } : undefined,
      }));
      manifest.push({ name, file, vectors: join(work, `${name}.f32`) });
      process.stderr.write(`[crosscheck] ${name}: ${vectors.length} vectors, ours ${run.result.main_score.toFixed(6)} (stored ${stored.main_score.toFixed(6)})\n`);
    }
    const py = spawnSync(VENV_PYTHON, [join(projectRoot, 'scripts', 'crosscheck_mteb.py')], {
      input: JSON.stringify(manifest), encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'inherit'],
    });
    if (py.status !== 0) throw new Error(`scripts/crosscheck_mteb.py failed (exit ${py.status})`);
    const parsed = JSON.parse(py.stdout) as { mteb_version: string; tasks: Record<string, { mteb: number; mteb_our_protocol?: number; evaluator: string; protocol_note?: string }> };
    const mteb = parsed.tasks;
    const tasks = Object.fromEntries(selected.map(([name, stored]) => {
      const m = mteb[name]!;
      const diff = Math.abs(stored.main_score - m.mteb);
      const diffOurs = m.mteb_our_protocol === undefined ? undefined : Math.abs(stored.main_score - m.mteb_our_protocol);
      const row: Record<string, unknown> = {
        category: stored.category, main_score: taskByName(name).mainScore, ours: stored.main_score, mteb: m.mteb, abs_diff: diff,
        ...(m.mteb_our_protocol !== undefined ? { mteb_our_protocol: m.mteb_our_protocol, abs_diff_our_protocol: diffOurs } : {}),
        mteb_evaluator: m.evaluator,
      };
      if (diff > TOLERANCE || (diffOurs ?? 0) > TOLERANCE) row.reason = m.protocol_note ?? 'UNEXPLAINED';
      return [name, row];
    }));
    const report = {
      created: new Date().toISOString(), run: runDir, design, limit: results.limit, instruction_policy: results.instruction_policy,
      encoder: results.encoder, tolerance: TOLERANCE, mteb_version: parsed.mteb_version, tasks,
    };
    writeFileAtomic(out, JSON.stringify(report, null, 2) + '\n');
    const bad = Object.entries(tasks).filter(([, r]) => (r as { reason?: string }).reason === 'UNEXPLAINED');
    process.stderr.write(`[crosscheck] ${Object.keys(tasks).length} tasks → ${out}; ${bad.length} unexplained differences\n`);
    return bad.length ? 1 : 0;
  } finally {
    // CROSSCHECK_KEEP=1 keeps the exported items and vectors for inspection
    if (process.env.CROSSCHECK_KEEP === '1') process.stderr.write(`[crosscheck] kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
