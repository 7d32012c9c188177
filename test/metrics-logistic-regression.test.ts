// Our L-BFGS logistic regression against sklearn 1.2's LogisticRegression(max_iter=100) on the same
// generated embeddings: test accuracy within one point, and our penalised loss (evaluated by numpy,
// independently of our code) no higher than sklearn's plus a small tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogisticRegression, predictLogisticRegression, logisticObjective } from '../src/eval/metrics/logistic-regression.ts';
import { lbfgs } from '../src/eval/metrics/lbfgs.ts';
import { createRng, type Rng } from '../src/util/random.ts';
import { python } from './helpers.ts';


function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Classes around random centroids, with anisotropic noise and a shared offset (not normalised). */
function makeData(seed: number, nClasses: number, dim: number, perClassTrain: number, nTest: number, spread: number) {
  const rng = createRng(seed);
  const offset = Array.from({ length: dim }, () => 3 * gaussian(rng));
  const centroids = Array.from({ length: nClasses }, () => Array.from({ length: dim }, () => gaussian(rng)));
  const scale = Array.from({ length: dim }, () => 0.5 + rng.next());
  const sample = (c: number) => Float32Array.from({ length: dim }, (_, j) => offset[j]! + centroids[c]![j]! + spread * scale[j]! * gaussian(rng));
  const xTrain: Float32Array[] = [], yTrain: number[] = [], xTest: Float32Array[] = [], yTest: number[] = [];
  for (let c = 0; c < nClasses; c++) for (let i = 0; i < perClassTrain; i++) { xTrain.push(sample(c)); yTrain.push(c * 3 + 1); }
  for (let i = 0; i < nTest; i++) { const c = rng.int(nClasses); xTest.push(sample(c)); yTest.push(c * 3 + 1); }
  return { xTrain, yTrain, xTest, yTest };
}

const PY = `
import sys, json, numpy as np, warnings
from sklearn.linear_model import LogisticRegression
from scipy.special import logsumexp
warnings.simplefilter('ignore')
def objective(X, y, classes, coef, intercept):
    Z = X @ coef.T + intercept
    if coef.shape[0] == 1:
        t = (y == classes[1]).astype(float); z = Z[:, 0]
        loss = np.sum(np.logaddexp(0, z) - t * z)
    else:
        idx = np.searchsorted(classes, y)
        loss = np.sum(logsumexp(Z, axis=1) - Z[np.arange(len(y)), idx])
    return float(loss + 0.5 * np.sum(coef ** 2))
out = []
for case in json.load(sys.stdin):
    Xtr = np.array(case['xTrain'], dtype=np.float32); ytr = np.array(case['yTrain'])
    Xte = np.array(case['xTest'], dtype=np.float32); yte = np.array(case['yTest'])
    clf = LogisticRegression(max_iter=100).fit(Xtr, ytr)
    X64 = Xtr.astype(np.float64)
    out.append({
        'acc': float(np.mean(clf.predict(Xte) == yte)),
        'loss_sklearn': objective(X64, ytr, clf.classes_, clf.coef_.astype(np.float64), clf.intercept_),
        'loss_ours': objective(X64, ytr, clf.classes_, np.array(case['coef']), np.array(case['intercept'])),
        'n_iter': int(clf.n_iter_[0]),
    })
print(json.dumps(out))
`;

