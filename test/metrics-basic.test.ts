// Correlations, similarities, average precision, V-measure, accuracy/F1 and MTEB's best-threshold
// search against scipy / scikit-learn (and MTEB's own Python for the thresholds), on generated
// inputs with many ties. One Python process for the whole file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pearson, spearman } from '../src/eval/metrics/correlation.ts';
import { rankAverage } from '../src/stats/ranks.ts';
import { cosineSimilarity, dotProduct, euclideanDistance, manhattanDistance } from '../src/eval/metrics/similarity.ts';
import { averagePrecision } from '../src/eval/metrics/average-precision.ts';
import { homogeneityCompletenessVMeasure } from '../src/eval/metrics/v-measure.ts';
import { accuracy, macroF1 } from '../src/eval/metrics/classification-metrics.ts';
import { findBestAccuracyAndThreshold, findBestF1AndThreshold } from '../src/eval/metrics/best-threshold.ts';
import { createRng } from '../src/util/random.ts';
import { python } from './helpers.ts';


const TOL = 1e-9;
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= TOL, `${what}: ours ${a}, reference ${b}`);

const rng = createRng(2024);
/** Values on a coarse grid, so ties are frequent. */
const coarse = (n: number, levels: number) => Array.from({ length: n }, () => rng.int(levels) / 2);
const fine = (n: number) => Array.from({ length: n }, () => rng.next() * 4 - 2);

const N_CASES = 30;
const cases = Array.from({ length: N_CASES }, (_, c) => {
  const n = 5 + rng.int(60);
  const x = c % 3 === 0 ? fine(n) : coarse(n, 3 + rng.int(6));
  // y correlated with x plus coarse noise, so correlations are not all near 0
  const y = x.map((v) => Math.round(2 * (v + (rng.next() - 0.5) * 3)) / 2);
  const labels = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  if (!labels.includes(1)) labels[0] = 1;
  if (!labels.includes(0)) labels[n - 1] = 0;
  const kTrue = 1 + rng.int(5), kPred = 1 + rng.int(6);
  const clustersTrue = Array.from({ length: n }, () => rng.int(kTrue));
  const clustersPred = clustersTrue.map((t) => (rng.next() < 0.6 ? t : rng.int(kPred)));
  const classTrue = Array.from({ length: n }, () => `c${rng.int(4)}`);
  const classPred = classTrue.map((t) => (rng.next() < 0.5 ? t : `c${rng.int(5)}`)); // may predict an unseen class
  const dim = 1 + rng.int(20);
  const a = Array.from({ length: dim }, () => rng.next() - 0.3), b = Array.from({ length: dim }, () => rng.next() - 0.5);
  return { x, y, labels, clustersTrue, clustersPred, classTrue, classPred, a, b };
});

const PY = `
import sys, json, numpy as np, warnings
from scipy.stats import spearmanr, pearsonr, rankdata
from sklearn.metrics import average_precision_score, homogeneity_completeness_v_measure, accuracy_score, f1_score
from sklearn.metrics.pairwise import paired_cosine_distances, paired_euclidean_distances, paired_manhattan_distances
warnings.simplefilter('ignore')
# MTEB PairClassificationEvaluator.find_best_acc_and_threshold / find_best_f1_and_threshold, verbatim logic
def find_best_acc_and_threshold(scores, labels, high_score_more_similar):
    rows = sorted(list(zip(scores, labels)), key=lambda x: x[0], reverse=high_score_more_similar)
    max_acc = 0; best_threshold = -1; positive_so_far = 0
    remaining_negatives = sum(np.array(labels) == 0)
    for i in range(len(rows) - 1):
        score, label = rows[i]
        if label == 1: positive_so_far += 1
        else: remaining_negatives -= 1
        acc = (positive_so_far + remaining_negatives) / len(labels)
        if acc > max_acc:
            max_acc = acc; best_threshold = (rows[i][0] + rows[i + 1][0]) / 2
    return float(max_acc), float(best_threshold)
def find_best_f1_and_threshold(scores, labels, high_score_more_similar):
    rows = sorted(list(zip(scores, labels)), key=lambda x: x[0], reverse=high_score_more_similar)
    best_f1 = best_precision = best_recall = 0; threshold = 0; nextract = 0; ncorrect = 0
    total_num_duplicates = sum(labels)
    for i in range(len(rows) - 1):
        score, label = rows[i]; nextract += 1
        if label == 1: ncorrect += 1
        if ncorrect > 0:
            precision = ncorrect / nextract; recall = ncorrect / total_num_duplicates
            f1 = 2 * precision * recall / (precision + recall)
            if f1 > best_f1:
                best_f1 = f1; best_precision = precision; best_recall = recall
                threshold = (rows[i][0] + rows[i + 1][0]) / 2
    return float(best_f1), float(best_precision), float(best_recall), float(threshold)
out = []
for c in json.load(sys.stdin):
    x = np.array(c['x']); y = np.array(c['y']); lab = np.array(c['labels'])
    a = np.array([c['a']]); b = np.array([c['b']])
    h, comp, v = homogeneity_completeness_v_measure(c['clustersTrue'], c['clustersPred'])
    out.append({
        'ranks': rankdata(x).tolist(),
        'spearman': float(spearmanr(x, y).correlation), 'pearson': float(pearsonr(x, y)[0]),
        'ap': float(average_precision_score(lab, y)),
        'h': float(h), 'c': float(comp), 'v': float(v),
        'acc': float(accuracy_score(c['classTrue'], c['classPred'])),
        'f1': float(f1_score(c['classTrue'], c['classPred'], average='macro')),
        'cos': float(1 - paired_cosine_distances(a, b)[0]), 'dot': float(a[0] @ b[0]),
        'euc': float(paired_euclidean_distances(a, b)[0]), 'man': float(paired_manhattan_distances(a, b)[0]),
        'acc_hi': find_best_acc_and_threshold(c['y'], c['labels'], True),
        'acc_lo': find_best_acc_and_threshold(c['y'], c['labels'], False),
        'f1_hi': find_best_f1_and_threshold(c['y'], c['labels'], True),
        'f1_lo': find_best_f1_and_threshold(c['y'], c['labels'], False),
    })
print(json.dumps(out))
`;

