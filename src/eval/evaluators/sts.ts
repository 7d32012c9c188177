// MTEB STSEvaluator: correlate the gold similarity of each pair with the cosine similarity (main:
// Spearman) and with the negated Euclidean / Manhattan distance and the dot product.
import { pearson, spearman } from '../metrics/correlation.ts';
import { cosineSimilarity, dotProduct, euclideanDistance, manhattanDistance, pairedScores } from '../metrics/similarity.ts';
import { checkEmbeddings, type Embedding, type EvaluationResult } from './types.ts';

export interface STSPerSample { ids: (string | number)[]; predicted: number[]; gold: number[] }

/**
 * embeddings1[i], embeddings2[i] are the two sentences of pair i with gold score gold[i] (any scale:
 * MTEB's min-max normalisation does not change a correlation). ids default to 0..n−1.
 */
export function evaluateSTS(
  embeddings1: readonly Embedding[], embeddings2: readonly Embedding[], gold: ArrayLike<number>,
  ids?: readonly (string | number)[],
): EvaluationResult<STSPerSample> {
  const n = embeddings1.length;
  if (embeddings2.length !== n || gold.length !== n) {
    throw new RangeError(`evaluateSTS: ${n} first embeddings, ${embeddings2.length} second embeddings, ${gold.length} gold scores`);
  }
  if (ids && ids.length !== n) throw new RangeError(`evaluateSTS: ${ids.length} ids for ${n} pairs`);
  const d = checkEmbeddings('evaluateSTS', 'embeddings1', embeddings1);
  checkEmbeddings('evaluateSTS', 'embeddings2', embeddings2, d);
  const cos = pairedScores(embeddings1, embeddings2, cosineSimilarity);
  const euc = pairedScores(embeddings1, embeddings2, (a, b) => -euclideanDistance(a, b));
  const man = pairedScores(embeddings1, embeddings2, (a, b) => -manhattanDistance(a, b));
  const dot = pairedScores(embeddings1, embeddings2, dotProduct);
  const scores: Record<string, number> = {};
  for (const [name, s] of [['cos_sim', cos], ['euclidean', euc], ['manhattan', man], ['dot', dot]] as const) {
    scores[`${name}.pearson`] = pearson(gold, s);
    scores[`${name}.spearman`] = spearman(gold, s);
  }
  return {
    main_score: scores['cos_sim.spearman']!,
    scores,
    per_sample: { ids: ids ? [...ids] : Array.from({ length: n }, (_, i) => i), predicted: Array.from(cos), gold: Array.from(gold) },
  };
}
