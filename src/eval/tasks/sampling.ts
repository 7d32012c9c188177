// Deterministic sampling used by the task loaders: a stratified train/test split and the `limit`
// subset for smoke runs (seeded through util/random.ts).

import { mulberry32, shuffled as seededShuffle } from '../../util/random.ts';

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

/**
 * A limited task whose items bring many texts along (a retrieval query its judged documents, a
 * summarization document its system summaries) encodes at most TEXTS_PER_LIMITED_ITEM × limit
 * texts, like a limited STS task (limit pairs, 2 × limit texts). So every design and reference row
 * encodes the same small sample, and a smoke run stays short.
 */
export const TEXTS_PER_LIMITED_ITEM = 2;

/** Distractors a limited retrieval task adds to the documents its queries judge: half the limit. */
export const distractorCount = (limit: number): number => Math.max(1, Math.ceil(limit / 2));

/**
 * A limited task of items with several texts each (reranking queries, summarization documents): the
 * evenly spaced items that fit in TEXTS_PER_LIMITED_ITEM × limit texts; every item when `limit`
 * reaches their number.
 */
export function limitByTexts<T>(items: readonly T[], limit: number | undefined, textsOf: (item: T) => number): T[] {
  if (limit === undefined || limit >= items.length) return items.slice();
  return largestSampleWithin(items, limit, TEXTS_PER_LIMITED_ITEM * limit, (s) => s.reduce((n, x) => n + textsOf(x), 0));
}

/**
 * The largest k ≤ limit whose evenly spaced sample `spread(items, k)` needs at most `budget` texts
 * (`cost` counts the texts of a sample); at least 1.
 */
export function largestSampleWithin<T>(items: readonly T[], limit: number, budget: number, cost: (sample: T[]) => number): T[] {
  for (let k = Math.min(limit, items.length); k > 1; k -= 1) {
    const s = spread(items, k);
    if (cost(s) <= budget) return s;
  }
  return spread(items, 1);
}
