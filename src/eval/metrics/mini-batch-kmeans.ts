// Mini-batch k-means with greedy k-means++ initialisation, following sklearn 1.2's MiniBatchKMeans
// (fit with n_init=1 as n_init='auto' gives for k-means++, tol=0, max_no_improvement=10,
// reassignment_ratio=0.01, init_size = 3·batch_size, compute_labels=True). The random stream is
// ours (createRng in util/random.ts), so a seed gives a different but equally distributed run than numpy's.
import { createRng, type Rng } from '../../util/random.ts';

export interface MiniBatchKMeansOptions {
  nClusters: number;
  /** MTEB's clustering evaluator uses 500. Capped at the number of samples, as sklearn. */
  batchSize?: number;
  maxIter?: number;
  maxNoImprovement?: number;
  reassignmentRatio?: number;
  seed: number;
}

export interface MiniBatchKMeansResult {
  /** Cluster index of every sample (nearest final center). */
  labels: Int32Array;
  centers: Float64Array[];
  /** Sum of squared distances of the samples to their nearest final center. */
  inertia: number;
  /** Mini-batch steps taken (early stopping may end before maxIter·n/batchSize). */
  nSteps: number;
}

/** Dense row-major float64 copy of the rows, checking shape and finiteness. */
function toMatrix(rows: readonly ArrayLike<number>[]): { x: Float64Array; n: number; d: number } {
  const n = rows.length;
  if (n === 0) throw new RangeError('miniBatchKMeans: no samples');
  const d = rows[0]!.length;
  if (d === 0) throw new RangeError('miniBatchKMeans: samples have dimension 0');
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r.length !== d) throw new RangeError(`miniBatchKMeans: sample ${i} has dimension ${r.length}, sample 0 has ${d}`);
    for (let j = 0; j < d; j++) {
      const v = r[j]!;
      if (!Number.isFinite(v)) throw new RangeError(`miniBatchKMeans: sample ${i} has a non-finite value at dimension ${j}`);
      x[i * d + j] = v;
    }
  }
  return { x, n, d };
}

function sqDist(x: Float64Array, i: number, c: Float64Array, k: number, d: number): number {
  let s = 0;
  const oi = i * d, ok = k * d;
  for (let j = 0; j < d; j++) { const t = x[oi + j]! - c[ok + j]!; s += t * t; }
  return s;
}

/** Nearest center (lowest index on ties) and squared distance for sample i. */
function nearest(x: Float64Array, i: number, centers: Float64Array, k: number, d: number): [number, number] {
  let best = 0, bestD = Infinity;
  for (let c = 0; c < k; c++) {
    const dd = sqDist(x, i, centers, c, d);
    if (dd < bestD) { bestD = dd; best = c; }
  }
  return [best, bestD];
}

/**
 * Greedy k-means++ (sklearn's _kmeans_plusplus): first center uniform; each next center is the best of
 * 2 + floor(ln k) candidates drawn with probability ∝ squared distance to the nearest chosen center,
 * "best" meaning the lowest resulting potential. `idx` lists the candidate rows of x.
 */
export function kmeansPlusPlus(x: Float64Array, idx: readonly number[], d: number, k: number, rng: Rng): Float64Array {
  const m = idx.length;
  const centers = new Float64Array(k * d);
  const copyRow = (row: number, c: number) => { for (let j = 0; j < d; j++) centers[c * d + j] = x[row * d + j]!; };
  const distTo = (a: number, b: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) { const t = x[a * d + j]! - x[b * d + j]!; s += t * t; }
    return s;
  };
  const nLocalTrials = 2 + Math.floor(Math.log(k));
  const first = idx[rng.int(m)]!;
  copyRow(first, 0);
  let closest: Float64Array = new Float64Array(m);
  let pot = 0;
  for (let i = 0; i < m; i++) { closest[i] = distTo(idx[i]!, first); pot += closest[i]!; }
  for (let c = 1; c < k; c++) {
    const cum = new Float64Array(m);
    let acc = 0;
    for (let i = 0; i < m; i++) { acc += closest[i]!; cum[i] = acc; }
    let bestPot = Infinity, bestRow = -1, bestDist: Float64Array | null = null;
    for (let t = 0; t < nLocalTrials; t++) {
      const r = rng.next() * pot;
      // first position with cum >= r (numpy searchsorted, side='left'), clipped to the last index
      let lo = 0, hi = m - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid]! >= r) hi = mid; else lo = mid + 1; }
      const cand = idx[lo]!;
      const dist = new Float64Array(m);
      let p = 0;
      for (let i = 0; i < m; i++) { dist[i] = Math.min(closest[i]!, distTo(idx[i]!, cand)); p += dist[i]!; }
      if (p < bestPot) { bestPot = p; bestRow = cand; bestDist = dist; }
    }
    copyRow(bestRow, c);
    closest = bestDist!;
    pot = bestPot;
  }
  return centers;
}

