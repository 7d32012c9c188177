// Special functions, ranks, correlations, quantiles, effect sizes and Welch's t-test against
// scipy/numpy (one Python process), and basic properties of the seeded PRNG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { betaInc, erfc, normalCdf, normalSf, studentTSf, logGamma, betaIncInverse } from '../src/stats/special.ts';
import { rankAverage } from '../src/stats/ranks.ts';
import { RankPool } from '../src/stats/correlation.ts';
import { spearman, pearson } from '../src/eval/metrics/correlation.ts';
import { quantile, median, medianInPlace } from '../src/stats/descriptive.ts';
import { matchedPairsRankBiserial } from '../src/stats/effect-size.ts';
import { welchTTest } from '../src/stats/seeds.ts';
import { createRng } from '../src/util/random.ts';
import { python } from './helpers.ts';


const rel = (a: number, b: number, tol: number): boolean => Math.abs(a - b) <= tol * Math.abs(b) + 1e-300;

const rng = createRng(11);
const zs = [-38, -12, -8.5, -5, -3, -1.96, -1, -0.3, 0, 0.1, 0.7, 1.5, 2.5, 4, 6, 9, 15, 30];
const betaArgs = Array.from({ length: 200 }, () => [rng.next(), 0.05 + rng.next() * (rng.next() < 0.5 ? 3 : 400), 0.05 + rng.next() * (rng.next() < 0.5 ? 3 : 400)]);
const tArgs = Array.from({ length: 200 }, () => [(rng.next() - 0.5) * 20, 0.5 + rng.next() * (rng.next() < 0.5 ? 5 : 500)]);
const lgArgs = [1e-5, 0.1, 0.5, 1, 1.5, 2, 3.7, 10, 55.5, 171.3, 1e4];
const welch = Array.from({ length: 40 }, (_, i) => {
  const na = 2 + (i % 5), nb = 2 + ((i * 3) % 6);
  return { a: Array.from({ length: na }, () => 0.8 + rng.next() * 0.05), b: Array.from({ length: nb }, () => 0.79 + rng.next() * (i % 2 ? 0.01 : 0.08)) };
});
const samples = Array.from({ length: 30 }, (_, i) => {
  const n = 3 + i * 3;
  const tied = i % 2 === 0;
  const x = Array.from({ length: n }, () => (tied ? rng.int(6) : rng.next()));
  const y = x.map((v) => (tied ? v + rng.int(5) - 2 : v + (rng.next() - 0.4) * 0.5));
  return { x, y };
});

const PY = `
import sys, json, numpy as np
from scipy import special, stats
d = json.load(sys.stdin)
out = {
  'erfc': [float(special.erfc(z)) for z in d['zs']],
  'norm_sf': [float(stats.norm.sf(z)) for z in d['zs']],
  'norm_cdf': [float(stats.norm.cdf(z)) for z in d['zs']],
  'betainc': [float(special.betainc(a, b, x)) for x, a, b in d['beta']],
  't_sf': [float(stats.t.sf(t, df)) for t, df in d['t']],
  'lgamma': [float(special.gammaln(x)) for x in d['lg']],
  'welch': [[float(v) for v in stats.ttest_ind(w['a'], w['b'], equal_var=False)] for w in d['welch']],
  'welch_less': [float(stats.ttest_ind(w['a'], w['b'], equal_var=False, alternative='less').pvalue) for w in d['welch']],
  'rank': [stats.rankdata(s['x']).tolist() for s in d['samples']],
  'spearman': [float(stats.spearmanr(s['x'], s['y']).correlation) for s in d['samples']],
  'pearson': [float(stats.pearsonr(s['x'], s['y'])[0]) for s in d['samples']],
  'quantile': [[float(np.percentile(s['y'], q)) for q in (0, 2.5, 50, 97.5, 100)] for s in d['samples']],
}
# matched-pairs rank-biserial from its definition (Kerby 2014), written independently here
rb = []
for s in d['samples']:
    diff = np.array(s['x']) - np.array(s['y'])
    diff = diff[diff != 0]
    if len(diff) == 0:
        rb.append(None); continue
    r = stats.rankdata(np.abs(diff))
    rb.append(float((r[diff > 0].sum() - r[diff < 0].sum()) / r.sum()))
out['rank_biserial'] = rb
print(json.dumps(out).replace('NaN', 'null'))
`;

const ref = python<Record<string, unknown[]>>(PY, { zs, beta: betaArgs, t: tArgs, lg: lgArgs, welch, samples });

test('erfc and normal tails match scipy to 1e-13 relative', () => {
  zs.forEach((z, i) => {
    assert.ok(rel(erfc(z), ref.erfc![i] as number, 1e-13), `erfc(${z}) ${erfc(z)} vs ${ref.erfc![i]}`);
    assert.ok(rel(normalSf(z), ref.norm_sf![i] as number, 1e-13), `sf(${z})`);
    assert.ok(rel(normalCdf(z), ref.norm_cdf![i] as number, 1e-13), `cdf(${z})`);
  });
});

