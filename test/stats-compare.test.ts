// `compare` end to end on a generated run folder (two seeds, designs m1..m6 and a reference,
// STS with per-pair predictions, Classification/Retrieval with per-sample values): the four files
// are written, and their numbers agree with scipy's Wilcoxon and statsmodels' Holm computed here
// from the generated scores, independently of stats.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/util/random.ts';
import { spearman } from '../src/eval/metrics/correlation.ts';
import { readRun, parseDesignResult } from '../src/report/results.ts';
import { analyze, type Stats } from '../src/report/analysis.ts';
import { python } from './helpers.ts';
import { buildTable } from '../src/report/table.ts';
import { tableToMarkdown } from '../src/report/markdown.ts';
import { loadPaperTable } from '../src/report/paper-table.ts';


const DESIGNS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'use-lite'];
const SEEDS = [1, 2];
const DATASETS: Record<string, string[]> = {
  STS: ['STS12', 'STS13', 'STS14', 'STS15', 'STS16', 'STSBenchmark', 'SICK-R', 'BIOSSES'],
  Classification: ['Banking77', 'AGNews', 'SMS', 'MR', 'Emotion', 'Toxic'],
  Retrieval: ['Cranfield', 'WikiQA-R', 'SciFact'],
};
// design effects: m5 clearly better on STS, m4 worse on Classification, others noise
const EFFECT: Record<string, Record<string, number>> = {
  m2: { STS: 0.002 }, m3: {}, m4: { Classification: -0.08 }, m5: { STS: 0.35 }, m6: {}, m1: {}, 'use-lite': {},
};

interface Generated { dir: string; main: Record<string, Record<string, Record<number, number>>> } // design → dataset → seed → score

function generate(): Generated {
  const dir = mkdtempSync(join(tmpdir(), 'stats-compare-'));
  const rng = createRng(99);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const gold: Record<string, number[]> = {};
  for (const d of DATASETS.STS!) gold[d] = Array.from({ length: 40 + rng.int(40) }, () => Math.round(rng.next() * 50) / 10);
  const base: Record<string, number[]> = {}; // per-sample "difficulty" shared by designs
  for (const c of ['Classification', 'Retrieval']) for (const d of DATASETS[c]!) base[d] = Array.from({ length: 50 + rng.int(30) }, () => rng.next());
  const main: Generated['main'] = {};
  for (const seed of SEEDS) {
    const resDir = join(dir, `seed-${seed}`, 'results');
    mkdirSync(resDir, { recursive: true });
    for (const design of DESIGNS) {
      const tasks: Record<string, unknown> = {};
      for (const [cat, names] of Object.entries(DATASETS)) {
        for (const d of names) {
          const eff = EFFECT[design]![cat] ?? 0;
          let score: number, per_sample: unknown;
          if (cat === 'STS') {
            const g = gold[d]!;
            const noise = Math.max(0.05, 0.6 - eff);
            const predicted = g.map((v) => v / 5 + noise * normal());
            score = spearman(predicted, g);
            per_sample = { ids: g.map((_, i) => `${d}-${i}`), predicted, gold: g };
          } else {
            const values = base[d]!.map((v) => Math.min(1, Math.max(0, v + eff + 0.1 * normal())));
            score = values.reduce((a, b) => a + b, 0) / values.length;
            // ids in a different order per design, to exercise the alignment by id
            const ids = values.map((_, i) => `q${i}`);
            const order = design === 'm3' ? [...ids.keys()].reverse() : [...ids.keys()];
            per_sample = { ids: order.map((i) => ids[i]), values: order.map((i) => values[i]) };
          }
          ((main[design] ??= {})[d] ??= {})[seed] = score;
          tasks[d] = { category: cat, main_score: score, scores: { main: score }, per_sample: design === 'use-lite' ? undefined : per_sample, seconds: 1 };
        }
      }
      writeFileSync(join(resDir, `${design}.json`), JSON.stringify({ design, tasks }));
    }
  }
  return { dir, main };
}

