// Issue 27's marks in the generated report: a design whose training has not converged (judged per
// seed from <seed dir>/<design>/loss.jsonl against the baseline's curve of the same seed) is marked in
// stats.json, on its row of every table (md/html/tex), in REPORT.md's head and in the figure labels;
// the per-dataset sections show MDD (80%), the smallest attainable p and "cannot reach Holm", and
// label Clustering's tests as over k-means runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { convergence, convergenceLabel, runConvergence } from '../src/report/convergence.ts';
import { readLossJsonl } from '../src/figures/inputs.ts';
import { buildTable } from '../src/report/table.ts';
import { tableToMarkdown } from '../src/report/markdown.ts';
import { tableToHtml } from '../src/report/html.ts';
import { tableToLatex } from '../src/report/latex.ts';
import { loadPaperTable } from '../src/report/paper-table.ts';
import { convergenceMarkdown, reportHead } from '../src/report/report-head.ts';
import type { Stats } from '../src/report/analysis.ts';
import { lossFile } from '../src/run-folder.ts';

const flat = (level: number) => Array.from({ length: 50 }, (_, i) => level + Math.exp(-i / 3));
const falling = (end: number) => Array.from({ length: 50 }, (_, i) => end + 0.03 * (49 - i));

function writeRun(curves: Record<string, Record<string, number[]>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pa-conv-'));
  for (const [seed, designs] of Object.entries(curves)) {
    for (const [design, losses] of Object.entries(designs)) {
      mkdirSync(join(dir, seed, design), { recursive: true });
      writeFileSync(lossFile(join(dir, seed), design), losses.map((loss, step) => JSON.stringify({ step, loss })).join('\n') + '\n');
    }
  }
  return dir;
}

test('runConvergence: each seed against the baseline of the same seed; converged iff every seed did', () => {
  const dir = writeRun({
    'seed-1': { m1: flat(0.7), m2: falling(2.4), m6: falling(0.69) },
    'seed-2': { m1: flat(0.8), m2: flat(2.0), m6: flat(0.8) },
  });
  const folders = ['seed-1', 'seed-2'].map((s) => join(dir, s));
  const read = (f: string, d: string) => { try { return readLossJsonl(lossFile(f, d)).map((r) => r.loss); } catch { return null; } };
  const c = runConvergence(folders, ['m1', 'm2', 'm6', 'm3'], 'm1', read);
  assert.deepEqual(Object.keys(c), ['m1', 'm2', 'm6']); // m3 has no loss.jsonl
  // the per-seed verdicts are convergence() of that seed's curve against that seed's m1
  const m1s1 = convergence(read(folders[0]!, 'm1')!).final_loss;
  assert.deepEqual(c.m2!.per_seed[0]!.converged, convergence(falling(2.4), { name: 'm1', finalLoss: m1s1 }).converged);
  assert.equal(c.m2!.per_seed[0]!.converged, false); // falling, far above m1
  assert.equal(c.m2!.per_seed[1]!.converged, true); // flat
  assert.equal(c.m2!.converged, false);
  assert.match(c.m2!.note, /^not converged: loss \d\.\d\d vs m1 0\.\d\d \(1 of 2 seeds\)$/);
  assert.ok(Math.abs(c.m2!.final_loss - (c.m2!.per_seed[0]!.final_loss + c.m2!.per_seed[1]!.final_loss) / 2) < 1e-12);
  assert.equal(c.m6!.converged, true); // still falling on seed 1, but within 10% of m1
  assert.equal(c.m1!.baseline_final_loss, null);
  assert.equal(convergenceLabel(c, 'm2'), 'm2 (not converged)');
  assert.equal(convergenceLabel(c, 'm6'), 'm6');
  assert.equal(convergenceLabel(undefined, 'm2'), 'm2');
});

const committedStats = (run: string) => JSON.parse(readFileSync(join(projectRoot, 'docs', 'results', run, 'stats.json'), 'utf8')) as Stats;

