// What a per-dataset test could have found (src/stats/power.ts, src/report/detectability.ts):
// the minimum detectable difference against scipy's normal quantiles and against a simulation of
// the test's power, the smallest attainable permutation p against brute force (scipy's exact
// permutation test over every input of tiny n), the Holm rule against statsmodels, and the fields
// compare records in stats.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import { canReachHolm, mddFactor, minimumDetectableDifference, minPermutationP, normalQuantile } from '../src/stats/power.ts';
import { comparePaired } from '../src/stats/paired-designs.ts';
import { signFlipTest } from '../src/stats/permutation.ts';
import { analyze, type Stats } from '../src/report/analysis.ts';
import { detectability, KMEANS_NOTE } from '../src/report/detectability.ts';
import type { SeedRun } from '../src/report/results.ts';
import { mulberry32 } from '../src/util/random.ts';
import { python } from './helpers.ts';

const committed = ['quick-3seeds', 'smollm2-135m'].map((r) => ({ run: r, stats: JSON.parse(readFileSync(join(projectRoot, 'docs', 'results', r, 'stats.json'), 'utf8')) as Stats }));

test('normal quantiles and the MDD factor agree with scipy.stats.norm.ppf', () => {
  const ps = [1e-6, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999];
  const ref = python<{ q: number[]; f: number; f01: number }>(`
import json, sys
from scipy.stats import norm
ps = json.load(sys.stdin)
print(json.dumps({'q': [float(norm.ppf(p)) for p in ps], 'f': float(norm.ppf(0.975) + norm.ppf(0.8)), 'f01': float(norm.ppf(0.995) + norm.ppf(0.9))}))
`, ps);
  ps.forEach((p, i) => assert.ok(Math.abs(normalQuantile(p) - ref.q[i]!) < 1e-9, `quantile ${p}: ${normalQuantile(p)} vs ${ref.q[i]}`));
  assert.ok(Math.abs(mddFactor() - ref.f) < 1e-9);
  assert.ok(Math.abs(mddFactor() - 2.8016) < 1e-4);
  assert.ok(Math.abs(mddFactor(0.01, 0.9) - ref.f01) < 1e-9);
  assert.equal(minimumDetectableDifference(0), null); // no variation: nothing to measure
  assert.equal(minimumDetectableDifference(NaN), null);
});

