// Paired bootstrap and permutation tests against scipy.stats.bootstrap / permutation_test
// (scipy, from .venv): exactly where both enumerate every assignment (n ≤ 13 pairs), statistically
// (within Monte Carlo error) otherwise; and the O(n) Spearman resampling used for STS against a
// direct recomputation with the same random draws. One Python process for all references.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedBootstrap } from '../src/stats/bootstrap.ts';
import { pairedPermutationTest, signFlipTest } from '../src/stats/permutation.ts';
import { comparePaired } from '../src/stats/paired-designs.ts';
import { spearman } from '../src/eval/metrics/correlation.ts';
import { mean } from '../src/stats/descriptive.ts';
import { createRng } from '../src/util/random.ts';
import { ALTERNATIVES } from '../src/stats/wilcoxon.ts';
import { python } from './helpers.ts';


const rng = createRng(2409);
const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());

// STS-like data: gold scores and two designs' predicted similarities with different noise
function stsData(n: number, noiseA: number, noiseB: number): { a: number[]; b: number[]; gold: number[] } {
  const gold = Array.from({ length: n }, () => Math.round(rng.next() * 50) / 10); // ties, as in STS gold
  return { gold, a: gold.map((g) => g / 5 + noiseA * normal()), b: gold.map((g) => g / 5 + noiseB * normal()) };
}

const small = Array.from({ length: 6 }, (_, k) => { // n = 5..13: exact in both (2^n ≤ 9999)
  const n = 5 + Math.floor(k * 1.6);
  const x = Array.from({ length: n }, () => normal() * 0.02 + 0.8), y = x.map((v) => v - 0.005 + normal() * 0.01);
  return { x, y };
});
const smallSts = [stsData(8, 0.2, 0.35), stsData(10, 0.3, 0.3), stsData(12, 0.1, 0.4)];
const big = { x: Array.from({ length: 40 }, () => normal() * 0.1), y: [] as number[] };
big.y = big.x.map((v) => v - 0.03 + normal() * 0.1);
const bigSts = stsData(150, 0.25, 0.4);
const B = 9999;

const PY = `
import sys, json, numpy as np
from scipy import stats
d = json.load(sys.stdin)
B = d['B']
def sp(x, y, axis=-1):
    rx = stats.rankdata(x, axis=axis); ry = stats.rankdata(y, axis=axis)
    rx = rx - rx.mean(axis=axis, keepdims=True); ry = ry - ry.mean(axis=axis, keepdims=True)
    return (rx * ry).sum(axis=axis) / np.sqrt((rx * rx).sum(axis=axis) * (ry * ry).sum(axis=axis))
def mdiff(x, y, axis=-1):
    return np.mean(np.asarray(x) - np.asarray(y), axis=axis)
out = {'small': [], 'small_sts': []}
for c in d['small']:
    out['small'].append({alt: float(stats.permutation_test((c['x'], c['y']), mdiff, permutation_type='samples', vectorized=True, n_resamples=B, alternative=alt).pvalue) for alt in ('two-sided', 'less', 'greater')})
for c in d['small_sts']:
    g = np.array(c['gold'])
    f = lambda a, b, axis=-1: sp(a, np.broadcast_to(g, np.shape(a)), axis) - sp(b, np.broadcast_to(g, np.shape(b)), axis)
    r = stats.permutation_test((c['a'], c['b']), f, permutation_type='samples', vectorized=True, n_resamples=B)
    out['small_sts'].append({'statistic': float(r.statistic), 'pvalue': float(r.pvalue)})
big = d['big']
out['big_perm'] = float(stats.permutation_test((big['x'], big['y']), mdiff, permutation_type='samples', vectorized=True, n_resamples=B, random_state=1).pvalue)
bt = stats.bootstrap((big['x'], big['y']), mdiff, paired=True, vectorized=True, n_resamples=B, method='percentile', random_state=1)
out['big_boot'] = [float(bt.confidence_interval.low), float(bt.confidence_interval.high), float(bt.standard_error)]
s = d['big_sts']
sts_stat = lambda a, b, g, axis=-1: sp(a, g, axis) - sp(b, g, axis)
bs = stats.bootstrap((s['a'], s['b'], s['gold']), sts_stat, paired=True, vectorized=True, n_resamples=B, method='percentile', random_state=1)
out['sts_boot'] = [float(bs.confidence_interval.low), float(bs.confidence_interval.high), float(bs.standard_error)]
ps = stats.permutation_test((s['a'], s['b']), lambda a, b, axis=-1: sp(a, np.broadcast_to(s['gold'], np.shape(a)), axis) - sp(b, np.broadcast_to(s['gold'], np.shape(b)), axis), permutation_type='samples', vectorized=True, n_resamples=B, random_state=1)
out['sts_perm'] = float(ps.pvalue)
print(json.dumps(out))
`;