test('a design that has not converged is marked on its row in md, html and tex, and in the report head', () => {
  const stats = committedStats('smollm2-135m');
  stats.convergence = {
    m1: { final_loss: 0.7, baseline_final_loss: null, converged: true, note: 'converged: loss 0.70, flat over the last fifth', per_seed: [] },
    m2: { final_loss: 2.41, baseline_final_loss: 0.7, converged: false, note: 'not converged: loss 2.41 vs m1 0.70, falling 12% over the last fifth', per_seed: [] },
    m6: { final_loss: 0.69, baseline_final_loss: 0.7, converged: true, note: 'converged: loss 0.69 vs m1 0.70', per_seed: [] },
  };
  const t = buildTable(stats, loadPaperTable());
  const md = tableToMarkdown(t), html = tableToHtml(t), tex = tableToLatex(t);
  const row = (doc: string, design: string) => doc.split('\n').find((l) => l.includes(`Model ${design.slice(1)} (`))!;
  assert.match(row(md, 'm2'), /not converged: loss 2\.41 vs m1 0\.70/);
  assert.doesNotMatch(row(md, 'm6'), /not converged/);
  assert.match(html, /Model 2 \([^<]*\) — not converged: loss 2\.41 vs m1 0\.70/);
  assert.match(tex, /Model 2 \([^&]*\) -- not converged: loss 2\.41 vs m1 0\.70/);
  assert.match(md, /Not converged \(src\/report\/convergence\.ts/);
  const head = reportHead(stats, join(projectRoot, 'docs', 'results', 'smollm2-135m'));
  assert.match(head, /\*\*Convergence: m2 has not converged\*\* — m2: not converged: loss 2\.41 vs m1 0\.70/);
  assert.match(head, /not meaningful for it at this budget/);
  assert.doesNotMatch(head, /comparison is meaningful at this budget/);
  // stats.json written before compare read the loss curves: said, not guessed
  delete stats.convergence;
  assert.match(convergenceMarkdown(stats), /not recorded in this stats\.json/);
  assert.match(tableToMarkdown(buildTable(stats, loadPaperTable())), /Convergence: not recorded in this stats\.json/);
});

test('per-dataset sections: MDD (80%), min p and "cannot reach Holm", Clustering over k-means runs', () => {
  const stats = committedStats('smollm2-135m');
  const t = buildTable(stats, loadPaperTable());
  const md = tableToMarkdown(t);
  assert.match(md, /\| design \| category \| n \| dataset \| difference \| permutation p \| Holm p \| MDD \(80%\) \| min p \|/);
  // Reranking is WikiQA's 8 queries: exact test, floor 2/2^8 = 0.0078 ≥ 0.05/105
  assert.match(md, /\| m2 \| Reranking \| 1 \| WikiQA \| [^|]+ \| [^|]+ \| [^|]+ \| [0-9.]+ \| 0\.0078 \(cannot reach Holm\) \|/);
  assert.match(md, /\| m2 \| Clustering \| 3 \| MiniNewsgroups \(over k-means runs, not items\) \|/);
  assert.match(tableToHtml(t), /MiniNewsgroups \(over k-means runs, not items\)<\/td>/);
  assert.match(md, /Clustering's per-dataset tests are over k-means runs, not items/);
});

test('compare reads every trained design\'s loss.jsonl into stats.json → convergence and marks the table', async () => {
  const { run } = await import('../src/cli/compare.ts');
  const dir = writeRun({ '.': { m1: flat(0.7), m2: falling(2.4) } });
  mkdirSync(join(dir, 'results'));
  const ids = Array.from({ length: 12 }, (_, i) => `q${i}`);
  for (const [design, shift] of [['m1', 0], ['m2', -0.1], ['base-mean', -0.2]] as const) {
    const tasks = Object.fromEntries(['A', 'B', 'C'].map((d, i) => [d, {
      category: 'Retrieval', main_score: 0.5 + i / 10 + shift, scores: {},
      per_sample: { ids, values: ids.map((_, k) => Math.min(1, Math.max(0, 0.5 + i / 10 + shift + ((k % 3) - 1) / 10))) },
    }]));
    writeFileSync(join(dir, 'results', `${design}.json`), JSON.stringify({ design, tasks }));
  }
  assert.equal(await run(['--run', dir, '--resamples', '50', '--permutations', '99']), 0);
  const stats = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as Stats;
  assert.deepEqual(Object.keys(stats.convergence!), ['m1', 'm2']); // base-mean is not trained
  assert.equal(stats.convergence!.m1!.converged, true);
  assert.equal(stats.convergence!.m2!.converged, false);
  assert.equal(stats.convergence!.m2!.per_seed[0]!.seed_dir, '.');
  assert.equal(stats.convergence!.m2!.note, convergence(falling(2.4), { name: 'm1', finalLoss: convergence(flat(0.7)).final_loss }).note);
  assert.match(readFileSync(join(dir, 'table.md'), 'utf8'), /Model 2 \([^|]*\) — not converged: loss \d\.\d\d vs m1 0\.70/);
  const ps = stats.dataset_tests[0]!.per_sample!;
  assert.equal(ps.unit, 'items');
  assert.equal(typeof ps.mdd_80, 'number');
  assert.equal(ps.min_p, 2 / 100); // Monte Carlo, 99 resamples
  assert.equal(ps.can_reach_holm, false); // 2/100 is not below 0.05/3: 99 permutations cannot pass Holm over 3 tests
});

test('figure labels: "(not converged)" on the difference heatmap\'s rows and the category figure\'s legend, colours kept', async () => {
  const { differenceTable } = await import('../src/figures/run-figures.ts');
  const { categoryScoresFigure } = await import('../src/figures/category-scores.ts');
  const { designColor } = await import('../src/figures/figure.ts');
  const stats = committedStats('quick-3seeds');
  assert.deepEqual(differenceTable(stats).rows, ['m2', 'm3', 'm4', 'm5', 'm6']); // not recorded: no mark
  stats.convergence = { m3: { final_loss: 2.5, baseline_final_loss: 0.7, converged: false, note: 'not converged: loss 2.50 vs m1 0.70', per_seed: [] } };
  assert.deepEqual(differenceTable(stats).rows, ['m2', 'm3 (not converged)', 'm4', 'm5', 'm6']);
  const fig = categoryScoresFigure({ m1: { STS: { mean: 0.5, lo: 0.5, hi: 0.5 } }, m3: { STS: { mean: 0.4, lo: 0.4, hi: 0.4 } } },
    { labels: { m1: convergenceLabel(stats.convergence, 'm1'), m3: convergenceLabel(stats.convergence, 'm3') } });
  assert.deepEqual(fig.data.map((t) => t.name), ['m1', 'm3 (not converged)']);
  assert.equal((fig.data[1] as unknown as { marker: { color: string } }).marker.color, designColor('m3'));
});
