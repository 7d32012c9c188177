// Deterministic sampling used by the task loaders and the training triples: a seeded PRNG, a
// seeded shuffle, a stratified train/test split and the `limit` subset for smoke runs.

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same stream on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of a copy. */
export function seededShuffle<T>(items: readonly T[], rand: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Splits each class separately: a seeded shuffle of the class, then the first
 *  round(n × trainFraction) items go to train. Both outputs keep the input's order. */
export function stratifiedSplit<T>(
  items: readonly T[], labelOf: (t: T) => string, trainFraction: number, seed: number,
): { train: T[]; test: T[] } {
  if (!(trainFraction > 0 && trainFraction < 1)) throw new RangeError(`trainFraction must be in (0, 1), got ${trainFraction}`);
  const byLabel = new Map<string, number[]>();
  items.forEach((t, i) => {
    const l = labelOf(t);
    const list = byLabel.get(l);
    if (list) list.push(i); else byLabel.set(l, [i]);
  });
  const rand = mulberry32(seed);
  const inTrain = new Uint8Array(items.length);
  for (const label of [...byLabel.keys()].sort()) {
    const idx = seededShuffle(byLabel.get(label)!, rand);
    const k = Math.round(idx.length * trainFraction);
    for (const i of idx.slice(0, k)) inTrain[i] = 1;
  }
  const train: T[] = [];
  const test: T[] = [];
  items.forEach((t, i) => (inTrain[i] ? train : test).push(t));
  return { train, test };
}

/** The `limit` subset: `limit` items evenly spaced over the list (indices ⌊i·n/limit⌋), so a
 *  smoke run still sees every section of a file (each STS set, each class of a sorted file). */
export function spread<T>(items: readonly T[], limit: number | undefined): T[] {
  if (limit === undefined || limit >= items.length) return items.slice();
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const out: T[] = [];
  for (let i = 0; i < limit; i += 1) out.push(items[Math.floor((i * items.length) / limit)]!);
  return out;
}