const ref = python<{
  small: Record<string, number>[]; small_sts: { statistic: number; pvalue: number }[];
  big_perm: number; big_boot: number[]; sts_boot: number[]; sts_perm: number;
}>(PY, { B, small, small_sts: smallSts, big, big_sts: bigSts });

const diffs = (x: number[], y: number[]): number[] => x.map((v, i) => v - y[i]!);

test('exact sign-flip test equals scipy permutation_test (all alternatives, n = 5..13)', () => {
  small.forEach((c, i) => {
    for (const alternative of ALTERNATIVES) {
      const r = signFlipTest(diffs(c.x, c.y), { alternative, resamples: B });
      assert.ok(r.exact);
      assert.equal(r.resamples, 2 ** c.x.length);
      assert.ok(Math.abs(r.pvalue - ref.small[i]![alternative]!) < 1e-12, `n=${c.x.length} ${alternative}: ${r.pvalue} vs scipy ${ref.small[i]![alternative]}`);
      assert.deepEqual(r.pvalueCI, [r.pvalue, r.pvalue]);
    }
  });
});

test('exact design-swap test of a Spearman difference equals scipy permutation_test', () => {
  smallSts.forEach((s, i) => {
    const r = comparePaired({ kind: 'sts', a: [s.a], b: [s.b], gold: s.gold }, { resamples: 10 }, { resamples: B });
    assert.ok(r.permutation.exact);
    assert.ok(Math.abs(r.permutation.statistic - ref.small_sts[i]!.statistic) < 1e-12, 'observed Spearman difference');
    assert.ok(Math.abs(r.permutation.pvalue - ref.small_sts[i]!.pvalue) < 1e-12, `p ${r.permutation.pvalue} vs scipy ${ref.small_sts[i]!.pvalue}`);
  });
});

test('Monte Carlo permutation p-values agree with scipy within Monte Carlo error', () => {
  const r = signFlipTest(diffs(big.x, big.y), { resamples: B, seed: 3 });
  assert.ok(!r.exact);
  const tol = (p: number): number => 5 * Math.sqrt((2 * p * (1 - p)) / B) + 2 / B;
  assert.ok(Math.abs(r.pvalue - ref.big_perm) < tol(ref.big_perm), `sign flip: ${r.pvalue} vs scipy ${ref.big_perm}`);
  assert.ok(r.pvalueCI[0] <= r.pvalue && r.pvalue <= r.pvalueCI[1]);
  const s = comparePaired({ kind: 'sts', a: [bigSts.a], b: [bigSts.b], gold: bigSts.gold }, { resamples: 2000 }, { resamples: B, seed: 3 });
  assert.ok(Math.abs(s.permutation.pvalue - ref.sts_perm) < tol(ref.sts_perm), `sts swap: ${s.permutation.pvalue} vs scipy ${ref.sts_perm}`);
});