export function miniBatchKMeans(rows: readonly ArrayLike<number>[], options: MiniBatchKMeansOptions): MiniBatchKMeansResult {
  const { x, n, d } = toMatrix(rows);
  const k = options.nClusters;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`miniBatchKMeans: nClusters must be a positive integer, got ${k}`);
  if (n < k) throw new RangeError(`miniBatchKMeans: ${n} samples but nClusters = ${k}`);
  const batchSize = Math.min(options.batchSize ?? 1024, n);
  const maxIter = options.maxIter ?? 100;
  const maxNoImprovement = options.maxNoImprovement ?? 10;
  const reassignmentRatio = options.reassignmentRatio ?? 0.01;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`miniBatchKMeans: batchSize must be a positive integer, got ${options.batchSize}`);
  const rng = createRng(options.seed);

  let initSize = 3 * batchSize;
  if (initSize < k) initSize = 3 * k;
  initSize = Math.min(initSize, n);
  // sklearn draws a validation set for choosing among n_init inits; with one init it is unused, but
  // drawing it keeps the order of random draws the same as sklearn's.
  for (let i = 0; i < initSize; i++) rng.int(n);
  const initIdx = initSize < n
    ? Array.from({ length: initSize }, () => rng.int(n))
    : Array.from({ length: n }, (_, i) => i);
  let centers: Float64Array = kmeansPlusPlus(x, initIdx, d, k, rng);
  let centersNew: Float64Array = new Float64Array(k * d);

  const counts = new Float64Array(k);
  let ewaInertia: number | null = null, ewaInertiaMin: number | null = null, noImprovement = 0, sinceReassign = 0;
  const nSteps = Math.floor((maxIter * n) / batchSize);
  const batch = new Int32Array(batchSize);
  const batchLabels = new Int32Array(batchSize);
  let step = 0;
  for (; step < nSteps; step++) {
    for (let b = 0; b < batchSize; b++) batch[b] = rng.int(n);
    // sklearn's _random_reassign: every 10·k samples seen, or whenever a center has no count yet
    sinceReassign += batchSize;
    let randomReassign = false;
    if (counts.some((c) => c === 0) || sinceReassign >= 10 * k) { sinceReassign = 0; randomReassign = true; }

    // labels and inertia against the current centers
    let batchInertia = 0;
    for (let b = 0; b < batchSize; b++) {
      const [c, dd] = nearest(x, batch[b]!, centers, k, d);
      batchLabels[b] = c; batchInertia += dd;
    }
    // per-center running mean: new = (old·count + Σ batch points) / (count + batch count)
    const sums = new Float64Array(k * d), added = new Float64Array(k);
    for (let b = 0; b < batchSize; b++) {
      const c = batchLabels[b]!, o = batch[b]! * d;
      added[c]++;
      for (let j = 0; j < d; j++) sums[c * d + j] += x[o + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (added[c]! > 0) {
        const total = counts[c]! + added[c]!;
        for (let j = 0; j < d; j++) centersNew[c * d + j] = (centers[c * d + j]! * counts[c]! + sums[c * d + j]!) / total;
        counts[c] = total;
      } else {
        for (let j = 0; j < d; j++) centersNew[c * d + j] = centers[c * d + j]!;
      }
    }
    if (randomReassign && reassignmentRatio > 0) {
      let maxCount = 0;
      for (let c = 0; c < k; c++) maxCount = Math.max(maxCount, counts[c]!);
      const toReassign = Array.from(counts, (c) => c < reassignmentRatio * maxCount);
      if (toReassign.filter(Boolean).length > 0.5 * batchSize) {
        // keep the centers with the largest counts (np.argsort is stable here: ties by index)
        const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => counts[a]! - counts[b]!);
        for (const c of order.slice(Math.floor(0.5 * batchSize))) toReassign[c] = false;
      }
      const reassigned = toReassign.map((r, c) => (r ? c : -1)).filter((c) => c >= 0);
      if (reassigned.length > 0) {
        const picks = rng.choiceWithoutReplacement(batchSize, reassigned.length);
        reassigned.forEach((c, t) => {
          const o = batch[picks[t]!]! * d;
          for (let j = 0; j < d; j++) centersNew[c * d + j] = x[o + j]!;
        });
        // sklearn's hack: reset counts to the smallest kept count, so they are not reassigned at once
        let minKept = Infinity;
        for (let c = 0; c < k; c++) if (!toReassign[c]) minKept = Math.min(minKept, counts[c]!);
        for (const c of reassigned) counts[c] = minKept;
      }
    }
    [centers, centersNew] = [centersNew, centers];

    // early stopping on an exponentially weighted average of the batch inertia (sklearn's heuristic)
    const inertiaPerSample = batchInertia / batchSize;
    if (step === 0) continue; // the first batch's inertia reflects the initialisation
    if (ewaInertia === null) ewaInertia = inertiaPerSample;
    else {
      const alpha = Math.min((batchSize * 2) / (n + 1), 1);
      ewaInertia = ewaInertia * (1 - alpha) + inertiaPerSample * alpha;
    }
    if (ewaInertiaMin === null || ewaInertia < ewaInertiaMin) { noImprovement = 0; ewaInertiaMin = ewaInertia; }
    else noImprovement++;
    if (noImprovement >= maxNoImprovement) { step++; break; }
  }

  const labels = new Int32Array(n);
  let inertia = 0;
  for (let i = 0; i < n; i++) { const [c, dd] = nearest(x, i, centers, k, d); labels[i] = c; inertia += dd; }
  const centerRows = Array.from({ length: k }, (_, c) => centers.slice(c * d, (c + 1) * d));
  return { labels, centers: centerRows, inertia, nSteps: Math.min(step, nSteps) };
}
