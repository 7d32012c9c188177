// Similarity and distance between two embeddings, in float64 whatever the input type
// (sklearn.metrics.pairwise paired_* and numpy dot, as MTEB uses them).

function checkDims(fn: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`${fn}: vectors have different dimensions (${a.length} vs ${b.length})`);
  if (a.length === 0) throw new RangeError(`${fn}: vectors are empty`);
}

export function dotProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkDims('dotProduct', a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm. */
export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * Cosine similarity. A zero vector has cosine 0 with everything, as sklearn's
 * paired_cosine_distances gives (it normalises with a zero-norm guard).
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkDims('cosineSimilarity', a, b);
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    ab += x * y; aa += x * x; bb += y * y;
  }
  if (aa === 0 || bb === 0) return 0;
  return ab / (Math.sqrt(aa) * Math.sqrt(bb));
}

/**
 * Cosine as dot / sqrt(|a|²·|b|²), one square root: identical vectors give exactly 1, so they tie.
 * The layer analysis (src/eval/layer-analysis.ts) ranks with it; cosineSimilarity's
 * sqrt(|a|²)·sqrt(|b|²) (sklearn's order, the evaluators' scores) can land a last bit off 1 and break
 * such ties, which would move that analysis's Spearman values. No dimension check (equal by construction).
 */
export function cosineOneSqrt(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export function euclideanDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkDims('euclideanDistance', a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i]! - b[i]!; s += d * d; }
  return Math.sqrt(s);
}

export function manhattanDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkDims('manhattanDistance', a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s;
}

/** Row-wise float64 copies scaled to unit norm (zero rows stay zero), for many cosines at once. */
export function unitRows(rows: readonly ArrayLike<number>[]): Float64Array[] {
  return rows.map((r) => {
    const n = norm(r);
    const out = new Float64Array(r.length);
    if (n > 0) for (let i = 0; i < r.length; i++) out[i] = r[i]! / n;
    return out;
  });
}

/** Paired scores s(a[i], b[i]) for every i. */
export function pairedScores(
  a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[],
  score: (x: ArrayLike<number>, y: ArrayLike<number>) => number,
): Float64Array {
  if (a.length !== b.length) throw new RangeError(`pairedScores: ${a.length} first embeddings but ${b.length} second embeddings`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = score(a[i]!, b[i]!);
  return out;
}
