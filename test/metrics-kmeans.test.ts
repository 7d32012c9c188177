// Mini-batch k-means (k-means++ init, batch 500) against sklearn 1.2's MiniBatchKMeans(batch_size=500,
// n_init='auto') as MTEB calls it. The random streams differ (ours is not numpy's), so the check is
// statistical: over 20 seeds each, the mean V-measures agree within their noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { miniBatchKMeans } from '../src/eval/metrics/mini-batch-kmeans.ts';
import { vMeasure } from '../src/eval/metrics/v-measure.ts';
import { createRng, type Rng } from '../src/util/random.ts';
import { python } from './helpers.ts';


function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Overlapping Gaussian blobs of unequal sizes (so V-measure is neither 0 nor 1). */
function blobs(seed: number, k: number, dim: number, n: number, spread: number) {
  const rng = createRng(seed);
  const centers = Array.from({ length: k }, () => Array.from({ length: dim }, () => gaussian(rng)));
  const x: Float32Array[] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.min(k - 1, Math.floor(k * rng.next() ** 1.5));
    x.push(Float32Array.from({ length: dim }, (_, j) => centers[c]![j]! + spread * gaussian(rng)));
    y.push(c);
  }
  return { x, y, k };
}

const SEEDS = Array.from({ length: 20 }, (_, i) => i);
const cases = [
  { name: '5 blobs, 32-d, n 600', ...blobs(1, 5, 32, 600, 1.6) },
  { name: '10 blobs, 64-d, n 2000 (init on a subsample)', ...blobs(2, 10, 64, 2000, 2.0) },
  { name: '20 blobs, 16-d, n 1000', ...blobs(3, 20, 16, 1000, 1.0) },
];

const PY = `
import sys, json, numpy as np, warnings
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import v_measure_score
warnings.simplefilter('ignore')
out = []
for c in json.load(sys.stdin):
    X = np.array(c['x'], dtype=np.float32)
    v = [float(v_measure_score(c['y'], MiniBatchKMeans(n_clusters=c['k'], batch_size=500, n_init='auto', random_state=s).fit(X).labels_)) for s in c['seeds']]
    out.append(v)
print(json.dumps(out))
`;

const meanSd = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return { m, sd: Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) };
};

test('mini-batch k-means V-measure agrees with sklearn MiniBatchKMeans over 20 seeds', (t) => {
  const ref: number[][] = python(PY, cases.map((c) => ({ x: c.x.map((r) => Array.from(r)), y: c.y, k: c.k, seeds: SEEDS })));
  cases.forEach((c, i) => {
    const ours = SEEDS.map((seed) => vMeasure(c.y, Array.from(miniBatchKMeans(c.x, { nClusters: c.k, batchSize: 500, seed }).labels)));
    const o = meanSd(ours), s = meanSd(ref[i]!);
    const se = Math.sqrt((o.sd ** 2 + s.sd ** 2) / SEEDS.length);
    const msg = `${c.name}: ours ${o.m.toFixed(4)} ± ${o.sd.toFixed(4)}, sklearn ${s.m.toFixed(4)} ± ${s.sd.toFixed(4)} (sd over seeds)`;
    t.diagnostic(msg);
    // within 3 standard errors of the difference, with a floor for seeds that all agree
    assert.ok(Math.abs(o.m - s.m) <= 3 * se + 0.01, msg);
    assert.ok(o.m > 0.3, `${msg}: the data has cluster structure`);
  });
});

test('k-means: seeded runs are reproducible, labels are in range, separated blobs are recovered', () => {
  const { x, y, k } = blobs(5, 4, 8, 300, 0.05);
  const a = miniBatchKMeans(x, { nClusters: k, batchSize: 500, seed: 3 });
  const b = miniBatchKMeans(x, { nClusters: k, batchSize: 500, seed: 3 });
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
  assert.ok(a.labels.every((l) => l >= 0 && l < k));
  assert.equal(vMeasure(y, Array.from(a.labels)), 1);
  // inertia is the sum of squared distances to the returned centers
  let inertia = 0;
  x.forEach((r, i) => { const c = a.centers[a.labels[i]!]!; r.forEach((v, j) => { inertia += (v - c[j]!) ** 2; }); });
  assert.ok(Math.abs(inertia - a.inertia) <= 1e-9 * Math.max(1, inertia));
  assert.throws(() => miniBatchKMeans(x.slice(0, 2), { nClusters: 3, seed: 0 }), /2 samples but nClusters = 3/);
  assert.throws(() => miniBatchKMeans([[1, 2], [1]], { nClusters: 1, seed: 0 }), /dimension/);
});