test('bootstrap percentile intervals agree with scipy.stats.bootstrap within Monte Carlo error', () => {
  const d = diffs(big.x, big.y);
  const r = pairedBootstrap(d.length, (idx) => { let s = 0; for (const i of idx) s += d[i]!; return s / idx.length; }, { resamples: B, seed: 5 });
  const [lo, hi, se] = ref.big_boot as [number, number, number];
  assert.ok(Math.abs(r.estimate - mean(d)) < 1e-15);
  // a 2.5% quantile of B draws has a Monte Carlo sd of about 0.03 bootstrap SE; allow 0.2 SE
  assert.ok(Math.abs(r.ci[0] - lo) < 0.2 * se && Math.abs(r.ci[1] - hi) < 0.2 * se, `ci ${r.ci} vs scipy [${lo}, ${hi}]`);
  assert.ok(Math.abs(r.se - se) < 0.05 * se, `se ${r.se} vs ${se}`);
  const s = comparePaired({ kind: 'sts', a: [bigSts.a], b: [bigSts.b], gold: bigSts.gold }, { resamples: B, seed: 5 }, { resamples: 10 });
  const [slo, shi, sse] = ref.sts_boot as [number, number, number];
  assert.ok(Math.abs(s.bootstrap.ci[0] - slo) < 0.2 * sse && Math.abs(s.bootstrap.ci[1] - shi) < 0.2 * sse, `sts ci ${s.bootstrap.ci} vs scipy [${slo}, ${shi}]`);
});

test('O(n) Spearman resampling equals direct recomputation with the same draws (one and three seeds)', () => {
  const n = 60;
  const seeds = [stsData(n, 0.2, 0.3), stsData(n, 0.2, 0.3), stsData(n, 0.2, 0.3)].map((s, k) => (k === 0 ? s : { ...s, gold: [] }));
  const gold = seeds[0]!.gold;
  const a = seeds.map((s) => s.a), b = seeds.map((s) => s.b);
  for (const k of [1, 3]) {
    const fast = comparePaired({ kind: 'sts', a: a.slice(0, k), b: b.slice(0, k), gold }, { resamples: 300, seed: 9 }, { resamples: 300, seed: 9 });
    const pick = (v: number[], idx: ArrayLike<number>): number[] => Array.from(idx, (i) => v[i]!);
    const slowBoot = pairedBootstrap(n, (idx) => mean(a.slice(0, k).map((av, s) => spearman(pick(av, idx), pick(gold, idx)) - spearman(pick(b[s]!, idx), pick(gold, idx)))), { resamples: 300, seed: 9 });
    assert.ok(Math.abs(fast.bootstrap.ci[0] - slowBoot.ci[0]) < 1e-12 && Math.abs(fast.bootstrap.ci[1] - slowBoot.ci[1]) < 1e-12, `bootstrap, ${k} seeds`);
    const slowPerm = pairedPermutationTest(n, (swap) => mean(a.slice(0, k).map((av, s) => {
      const bv = b[s]!;
      return spearman(av.map((v, i) => (swap[i] ? bv[i]! : v)), gold) - spearman(bv.map((v, i) => (swap[i] ? av[i]! : v)), gold);
    })), { resamples: 300, seed: 9 });
    assert.ok(Math.abs(fast.permutation.statistic - slowPerm.statistic) < 1e-12);
    assert.equal(fast.permutation.pvalue, slowPerm.pvalue, `permutation, ${k} seeds`);
  }
});

test('resampling is reproducible by seed and rejects bad options', () => {
  const d = diffs(big.x, big.y);
  const stat = (idx: Int32Array): number => { let s = 0; for (const i of idx) s += d[i]!; return s / idx.length; };
  assert.deepEqual(pairedBootstrap(d.length, stat, { seed: 1, resamples: 500 }), pairedBootstrap(d.length, stat, { seed: 1, resamples: 500 }));
  assert.notDeepEqual(pairedBootstrap(d.length, stat, { seed: 1, resamples: 500 }).ci, pairedBootstrap(d.length, stat, { seed: 2, resamples: 500 }).ci);
  assert.throws(() => pairedBootstrap(d.length, stat, { resamples: 0 }), /resamples/);
  assert.throws(() => pairedBootstrap(d.length, stat, { confidence: 1.5 }), /confidence/);
  assert.throws(() => signFlipTest([1, NaN]), /non-finite/);
});