const ref = python(PY, cases);

test('rankAverage matches scipy.stats.rankdata (ties get the mean rank)', () => {
  cases.forEach((c, i) => Array.from(rankAverage(c.x)).forEach((r, j) => close(r, ref[i].ranks[j], `case ${i} rank ${j}`)));
});

test('spearman and pearson match scipy to 1e-9 on tied data', () => {
  cases.forEach((c, i) => {
    close(spearman(c.x, c.y), ref[i].spearman, `case ${i} spearman`);
    close(pearson(c.x, c.y), ref[i].pearson, `case ${i} pearson`);
  });
});

test('correlation of a constant is NaN (as scipy), and bad input throws', () => {
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(spearman([1, 2, 3], [5, 5, 5])));
  assert.throws(() => pearson([1, 2], [1, 2, 3]), /length/);
  assert.throws(() => spearman([1, NaN], [1, 2]), /finite/);
});

test('similarities match sklearn paired distances and numpy dot', () => {
  cases.forEach((c, i) => {
    close(cosineSimilarity(c.a, c.b), ref[i].cos, `case ${i} cosine`);
    close(dotProduct(c.a, c.b), ref[i].dot, `case ${i} dot`);
    close(euclideanDistance(c.a, c.b), ref[i].euc, `case ${i} euclidean`);
    close(manhattanDistance(c.a, c.b), ref[i].man, `case ${i} manhattan`);
  });
  assert.throws(() => cosineSimilarity([1, 2], [1]), /dimensions/);
});

test('averagePrecision matches sklearn average_precision_score with tied scores', () => {
  cases.forEach((c, i) => close(averagePrecision(c.labels, c.y), ref[i].ap, `case ${i} AP`));
  assert.throws(() => averagePrecision([0, 0], [1, 2]), /no positive/);
  assert.throws(() => averagePrecision([0, 2], [1, 2]), /0\/1/);
});

test('V-measure (with homogeneity and completeness) matches sklearn', () => {
  cases.forEach((c, i) => {
    const r = homogeneityCompletenessVMeasure(c.clustersTrue, c.clustersPred);
    close(r.homogeneity, ref[i].h, `case ${i} homogeneity`);
    close(r.completeness, ref[i].c, `case ${i} completeness`);
    close(r.vMeasure, ref[i].v, `case ${i} v-measure`);
  });
});

test('accuracy and macro F1 match sklearn (including a class only ever predicted)', () => {
  cases.forEach((c, i) => {
    close(accuracy(c.classTrue, c.classPred), ref[i].acc, `case ${i} accuracy`);
    close(macroF1(c.classTrue, c.classPred), ref[i].f1, `case ${i} macro F1`);
  });
});

test('best accuracy / F1 thresholds match MTEB PairClassificationEvaluator', () => {
  cases.forEach((c, i) => {
    for (const [dir, hi] of [['hi', true], ['lo', false]] as const) {
      const acc = findBestAccuracyAndThreshold(c.y, c.labels, hi);
      const rAcc = ref[i][`acc_${dir}`];
      close(acc.accuracy, rAcc[0], `case ${i} ${dir} accuracy`);
      close(acc.threshold, rAcc[1], `case ${i} ${dir} accuracy threshold`);
      const f1 = findBestF1AndThreshold(c.y, c.labels, hi);
      const rF1 = ref[i][`f1_${dir}`];
      close(f1.f1, rF1[0], `case ${i} ${dir} f1`);
      close(f1.precision, rF1[1], `case ${i} ${dir} precision`);
      close(f1.recall, rF1[2], `case ${i} ${dir} recall`);
      close(f1.threshold, rF1[3], `case ${i} ${dir} f1 threshold`);
    }
  });
});