const PY = `
import sys, json, warnings
from scipy.stats import wilcoxon, ttest_rel
from statsmodels.stats.multitest import multipletests
warnings.simplefilter('ignore')
d = json.load(sys.stdin)
ps = [float(wilcoxon(c['x'], c['y']).pvalue) for c in d]
stat = [float(wilcoxon(c['x'], c['y']).statistic) for c in d]
paired = [float(ttest_rel(c['sx'], c['sy']).pvalue) for c in d]
print(json.dumps({'p': ps, 'statistic': stat, 'holm': [float(v) for v in multipletests(ps, method='holm')[1]], 'paired': paired}))
`;

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('compare writes stats.json and tables that agree with scipy/statsmodels', () => {
  const g = generate();
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compare', '--run', g.dir, '--resamples', '200', '--permutations', '300'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['stats.json', 'table.md', 'table.html', 'table.tex']) assert.ok(existsSync(join(g.dir, f)), `${f} written`);
    const stats = JSON.parse(readFileSync(join(g.dir, 'stats.json'), 'utf8')) as Stats;
    assert.deepEqual(stats.tested, ['m2', 'm3', 'm4', 'm5', 'm6']);
    assert.deepEqual(stats.references, ['use-lite']);
    assert.deepEqual(stats.categories, ['STS', 'Classification', 'Retrieval']);

    // Independent reference: seed-averaged main scores → scipy Wilcoxon per design × category → Holm
    const seedMean = (design: string, d: string): number => mean(SEEDS.map((s) => g.main[design]![d]![s]!));
    const cases = stats.tested.flatMap((design) => stats.categories.map((cat) => {
      const names = [...DATASETS[cat]!].sort();
      // per-seed category scores, for the paired t-test over seeds
      const perSeed = (dz: string) => SEEDS.map((s) => mean(names.map((d) => g.main[dz]![d]![s]!)));
      return { design, cat, x: names.map((d) => seedMean(design, d)), y: names.map((d) => seedMean('m1', d)), sx: perSeed(design), sy: perSeed('m1') };
    }));
    const ref = python<{ p: number[]; statistic: number[]; holm: number[]; paired: number[] }>(PY, cases.map((c) => ({ x: c.x, y: c.y, sx: c.sx, sy: c.sy })));
    assert.equal(stats.category_tests.length, cases.length);
    cases.forEach((c, i) => {
      const t = stats.category_tests.find((t) => t.design === c.design && t.category === c.cat)!;
      assert.ok(Math.abs(t.wilcoxon!.pvalue! - ref.p[i]!) < 1e-12, `${c.design} ${c.cat}: p ${t.wilcoxon!.pvalue} vs scipy ${ref.p[i]}`);
      assert.equal(t.wilcoxon!.statistic, ref.statistic[i]);
      assert.ok(Math.abs(t.p_holm! - ref.holm[i]!) < 1e-12, `${c.design} ${c.cat}: Holm`);
      assert.ok(Math.abs(t.difference - mean(c.x.map((v, k) => v - c.y[k]!))) < 1e-12);
      assert.equal(t.seed_test !== null, true, 'two seeds → seed test');
      assert.equal(t.seed_test!.method, 'paired t');
      assert.ok(Math.abs(t.seed_test!.pvalue - ref.paired[i]!) < 1e-10, `${c.design} ${c.cat}: paired seed p ${t.seed_test!.pvalue} vs scipy ttest_rel ${ref.paired[i]}`);
    });
    const m5sts = stats.category_tests.find((t) => t.design === 'm5' && t.category === 'STS')!;
    assert.ok(m5sts.wilcoxon!.pvalue! < 0.05 && m5sts.rank_biserial === 1, 'the planted STS effect is found');

    // Per-dataset tests: per-sample statistic reproduces the main-score difference (mean over seeds)
    for (const t of stats.dataset_tests) {
      assert.ok(t.per_sample, `${t.design} ${t.dataset}: per-sample tests ran (${t.per_sample_skipped})`);
      const expected = mean(SEEDS.map((s) => g.main[t.design]![t.dataset]![s]! - g.main['m1']![t.dataset]![s]!));
      assert.ok(Math.abs(t.per_sample!.bootstrap.estimate - expected) < 1e-9, `${t.design} ${t.dataset}: ${t.per_sample!.bootstrap.estimate} vs ${expected}`);
      assert.ok(t.per_sample!.bootstrap.ci[0] <= t.per_sample!.bootstrap.ci[1]);
      assert.ok(t.per_sample!.p_holm! >= t.per_sample!.permutation.pvalue);
    }

    // Tables: one row per design, m1 absolute = independently computed category mean, marks from scipy's p
    const md = readFileSync(join(g.dir, 'table.md'), 'utf8');
    const html = readFileSync(join(g.dir, 'table.html'), 'utf8');
    const tex = readFileSync(join(g.dir, 'table.tex'), 'utf8');
    const m1sts = mean([...DATASETS.STS!].map((d) => seedMean('m1', d))).toFixed(4);
    const rows = md.split('\n\n')[0]!.split('\n').filter((l) => l.startsWith('| ')); // the main table
    assert.equal(rows.length, 1 + DESIGNS.length);
    assert.ok(rows[1]!.includes(m1sts) && rows[1]!.includes('0.8302'), `m1 row: ${rows[1]}`);
    assert.ok(html.includes(m1sts) && tex.includes(m1sts));
    cases.forEach((c, i) => {
      const row = rows.find((l) => l.includes(`Model ${c.design.slice(1)} (`))!;
      const cells = row.split(' | ');
      const ours = cells[1 + 2 * stats.categories.indexOf(c.cat as never)]!;
      assert.equal(ours.includes('*'), ref.p[i]! < 0.05, `${c.design} ${c.cat}: '*' iff scipy p < 0.05 (${ours})`);
      assert.equal(ours.includes('†'), ref.holm[i]! < 0.05, `${c.design} ${c.cat}: '†' iff Holm p < 0.05`);
    });
    // m5's STS difference is positive, as in the paper: agreement mark
    assert.match(rows.find((l) => l.includes('Model 5 ('))!, /\+0\.0166\* ✓/);
    // Retrieval has 3 datasets: the exact Wilcoxon cannot reach 0.05, so no ✓/✗ but "untestable",
    // and the per-dataset permutation tests are listed for it; Classification (6) stays testable
    const m5 = rows.find((l) => l.includes('Model 5 ('))!.split(' | ');
    assert.match(m5[2 + 2 * stats.categories.indexOf('Retrieval')]!, /^\+0\.0226\* untestable \(n = 3\)( \|)?$/);
    assert.match(m5[2 + 2 * stats.categories.indexOf('Classification')]!, /[✓✗]$/);
    const perm = md.split('\n').filter((l) => /^\| m\d \| Retrieval \| 3 \|/.test(l));
    assert.equal(perm.length, 3 * stats.tested.length, 'one permutation row per tested design and Retrieval dataset');
    for (const l of perm) {
      const [first, , , dataset, , p] = l.split(' | ');
      const dt = stats.dataset_tests.find((t) => t.design === first!.slice(2) && t.dataset === dataset)!;
      assert.equal(p, dt.per_sample!.permutation.pvalue < 1e-4 ? '<0.0001' : dt.per_sample!.permutation.pvalue.toFixed(4));
    }
    assert.match(html, /untestable \(n = 3\)/);
    assert.match(tex, /untestable \(n = 3\)/);
    assert.match(rows.find((l) => l.startsWith('| Universal'))!, /\| — \|/);
    assert.match(tex, /\\begin\{tabular\}/);
  } finally {
    rmSync(g.dir, { recursive: true, force: true });
  }
});