test('log-gamma, incomplete beta and Student-t tail match scipy', () => {
  lgArgs.forEach((x, i) => assert.ok(Math.abs(logGamma(x) - (ref.lgamma![i] as number)) <= 1e-13 * Math.max(1, Math.abs(ref.lgamma![i] as number)), `lgamma(${x})`));
  betaArgs.forEach(([x, a, b], i) => assert.ok(rel(betaInc(x!, a!, b!), ref.betainc![i] as number, 1e-10), `betainc(${a}, ${b}, ${x}) ${betaInc(x!, a!, b!)} vs ${ref.betainc![i]}`));
  tArgs.forEach(([t, df], i) => assert.ok(rel(studentTSf(t!, df!), ref.t_sf![i] as number, 1e-10), `t.sf(${t}, ${df})`));
  for (const [p, a, b] of [[0.025, 3, 40], [0.5, 1, 1], [0.995, 12, 7]] as const) assert.ok(Math.abs(betaInc(betaIncInverse(p, a, b), a, b) - p) < 1e-12);
});

test('Welch t-test matches scipy.stats.ttest_ind(equal_var=False)', () => {
  welch.forEach((w, i) => {
    const r = welchTTest(w.a, w.b);
    const [t, p] = ref.welch![i] as number[];
    assert.ok(rel(r.statistic, t!, 1e-10) && rel(r.pvalue, p!, 1e-9), `case ${i}: t ${r.statistic} vs ${t}, p ${r.pvalue} vs ${p}`);
    assert.ok(rel(welchTTest(w.a, w.b, 'less').pvalue, ref.welch_less![i] as number, 1e-9), `case ${i} (less)`);
  });
  assert.throws(() => welchTTest([1], [1, 2]), /at least 2 values/);
});

test('ranks, Pearson, Spearman, quantiles and rank-biserial match scipy/numpy and the formula', () => {
  samples.forEach((s, i) => {
    assert.deepEqual(Array.from(rankAverage(s.x)), ref.rank![i]);
    assert.ok(Math.abs(spearman(s.x, s.y) - (ref.spearman![i] as number)) < 1e-12, `spearman ${i}`);
    assert.ok(Math.abs(pearson(s.x, s.y) - (ref.pearson![i] as number)) < 1e-12, `pearson ${i}`);
    [0, 0.025, 0.5, 0.975, 1].forEach((q, k) => assert.ok(Math.abs(quantile(s.y, q) - (ref.quantile![i] as number[])[k]!) < 1e-12, `quantile ${q}`));
    const rb = ref.rank_biserial![i] as number | null;
    if (rb === null) assert.ok(Number.isNaN(matchedPairsRankBiserial(s.x, s.y)));
    else assert.ok(Math.abs(matchedPairsRankBiserial(s.x, s.y) - rb) < 1e-12, `rank-biserial ${i}`);
  });
  assert.equal(matchedPairsRankBiserial([3, 4, 5], [1, 1, 1]), 1);
  assert.equal(matchedPairsRankBiserial([1, 1], [3, 4]), -1);
});

test('RankPool ranks of a weighted subset equal rankAverage of the expanded sample', () => {
  const r = createRng(5);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 + r.int(40);
    const v = Array.from({ length: n }, () => r.int(8));
    const w = Array.from({ length: n }, () => r.int(3));
    if (!w.some((x) => x > 0)) w[0] = 1;
    const expanded: number[] = [], owner: number[] = [];
    v.forEach((x, i) => { for (let k = 0; k < w[i]!; k++) { expanded.push(x); owner.push(i); } });
    const direct = rankAverage(expanded);
    const pooled = new RankPool(v).ranks(w);
    owner.forEach((i, k) => assert.equal(pooled[i], direct[k]));
  }
});

test('seeded PRNG: reproducible, seed-sensitive, roughly uniform', () => {
  const a = createRng(42), b = createRng(42), c = createRng(43);
  const xa = Array.from({ length: 1000 }, () => a.next()), xb = Array.from({ length: 1000 }, () => b.next()), xc = Array.from({ length: 1000 }, () => c.next());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  assert.ok(xa.every((x) => x >= 0 && x < 1));
  // chi-square over 10 bins, 100k draws: 99.9% critical value for 9 df is 27.9
  const r = createRng(1), bins = new Array<number>(10).fill(0), N = 100000;
  for (let i = 0; i < N; i++) bins[r.int(10)]!++;
  const chi2 = bins.reduce((s, o) => s + (o - N / 10) ** 2 / (N / 10), 0);
  assert.ok(chi2 < 27.9, `chi2 ${chi2}`);
});

test('quickselect median equals the sorted median (odd, even, ties)', () => {
  const r = createRng(8);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + r.int(30);
    const v = Array.from({ length: n }, () => (trial % 2 ? r.int(5) : r.next()));
    assert.equal(medianInPlace(Float64Array.from(v)), median(v), JSON.stringify(v));
  }
});
