// The README's findings paragraphs are exactly what scripts/findings.ts generates from the committed
// stats.json each names, and the generator's counts agree with an independent recomputation (scipy's
// paired t-test over the seeds, or with one seed scipy 1.10's Wilcoxon where it can reach p < 0.05 and
// the stated tolerance elsewhere; category means recomputed from the per-dataset scores; the largest
// difference by absolute size); the committed per-task tables are what scripts/per-task.ts generates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { aboveReference, findingsBegin, findingsParagraph, findingsSources, largestDifference, readFindingsBlock, replaceFindingsBlock, versusBaseline, FINDINGS_BEGIN, FINDINGS_END, FINDINGS_STATS, LEVEL_TOLERANCE } from '../src/report/findings.ts';
import { loadPaperTable } from '../src/report/paper-table.ts';
import type { Stats } from '../src/report/analysis.ts';
import { DEBIAN_PYTHON, python } from './helpers.ts';
import { perTaskMarkdown } from '../scripts/per-task.ts';

const stats = JSON.parse(readFileSync(join(projectRoot, FINDINGS_STATS), 'utf8')) as Stats;
const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');

test('every README findings block = the paragraph generated from the committed stats.json it names', () => {
  const sources = findingsSources(readme);
  assert.ok(sources.includes(FINDINGS_STATS), `README has no findings block for ${FINDINGS_STATS}`);
  for (const statsPath of sources) {
    const s = JSON.parse(readFileSync(join(projectRoot, statsPath), 'utf8')) as Stats;
    assert.equal(readFindingsBlock(readme, statsPath), findingsParagraph(s, loadPaperTable()),
      `README findings from ${statsPath} are stale: run node --import tsx scripts/findings.ts`);
  }
});

test('with several seeds, higher/lower = the paired t-test over seeds (scipy.stats.ttest_rel) at p < 0.05, else level', () => {
  const cases = stats.tested.flatMap((d) => stats.categories.map((c) => ({ d, c, a: stats.category_scores[d]![c]!.seeds!.values, b: stats.category_scores[stats.baseline]![c]!.seeds!.values })));
  const p = python<number[]>(`
import json, sys
from scipy.stats import ttest_rel
print(json.dumps([float(ttest_rel(c['a'], c['b']).pvalue) for c in json.load(sys.stdin)]))
`, cases);
  const vs = versusBaseline(stats);
  for (const v of vs) {
    const mine = cases.map((c, i) => ({ ...c, p: p[i]! })).filter((c) => c.d === v.design);
    const diff = (c: { d: string; c: string }) => stats.category_scores[c.d]![c.c]!.score - stats.category_scores[stats.baseline]![c.c]!.score;
    assert.deepEqual(v.higher, mine.filter((c) => c.p < 0.05 && diff(c) > 0).map((c) => c.c), `${v.design} higher`);
    assert.deepEqual(v.lower, mine.filter((c) => c.p < 0.05 && diff(c) < 0).map((c) => c.c), `${v.design} lower`);
    assert.deepEqual(v.level, mine.filter((c) => !(c.p < 0.05)).map((c) => c.c), `${v.design} level`);
  }
  // the case the issue names: m3 on Summarization, +0.00001 with p ≈ 1, is level, not "higher"
  assert.ok(vs.find((v) => v.design === 'm3')!.level.includes('Summarization'));
});

test('with one seed, higher/lower = scipy 1.10 Wilcoxon over the datasets where it can reach p < 0.05 (≥ 6 datasets), else beyond the tolerance', () => {
  for (const statsPath of findingsSources(readme)) {
    const s = JSON.parse(readFileSync(join(projectRoot, statsPath), 'utf8')) as Stats;
    if (s.seeds.length !== 1) continue;
    const score = (design: string, dataset: string) => s.dataset_scores[design]![dataset]!.seeds.mean;
    const cases = s.tested.flatMap((d) => s.categories.map((c) => {
      const ds = Object.keys(s.dataset_scores[s.baseline]!).filter((x) => s.dataset_scores[s.baseline]![x]!.category === c).sort();
      return { d, c, x: ds.map((x) => score(d, x)), y: ds.map((x) => score(s.baseline, x)) };
    }));
    const p = python<(number | null)[]>(`
import json, sys
from scipy.stats import wilcoxon
out = []
for c in json.load(sys.stdin):
    out.append(float(wilcoxon(c['x'], c['y']).pvalue) if len(c['x']) >= 6 else None)
print(json.dumps(out))
`, cases, DEBIAN_PYTHON);
    for (const v of versusBaseline(s)) {
      const mine = cases.map((c, i) => ({ ...c, p: p[i]!, diff: c.x.reduce((a, b, k) => a + b - c.y[k]!, 0) / c.x.length })).filter((c) => c.d === v.design);
      const dir = (c: (typeof mine)[number]) => (c.p !== null ? (c.p < 0.05 ? Math.sign(c.diff) : 0) : Math.abs(c.diff) >= LEVEL_TOLERANCE ? Math.sign(c.diff) : 0);
      assert.deepEqual(v.higher, mine.filter((c) => dir(c) > 0).map((c) => c.c), `${statsPath}: ${v.design} higher`);
      assert.deepEqual(v.lower, mine.filter((c) => dir(c) < 0).map((c) => c.c), `${statsPath}: ${v.design} lower`);
      assert.deepEqual(v.level, mine.filter((c) => dir(c) === 0).map((c) => c.c), `${statsPath}: ${v.design} level`);
    }
  }
});