test('results files are checked field by field; compare exits 2 on a bad run folder', () => {
  assert.throws(() => parseDesignResult('{"design":"m1","tasks":{"X":{"category":"STS","main_score":"0.8"}}}', 'f.json'), /f\.json: tasks\.X\.main_score/);
  assert.throws(() => parseDesignResult('{"design":"m1","tasks":{"X":{"category":"Sts","main_score":0.8}}}', 'f.json'), /category: must be one of/);
  assert.throws(() => parseDesignResult('{"design":"m1","tasks":{"X":{"category":"STS","main_score":0.8,"per_sample":{"ids":["a","b"],"values":[1]}}}}', 'f.json'), /1 values for 2 ids/);
  const dir = mkdtempSync(join(tmpdir(), 'stats-compare-bad-'));
  try {
    mkdirSync(join(dir, 'results'));
    writeFileSync(join(dir, 'results', 'm2.json'), JSON.stringify({ design: 'm2', tasks: { A: { category: 'STS', main_score: 0.5 } } }));
    assert.throws(() => analyze(readRun(dir)), /baseline design 'm1' not found/);
    writeFileSync(join(dir, 'results', 'm1.json'), '{"design": "m1", "tasks": {');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'compare', '--run', dir], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /m1\.json: invalid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('single-run layout: Wilcoxon that cannot run (all differences zero) is recorded, not fatal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stats-compare-one-'));
  try {
    mkdirSync(join(dir, 'results'));
    const tasks = (shift: number) => Object.fromEntries(['A', 'B', 'C'].map((d, i) => [d, { category: 'Retrieval', main_score: 0.5 + i / 10 + shift }]));
    writeFileSync(join(dir, 'results', 'm1.json'), JSON.stringify({ design: 'm1', tasks: tasks(0) }));
    writeFileSync(join(dir, 'results', 'm2.json'), JSON.stringify({ design: 'm2', tasks: tasks(0) }));
    writeFileSync(join(dir, 'results', 'm3.json'), JSON.stringify({ design: 'm3', tasks: tasks(0.01) }));
    const s = analyze(readRun(dir));
    const t2 = s.category_tests.find((t) => t.design === 'm2')!, t3 = s.category_tests.find((t) => t.design === 'm3')!;
    assert.equal(t2.wilcoxon, null);
    assert.match(t2.error!, /zero for all elements/);
    assert.equal(t3.wilcoxon!.pvalue, 0.25); // exact, n = 3, all positive: 2 · 1/8
    assert.equal(t3.p_holm, 0.25); // a family of one: m2's test could not run
    assert.equal(t3.seed_test, null);
    assert.ok(s.dataset_tests.every((t) => t.per_sample === null && /per-sample data missing/.test(t.per_sample_skipped!)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a user's task stays out of the category means and tests, and is reported apart", () => {
  const dir = mkdtempSync(join(tmpdir(), 'stats-compare-user-'));
  try {
    mkdirSync(join(dir, 'results'));
    const rng = createRng(7);
    const values = (shift: number) => Array.from({ length: 30 }, (_, i) => Math.min(1, Math.max(0, 0.3 + i / 60 + shift + 0.05 * rng.next())));
    const perSample = (v: number[]) => ({ ids: v.map((_, i) => `q${i}`), values: v });
    const data = ([['m1', 0], ['m2', 0.02], ['m3', -0.03], ['minilm', 0.1]] as const).map(([design, shift]) => {
      const tasks: Record<string, unknown> = {};
      ['Cranfield', 'SciFact', 'NFCorpus'].forEach((d, i) => { const v = values(shift + i / 20); tasks[d] = { category: 'Retrieval', main_score: mean(v), per_sample: perSample(v) }; });
      // a user retrieval task far above the others: were it in the Retrieval mean, it would move it
      const u = values(0.5 + shift * 3);
      return { design, tasks, user: { category: 'Retrieval', main_score: mean(u), per_sample: perSample(u), user_task: true } };
    });
    const write = (withUser: boolean) => {
      for (const { design, tasks, user } of data) {
        writeFileSync(join(dir, 'results', `${design}.json`), JSON.stringify({ design, tasks: withUser ? { ...tasks, MyRetrieval: user } : tasks }));
      }
    };
    const opts = { resamples: 200, permutations: 499 };
    write(false);
    const without = analyze(readRun(dir), opts);
    write(true);
    const withUser = analyze(readRun(dir), opts);
    for (const k of ['category_scores', 'category_tests', 'dataset_scores', 'dataset_tests', 'chance_level'] as const) {
      assert.deepEqual(withUser[k], without[k], `${k} changed by the user task`);
    }
    assert.deepEqual(without.user_tasks, { datasets: {}, scores: {}, tests: [] });
    assert.deepEqual(withUser.user_tasks.datasets, { MyRetrieval: 'Retrieval' });
    assert.deepEqual(Object.keys(withUser.user_tasks.scores), ['m1', 'm2', 'm3', 'minilm']);
    const tests = withUser.user_tasks.tests;
    assert.deepEqual(tests.map((t) => t.design), ['m2', 'm3']);
    const m2 = tests[0]!;
    assert.ok(Math.abs(m2.difference - (withUser.user_tasks.scores.m2!.MyRetrieval!.mean - withUser.user_tasks.scores.m1!.MyRetrieval!.mean)) < 1e-12);
    assert.ok(m2.per_sample && m2.per_sample.p_holm !== null && m2.per_sample.p_holm >= m2.per_sample.permutation.pvalue);
    const md = tableToMarkdown(buildTable(withUser, loadPaperTable()));
    assert.match(md, /\*\*Your own tasks\*\*/);
    assert.match(md, /\| MyRetrieval \| Retrieval \| m1 \| 0\.\d{4} \| — \| — \|/);
    assert.match(md, /\| MyRetrieval \| Retrieval \| m2 \| \+0\.\d{4} \| [0-9.]+ \| [0-9.]+ \|/);
    assert.doesNotMatch(tableToMarkdown(buildTable(without, loadPaperTable())), /Your own tasks/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
