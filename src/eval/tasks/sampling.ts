// Deterministic sampling used by the task loaders and the training triples: a seeded PRNG, a
// seeded shuffle, a stratified train/test split and the `limit` subset for smoke runs.

import { mulberry32, shuffled as seededShuffle } from '../../util/random.ts';

export { mulberry32, seededShuffle };

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