test('"the largest difference" is the largest by absolute size (recomputed from the per-dataset scores), with its test', () => {
  for (const statsPath of findingsSources(readme)) {
    const s = JSON.parse(readFileSync(join(projectRoot, statsPath), 'utf8')) as Stats;
    const categoryMean = (design: string, cat: string): number => {
      const ds = Object.values(s.dataset_scores[design]!).filter((x) => x.category === cat).map((x) => x.seeds.mean);
      return ds.reduce((a, b) => a + b, 0) / ds.length;
    };
    const all = s.tested.flatMap((d) => s.categories.map((c) => ({ d, c, diff: categoryMean(d, c) - categoryMean(s.baseline, c) })));
    const top = all.reduce((a, x) => (Math.abs(x.diff) > Math.abs(a.diff) ? x : a));
    const best = largestDifference(s)!;
    assert.deepEqual([best.design, best.category], [top.d, top.c], statsPath);
    assert.ok(Math.abs(best.difference - top.diff) < 1e-12);
    const paragraph = readFindingsBlock(readme, statsPath).replace(/\s+/g, ' ');
    assert.ok(paragraph.includes(`The largest difference by absolute size is ${top.d} on ${top.c}, ${top.diff < 0 ? '−' : '+'}${Math.abs(top.diff).toFixed(2)} (`), statsPath);
    if (s.seeds.length >= 2) {
      const p = python<number>(`
import json, sys
from scipy.stats import ttest_rel
a = json.load(sys.stdin); print(json.dumps(float(ttest_rel(a['x'], a['y']).pvalue)))
`, { x: s.category_scores[top.d]![top.c]!.seeds!.values, y: s.category_scores[s.baseline]![top.c]!.seeds!.values });
      assert.ok(best.test.includes(`p = ${Number(p.toPrecision(2))}`), `${statsPath}: ${best.test} vs scipy ${p}`);
    }
  }
});

test('"above base-mean" counts agree with category means recomputed from the per-dataset scores', () => {
  for (const statsPath of findingsSources(readme)) {
    const s = JSON.parse(readFileSync(join(projectRoot, statsPath), 'utf8')) as Stats;
    const categoryMean = (design: string, cat: string): number => {
      const ds = Object.values(s.dataset_scores[design]!).filter((x) => x.category === cat).map((x) => x.seeds.mean);
      return ds.reduce((a, b) => a + b, 0) / ds.length;
    };
    for (const a of aboveReference(s, 'base-mean')) {
      assert.deepEqual(a.above, s.categories.filter((c) => categoryMean(a.design, c) - categoryMean('base-mean', c) >= LEVEL_TOLERANCE), `${statsPath}: ${a.design} above base-mean`);
    }
  }
});

test('each committed per-task table = what scripts/per-task.ts generates from the stats.json beside it', () => {
  const dir = join(projectRoot, 'docs', 'results');
  for (const run of readdirSync(dir).filter((d) => existsSync(join(dir, d, 'per-task.md')))) {
    const md = readFileSync(join(dir, run, 'per-task.md'), 'utf8');
    const s = JSON.parse(readFileSync(join(dir, run, 'stats.json'), 'utf8')) as Stats;
    assert.equal(md, perTaskMarkdown(s, md.split('\n')[0]!.replace(/^# /, '')), `docs/results/${run}/per-task.md is stale: node --import tsx scripts/per-task.ts docs/results/${run}/stats.json --title '…'`);
  }
});

test('replaceFindingsBlock replaces only the block and needs both markers', () => {
  const doc = `a\n${FINDINGS_BEGIN}\nold\n${FINDINGS_END}\nb\n`;
  const out = replaceFindingsBlock(doc, 'new text');
  assert.equal(out, `a\n${FINDINGS_BEGIN}\nnew text\n${FINDINGS_END}\nb\n`);
  assert.equal(readFindingsBlock(out), 'new text');
  assert.throws(() => replaceFindingsBlock('no markers', 'x'), /expected one/);
  // two blocks, each found by the stats file its marker names
  const other = findingsBegin('docs/results/other/stats.json');
  const two = `${out}${other}\nsecond\n${FINDINGS_END}\n`;
  assert.deepEqual(findingsSources(two), [FINDINGS_STATS, 'docs/results/other/stats.json']);
  assert.equal(readFindingsBlock(replaceFindingsBlock(two, 'third', 'docs/results/other/stats.json'), 'docs/results/other/stats.json'), 'third');
  assert.equal(readFindingsBlock(replaceFindingsBlock(two, 'third', 'docs/results/other/stats.json')), 'new text');
});

test('per-dataset counts in the findings agree with Holm recomputed by statsmodels from the permutation p-values', () => {
  for (const statsPath of findingsSources(readme)) {
    const s = JSON.parse(readFileSync(join(projectRoot, statsPath), 'utf8')) as Stats;
    const tests = s.dataset_tests.filter((t) => t.per_sample);
    if (tests.length === 0) continue;
    const holm = python<number[]>(`
import json, sys
from statsmodels.stats.multitest import multipletests
print(json.dumps([float(x) for x in multipletests(json.load(sys.stdin), method='holm')[1]]))
`, tests.map((t) => t.per_sample!.permutation.pvalue));
    const paragraph = readFindingsBlock(readme, statsPath).replace(/\s+/g, ' ');
    for (const d of s.tested) {
      const mine = tests.map((t, i) => ({ t, p: holm[i]! })).filter((x) => x.t.design === d);
      const up = mine.filter((x) => x.p < s.options.alpha && x.t.difference > 0).length, down = mine.filter((x) => x.p < s.options.alpha && x.t.difference < 0).length;
      assert.ok(paragraph.includes(`${d} is significantly higher on ${up} and lower on ${down} of ${mine.length} datasets`), `${statsPath}: ${d}: ${up} higher, ${down} lower of ${mine.length}`);
    }
  }
});
