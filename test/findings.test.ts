// The README's findings paragraphs are exactly what scripts/findings.ts generates from the committed
// stats.json each names, and the generator's counts agree with an independent recomputation (scipy's
// paired t-test over the seeds, category means recomputed from the per-dataset scores); the committed
// per-task tables are what scripts/per-task.ts generates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { aboveReference, findingsBegin, findingsParagraph, findingsSources, readFindingsBlock, replaceFindingsBlock, versusBaseline, FINDINGS_BEGIN, FINDINGS_END, FINDINGS_STATS } from '../src/report/findings.ts';
import { loadPaperTable } from '../src/report/paper-table.ts';
import type { Stats } from '../src/report/analysis.ts';
import { python } from './helpers.ts';
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

test('paired seed tests behind the findings agree with scipy.stats.ttest_rel on the per-seed category scores', () => {
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
    assert.deepEqual(v.significantHigher, mine.filter((c) => c.p < 0.05 && diff(c) > 0).map((c) => c.c), `${v.design} significantly higher`);
    assert.deepEqual(v.significantLower, mine.filter((c) => c.p < 0.05 && diff(c) < 0).map((c) => c.c), `${v.design} significantly lower`);
    assert.deepEqual(v.higher, mine.filter((c) => diff(c) > 0).map((c) => c.c), `${v.design} higher`);
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
      assert.deepEqual(a.above, s.categories.filter((c) => categoryMean(a.design, c) > categoryMean('base-mean', c)), `${statsPath}: ${a.design} above base-mean`);
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
