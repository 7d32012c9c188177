// MTEB PairClassificationEvaluator: score each pair by cosine, dot product, Euclidean and Manhattan
// distance; per score, average precision (distances negated so that higher means "same") and the
// accuracy / F1 at their best thresholds. Main score: the largest AP of the four.
import { averagePrecision } from '../metrics/average-precision.ts';
import { findBestAccuracyAndThreshold, findBestF1AndThreshold } from '../metrics/best-threshold.ts';
import { cosineSimilarity, dotProduct, euclideanDistance, manhattanDistance, pairedScores } from '../metrics/similarity.ts';
import { checkEmbeddings, type Embedding, type EvaluationResult } from './types.ts';

export interface PairClassificationPerSample { ids: (string | number)[]; cosine: number[]; label: number[] }

/** labels[i] is 1 for a positive pair (paraphrase, duplicate), 0 otherwise. */
export function evaluatePairClassification(
  embeddings1: readonly Embedding[], embeddings2: readonly Embedding[], labels: ArrayLike<number>,
  ids?: readonly (string | number)[],
): EvaluationResult<PairClassificationPerSample> {
  const n = embeddings1.length;
  if (embeddings2.length !== n || labels.length !== n) {
    throw new RangeError(`evaluatePairClassification: ${n} first embeddings, ${embeddings2.length} second embeddings, ${labels.length} labels`);
  }
  if (ids && ids.length !== n) throw new RangeError(`evaluatePairClassification: ${ids.length} ids for ${n} pairs`);
  const d = checkEmbeddings('evaluatePairClassification', 'embeddings1', embeddings1);
  checkEmbeddings('evaluatePairClassification', 'embeddings2', embeddings2, d);
  const cos = pairedScores(embeddings1, embeddings2, cosineSimilarity);
  const scores: Record<string, number> = {};
  const kinds = [
    ['cos_sim', cos, true],
    ['manhattan', pairedScores(embeddings1, embeddings2, manhattanDistance), false],
    ['euclidean', pairedScores(embeddings1, embeddings2, euclideanDistance), false],
    ['dot', pairedScores(embeddings1, embeddings2, dotProduct), true],
  ] as const;
  for (const [name, s, highMoreSimilar] of kinds) {
    const acc = findBestAccuracyAndThreshold(s, labels, highMoreSimilar);
    const f1 = findBestF1AndThreshold(s, labels, highMoreSimilar);
    scores[`${name}.accuracy`] = acc.accuracy;
    scores[`${name}.accuracy_threshold`] = acc.threshold;
    scores[`${name}.f1`] = f1.f1;
    scores[`${name}.f1_threshold`] = f1.threshold;
    scores[`${name}.precision`] = f1.precision;
    scores[`${name}.recall`] = f1.recall;
    scores[`${name}.ap`] = averagePrecision(labels, highMoreSimilar ? s : s.map((v) => -v));
  }
  for (const m of ['ap', 'accuracy', 'f1']) scores[`max_${m}`] = Math.max(...kinds.map(([name]) => scores[`${name}.${m}`]!));
  return {
    main_score: scores.max_ap!,
    scores,
    per_sample: { ids: ids ? [...ids] : Array.from({ length: n }, (_, i) => i), cosine: Array.from(cos), label: Array.from(labels) },
  };
}
