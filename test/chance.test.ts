// Chance levels of the main scores (src/eval/chance.ts): closed forms checked by exhaustive
// enumeration of every ranking on small cases with the project's own metrics, and the simulated
// V-measure against scikit-learn's v_measure_score on the same random assignments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyChance, averagePrecisionChance, expectedRandomAP, meanAveragePrecisionChance, meanSpearmanChance,
  ndcgChance, spearmanChance, vMeasureChance,
} from '../src/eval/chance.ts';
import { averagePrecision } from '../src/eval/metrics/average-precision.ts';
import { spearman } from '../src/eval/metrics/correlation.ts';
import { ndcgAtK } from '../src/eval/metrics/retrieval-metrics.ts';
import { createRng } from '../src/util/random.ts';
import { python } from './helpers.ts';

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const popVar = (xs: number[]) => { const m = meanOf(xs); return meanOf(xs.map((x) => (x - m) ** 2)); };

test('E[AP] of a random ranking equals the mean over all N! rankings', () => {
  for (const [N, P] of [[5, 1], [6, 2], [7, 3], [7, 7], [4, 2]] as const) {
    const labels = Array.from({ length: N }, (_, i) => (i < P ? 1 : 0));
    const aps = permutations(N).map((perm) => averagePrecision(labels, perm.map((r) => N - r)));
    assert.ok(Math.abs(expectedRandomAP(N, P) - meanOf(aps)) < 1e-12, `N=${N} P=${P}: ${expectedRandomAP(N, P)} vs ${meanOf(aps)}`);
  }
});

test('Spearman under permutation: mean 0, variance 1/(n−1), ties in the gold included', () => {
  const gold = [1, 2, 2, 3, 5, 8];
  const rhos = permutations(gold.length).map((perm) => spearman(perm, gold));
  const c = spearmanChance(gold.length);
  assert.ok(Math.abs(meanOf(rhos)) < 1e-12);
  assert.ok(Math.abs(Math.sqrt(popVar(rhos)) - c.sd) < 1e-12, `${Math.sqrt(popVar(rhos))} vs ${c.sd}`);
  const m = meanSpearmanChance([4, 6, 6]);
  assert.ok(Math.abs(m.sd - Math.sqrt(1 / 3 + 1 / 5 + 1 / 5) / 3) < 1e-15);
});

test('nDCG@k of a random ranking: the exact mean equals the mean over all orderings; the simulation agrees', () => {
  // corpus of 6 documents, judged grades [2, 1] and [1] for two queries, k = 3
  const grades = [[2, 1], [1]];
  const N = 6, k = 3;
  const per = grades.map((g) => {
    const qrels = Object.fromEntries(g.map((x, i) => [`d${i}`, x]));
    return meanOf(permutations(N).map((perm) => ndcgAtK(perm.map((d) => `d${d}`), qrels, k)));
  });
  const c = ndcgChance(grades, N, k, 4000);
  assert.ok(Math.abs(c.mean - meanOf(per)) < 1e-12, `${c.mean} vs ${meanOf(per)}`);
  assert.ok(c.sd > 0 && c.sd < 1);
});

test('simulated AP / MAP: sample means near the exact means; accuracy chance is 1/K', () => {
  const labels = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0));
  const a = averagePrecisionChance(labels, 400);
  assert.ok(a.sd > 0.005 && a.sd < 0.1);
  const m = meanAveragePrecisionChance([{ positives: 1, negatives: 9 }, { positives: 2, negatives: 3 }], 400);
  assert.ok(Math.abs(m.mean - (expectedRandomAP(10, 1) + expectedRandomAP(5, 2)) / 2) < 1e-12);
  assert.deepEqual([accuracyChance(4, 100).mean, accuracyChance(4, 100).sd], [0.25, Math.sqrt(0.25 * 0.75 / 100)]);
  assert.throws(() => accuracyChance(1, 10), /2 classes/);
});

test('V-measure of random clusters: our simulation equals sklearn on the same assignments', () => {
  const rng = createRng(3);
  const labels = Array.from({ length: 300 }, () => rng.int(5));
  const c = vMeasureChance(labels, 50);
  // replay the same draws (vMeasureChance's seed) for sklearn
  const replay = createRng(20240902);
  const preds = Array.from({ length: 50 }, () => labels.map(() => replay.int(5)));
  const sk = python<number[]>(`
import json, sys
from sklearn.metrics import v_measure_score
d = json.load(sys.stdin)
print(json.dumps([v_measure_score(d['labels'], p) for p in d['preds']]))
`, { labels, preds });
  assert.ok(Math.abs(c.mean - meanOf(sk)) < 1e-12, `${c.mean} vs sklearn ${meanOf(sk)}`);
  assert.ok(c.mean > 0 && c.mean < 0.05, 'random clusters give a small positive V-measure, not 0');
});
