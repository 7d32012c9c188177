// Seeds are paired (same triple order and initialisation per seed across designs): the paired t-test
// against scipy.stats.ttest_rel, and the smallest p the exact two-sided Wilcoxon can reach against
// scipy.stats.wilcoxon on all-positive differences (what makes a category "untestable").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedTTest } from '../src/stats/seeds.ts';
import { minExactTwoSidedP, wilcoxonCanReject } from '../src/stats/wilcoxon.ts';
import { createRng } from '../src/util/random.ts';
import { python } from './helpers.ts';

const rng = createRng(7);
const cases = Array.from({ length: 30 }, (_, i) => {
  const n = 2 + (i % 6);
  const a = Array.from({ length: n }, () => rng.next());
  const b = a.map((x) => x - 0.05 + 0.1 * rng.next() + (i % 3) * 0.02);
  return { a, b };
});

const ref = python<{ t: [number, number][]; less: number[]; minp: number[] }>(`
import json, sys
from scipy import stats
d = json.load(sys.stdin)
t = [[float(v) for v in stats.ttest_rel(c['a'], c['b'])] for c in d['cases']]
less = [float(stats.ttest_rel(c['a'], c['b'], alternative='less').pvalue) for c in d['cases']]
minp = [float(stats.wilcoxon(list(range(1, n + 1)), method='exact').pvalue) for n in range(1, 13)]
print(json.dumps({'t': t, 'less': less, 'minp': minp}))
`, { cases });

const close = (a: number, b: number, tol = 1e-10) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('pairedTTest matches scipy.stats.ttest_rel (two-sided and less)', () => {
  cases.forEach((c, i) => {
    const r = pairedTTest(c.a, c.b);
    const [t, p] = ref.t[i]!;
    assert.ok(close(r.statistic, t), `case ${i}: t ${r.statistic} vs ${t}`);
    assert.ok(close(r.pvalue, p), `case ${i}: p ${r.pvalue} vs ${p}`);
    assert.equal(r.df, c.a.length - 1);
    assert.ok(close(pairedTTest(c.a, c.b, 'less').pvalue, ref.less[i]!), `case ${i} (less)`);
  });
});

test('pairedTTest: pairing matters (a shared seed effect cancels), bad input is refused', () => {
  // a seed effect shared by both designs: Welch would drown the constant difference, pairing does not
  const a = [0.1, 0.5, 0.9], b = [0.09, 0.49, 0.885];
  assert.ok(pairedTTest(a, b).pvalue < 0.05);
  assert.throws(() => pairedTTest([1, 2], [1]), /pair up/);
  assert.throws(() => pairedTTest([1], [1]), /at least 2 pairs/);
  // zero variance, as scipy 1.17: the same non-zero difference → t = inf, p = 0; no difference → NaN
  assert.deepEqual([pairedTTest([1, 2], [0, 1]).statistic, pairedTTest([1, 2], [0, 1]).pvalue], [Infinity, 0]);
  assert.ok(Number.isNaN(pairedTTest([1, 2], [1, 2]).pvalue));
});

test('minExactTwoSidedP equals scipy\'s exact Wilcoxon p for all-positive differences; testable from n = 6', () => {
  ref.minp.forEach((p, i) => assert.ok(close(minExactTwoSidedP(i + 1), p, 1e-12), `n = ${i + 1}: ${minExactTwoSidedP(i + 1)} vs ${p}`));
  for (let n = 1; n <= 5; n++) assert.equal(wilcoxonCanReject(n, 0.05), false, `n = ${n}`);
  for (let n = 6; n <= 12; n++) assert.equal(wilcoxonCanReject(n, 0.05), true, `n = ${n}`);
});