test('logistic regression matches sklearn LogisticRegression(max_iter=100)', (t) => {
  const cases = [
    { name: 'binary, 16-d', data: makeData(1, 2, 16, 8, 400, 1.5) },
    { name: '5 classes, 32-d, 8/label', data: makeData(2, 5, 32, 8, 500, 2.0) },
    { name: '10 classes, 128-d, 16/label', data: makeData(3, 10, 128, 16, 500, 3.0) },
    { name: '4 classes, 384-d, 8/label (p >> n)', data: makeData(4, 4, 384, 8, 400, 4.0) },
  ];
  const ours = cases.map(({ data }) => {
    const model = fitLogisticRegression(data.xTrain, data.yTrain);
    const pred = predictLogisticRegression(model, data.xTest);
    const acc = pred.filter((p, i) => p === data.yTest[i]).length / pred.length;
    return { model, acc };
  });
  const ref = python(PY, cases.map(({ data }, i) => ({
    xTrain: data.xTrain.map((r) => Array.from(r)), yTrain: data.yTrain,
    xTest: data.xTest.map((r) => Array.from(r)), yTest: data.yTest,
    coef: ours[i]!.model.coef.map((r) => Array.from(r)), intercept: Array.from(ours[i]!.model.intercept),
  })));
  cases.forEach(({ name }, i) => {
    const o = ours[i]!, r = ref[i];
    const msg = `${name}: ours acc ${o.acc} loss ${r.loss_ours} (${o.model.iterations} it), sklearn acc ${r.acc} loss ${r.loss_sklearn} (${r.n_iter} it)`;
    t.diagnostic(msg);
    assert.ok(Math.abs(o.acc - r.acc) <= 0.01 + 1e-12, msg);
    assert.ok(r.loss_ours <= r.loss_sklearn + 1e-6 * Math.max(1, Math.abs(r.loss_sklearn)) + 1e-4, msg);
    // our own objective agrees with numpy's evaluation of it
    assert.ok(Math.abs(o.model.objective - r.loss_ours) <= 1e-8 * Math.max(1, Math.abs(r.loss_ours)), msg);
    assert.ok(o.acc > 1 / (o.model.classes.length) + 0.1, `${msg}: data should be learnable`);
  });
});

test('logistic objective gradient matches finite differences', () => {
  const rng = createRng(7);
  const n = 12, d = 5;
  const x = Float64Array.from({ length: n * d }, () => gaussian(rng));
  for (const rows of [1, 3]) {
    const target = Int32Array.from({ length: n }, () => rng.int(rows === 1 ? 2 : rows));
    const w = Float64Array.from({ length: rows * (d + 1) }, () => gaussian(rng));
    const g = new Float64Array(w.length);
    logisticObjective(w, g, x, target, n, d, rows, 0.7);
    for (let j = 0; j < w.length; j++) {
      const h = 1e-6, wp = Float64Array.from(w), wm = Float64Array.from(w);
      wp[j]! += h; wm[j]! -= h;
      const scratch = new Float64Array(w.length);
      const fd = (logisticObjective(wp, scratch, x, target, n, d, rows, 0.7) - logisticObjective(wm, scratch, x, target, n, d, rows, 0.7)) / (2 * h);
      assert.ok(Math.abs(fd - g[j]!) < 1e-5 * Math.max(1, Math.abs(fd)), `rows ${rows}, param ${j}: fd ${fd} vs grad ${g[j]}`);
    }
  }
});

test('lbfgs minimises the Rosenbrock function', () => {
  const res = lbfgs((x, g) => {
    const a = x[0]!, b = x[1]!;
    g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
    g[1] = 200 * (b - a * a);
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  }, Float64Array.from([-1.2, 1]), { maxIter: 500, gtol: 1e-8, ftol: 0 });
  assert.ok(res.converged, res.message);
  assert.ok(Math.abs(res.x[0]! - 1) < 1e-6 && Math.abs(res.x[1]! - 1) < 1e-6, `minimum at ${res.x}`);
});

test('fitLogisticRegression rejects bad input', () => {
  assert.throws(() => fitLogisticRegression([[1], [2]], [0, 0]), /at least 2 classes/);
  assert.throws(() => fitLogisticRegression([[1], [2, 3]], [0, 1]), /dimension/);
  assert.throws(() => fitLogisticRegression([[1], [NaN]], [0, 1]), /non-finite/);
  assert.throws(() => fitLogisticRegression([[1]], [0, 1]), /1 samples but 2 labels/);
});