test('MDD: a true difference of 2.80 × the bootstrap SE is detected with ~80% power (simulated t-tests in numpy/scipy)', () => {
  const rng = mulberry32(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  for (const [n, sd] of [[60, 1], [300, 0.2]] as const) {
    const d = Array.from({ length: n }, () => sd * gauss());
    const c = comparePaired({ kind: 'values', a: [d], b: [d.map(() => 0)] }, { resamples: 4000, seed: 1 }, { resamples: 99 });
    const mdd = minimumDetectableDifference(c.bootstrap.se)!;
    // simulate the study's situation: items with the observed spread, shifted by the MDD; two-sided test at 0.05
    const power = python<number>(`
import json, sys
import numpy as np
from scipy.stats import ttest_1samp
a = json.load(sys.stdin); d = np.array(a['d']); rng = np.random.default_rng(3)
sims = 4000; hits = 0
for _ in range(sims):
    x = rng.normal(a['mdd'], d.std(ddof=1), size=len(d))
    hits += ttest_1samp(x, 0.0).pvalue < 0.05
print(json.dumps(hits / sims))
`, { d, mdd });
    // the bootstrap SE is the plug-in sd/sqrt(n) (ddof 0) and the t-test pays for estimating it, so a
    // little under 0.80 at small n; 4000 simulations: sd 0.0063
    assert.ok(power > 0.76 && power < 0.83, `n=${n}: power at the MDD ${mdd.toFixed(4)} is ${power}`);
  }
});

test('smallest attainable permutation p = brute force over every input of tiny n (scipy exact permutation test)', () => {
  // every sign pattern of magnitudes 1..n (no ties), and with some zero differences
  const inputs: { n: number; nonzero: number; d: number[] }[] = [];
  for (let n = 2; n <= 6; n++) {
    for (const zeros of n >= 3 ? [0, 2] : [0]) {
      for (let mask = 0; mask < 2 ** n; mask++) {
        const d = Array.from({ length: n }, (_, i) => (i < zeros ? 0 : ((mask >> i) & 1 ? -1 : 1) * (i + 1)));
        inputs.push({ n, nonzero: n - zeros, d });
      }
    }
  }
  const scipyP = python<number[]>(`
import json, sys
import numpy as np
from scipy.stats import permutation_test
out = []
for x in json.load(sys.stdin):
    d = np.array(x['d'], dtype=float)
    r = permutation_test((d, np.zeros_like(d)), lambda a, b, axis: np.mean(a - b, axis=axis), permutation_type='samples', vectorized=True, n_resamples=100000, alternative='two-sided')
    out.append(float(r.pvalue))
print(json.dumps(out))
`, inputs);
  const groups = new Map<string, { n: number; nonzero: number; scipy: number; ours: number }>();
  inputs.forEach((x, i) => {
    const key = `${x.n}/${x.nonzero}`;
    const ours = signFlipTest(x.d, { resamples: 9999 }).pvalue;
    assert.ok(Math.abs(ours - scipyP[i]!) < 1e-12, `${JSON.stringify(x.d)}: ours ${ours}, scipy ${scipyP[i]}`);
    const g = groups.get(key) ?? { n: x.n, nonzero: x.nonzero, scipy: 1, ours: 1 };
    g.scipy = Math.min(g.scipy, scipyP[i]!); g.ours = Math.min(g.ours, ours);
    groups.set(key, g);
  });
  for (const g of groups.values()) {
    const rule = minPermutationP({ nEffective: g.nonzero, exact: true, resamples: 2 ** g.n });
    assert.ok(Math.abs(rule - g.scipy) < 1e-12, `n=${g.n}, ${g.nonzero} non-zero: rule ${rule}, brute force ${g.scipy}`);
    assert.ok(Math.abs(rule - g.ours) < 1e-12);
  }
  // Monte Carlo: every resample less extreme than the observed → 2/(R + 1)
  const mc = signFlipTest(Array.from({ length: 40 }, (_, i) => 1 + i), { resamples: 99, seed: 5 });
  assert.equal(mc.exact, false);
  assert.equal(mc.pvalue, minPermutationP({ nEffective: 40, exact: false, resamples: 99 }));
  assert.equal(minPermutationP({ nEffective: 40, exact: false, resamples: 99 }), 0.02);
  // few informative items under a Monte Carlo test: the floor is the exact one
  assert.equal(minPermutationP({ nEffective: 3, exact: false, resamples: 9999 }), 0.25);
});

test('"cannot reach Holm" = the smallest attainable p stays non-significant after statsmodels Holm, on the committed runs', () => {
  const cases = committed.map(({ stats }) => {
    const tests = stats.dataset_tests.filter((t) => t.per_sample);
    return { tests, det: tests.map((t) => detectability(t, stats.dataset_tests, stats.options.alpha)!) };
  });
  // the best case for each test: its own p at its floor, every other test p = 1
  const holmFirst = python<number[][]>(`
import json, sys
from statsmodels.stats.multitest import multipletests
print(json.dumps([[float(multipletests([p] + [1.0] * (c['m'] - 1), method='holm')[1][0]) for p in c['p']] for c in json.load(sys.stdin)]))
`, cases.map((c) => ({ m: c.tests.length, p: [...new Set(c.det.map((d) => d.min_p))] })));
  cases.forEach(({ tests, det }, r) => {
    const { run, stats } = committed[r]!;
    det.forEach((d, i) => {
      const t = tests[i]!;
      assert.equal(d.m, tests.length);
      const distinct = [...new Set(det.map((x) => x.min_p))];
      assert.equal(d.can_reach_holm, holmFirst[r]![distinct.indexOf(d.min_p)]! < stats.options.alpha, `${run} ${t.design} ${t.dataset}`);
      // from what the committed file holds: the permutation's exact flag, resamples and sample count
      const ps = t.per_sample!;
      assert.equal(d.min_p, ps.permutation.exact ? Math.min(1, 2 ** (1 - ps.n_samples)) : Math.max(2 / (ps.permutation.resamples + 1), 2 ** (1 - ps.n_samples)));
      assert.equal(d.unit, t.category === 'Clustering' ? 'k-means runs' : 'items');
    });
    // every Clustering test runs over its 10 k-means runs: 2/2^10 = 0.00195 > 0.05/105
    assert.ok(det.filter((d) => d.unit === 'k-means runs').every((d) => d.n === 10 && !d.can_reach_holm), run);
  });
});

test('MDD of every committed per-dataset test = (norm.ppf(0.975) + norm.ppf(0.8)) × its bootstrap SE (scipy)', () => {
  const cases = committed.map(({ stats }) => stats.dataset_tests.filter((t) => t.per_sample));
  const ref = python<(number | null)[][]>(`
import json, sys
from scipy.stats import norm
f = norm.ppf(0.975) + norm.ppf(0.8)
print(json.dumps([[float(f * se) if se > 0 else None for se in ses] for ses in json.load(sys.stdin)]))
`, cases.map((tests) => tests.map((t) => t.per_sample!.bootstrap.se)));
  cases.forEach((tests, r) => {
    const { run, stats } = committed[r]!;
    tests.forEach((t, i) => {
      const d = detectability(t, stats.dataset_tests, stats.options.alpha)!;
      if (ref[r]![i] === null) assert.equal(d.mdd_80, null);
      else assert.ok(Math.abs(d.mdd_80! - ref[r]![i]!) < 1e-9 * Math.max(1, ref[r]![i]!), `${run} ${t.design} ${t.dataset}`);
    });
  });
});

test('compare records unit, n_informative, mdd_80, min_p and can_reach_holm per test (Clustering labelled over k-means runs)', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));
  const task = (category: string, values: number[], score: number) => ({ category, main_score: score, scores: {}, user_task: false, per_sample: { kind: 'values' as const, ids: ids(values.length), values } });
  const runs: SeedRun[] = [{
    seed: null,
    designs: {
      m1: { design: 'm1', file: 'm1.json', tasks: { X: task('Classification', [1, 0, 1, 0, 1, 1], 0.67), K: task('Clustering', Array(10).fill(0.5), 0.5) } },
      m2: { design: 'm2', file: 'm2.json', tasks: { X: task('Classification', [1, 1, 1, 0, 0, 1], 0.67), K: task('Clustering', Array.from({ length: 10 }, (_, i) => 0.6 + i / 100), 0.645) } },
    },
  }] as unknown as SeedRun[];
  const s = analyze(runs, { resamples: 500, permutations: 9999 });
  const x = s.dataset_tests.find((t) => t.dataset === 'X')!.per_sample!;
  assert.equal(x.unit, 'items');
  assert.equal(x.n_informative, 2); // items 1 and 4 differ
  assert.equal(x.min_p, 0.5); // exact over 2^6, floor 2^(1-2)
  assert.equal(x.holm_threshold, 0.05 / 2);
  assert.equal(x.can_reach_holm, false);
  assert.ok(Math.abs(x.mdd_80! - mddFactor() * x.bootstrap.se) < 1e-12);
  const k = s.dataset_tests.find((t) => t.dataset === 'K')!.per_sample!;
  assert.equal(k.unit, 'k-means runs');
  assert.equal(k.n_informative, 10);
  assert.equal(k.min_p, 2 / 1024);
  assert.equal(k.can_reach_holm, true); // m = 2: 0.00195 < 0.025
  assert.equal(canReachHolm(2 / 1024, 105).reachable, false);
  assert.match(s.methods.per_sample!, new RegExp(KMEANS_NOTE));
  // the recorded fields are what detectability() reports
  const d = detectability(s.dataset_tests[0]!, s.dataset_tests, 0.05)!;
  assert.equal(d.recorded, true);
});
