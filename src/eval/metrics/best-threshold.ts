// Best accuracy and best F1 over thresholds on a pair score, as MTEB's PairClassificationEvaluator
// find_best_acc_and_threshold / find_best_f1_and_threshold (ported line by line, same tie handling).
import { checkFinite, checkMinLength, checkSameLength } from './check.ts';

/** Indices sorted by score (descending when `highScoreMoreSimilar`), ties in input order (Python's stable sort). */
function sortedRows(scores: ArrayLike<number>, highScoreMoreSimilar: boolean): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => (highScoreMoreSimilar ? scores[b]! - scores[a]! : scores[a]! - scores[b]!));
}

function checkPairs(fn: string, scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  checkSameLength(fn, 'scores', scores, 'labels', labels);
  checkMinLength(fn, 'scores', scores, 2);
  checkFinite(fn, 'scores', scores);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`${fn}: labels[${i}] must be 0 or 1, got ${labels[i]}`);
  }
}

/**
 * Accuracy of "similar iff score beyond threshold", maximised over cuts between consecutive sorted
 * scores; the threshold is the midpoint of the cut (in the score's own units, e.g. a distance).
 * As MTEB, a cut can fall inside a run of tied scores.
 */
export function findBestAccuracyAndThreshold(
  scores: ArrayLike<number>, labels: ArrayLike<number>, highScoreMoreSimilar: boolean,
): { accuracy: number; threshold: number } {
  checkPairs('findBestAccuracyAndThreshold', scores, labels);
  const rows = sortedRows(scores, highScoreMoreSimilar);
  let maxAcc = 0, bestThreshold = -1, positiveSoFar = 0, remainingNegatives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 0) remainingNegatives++;
  for (let i = 0; i < rows.length - 1; i++) {
    if (labels[rows[i]!] === 1) positiveSoFar++; else remainingNegatives--;
    const acc = (positiveSoFar + remainingNegatives) / labels.length;
    if (acc > maxAcc) { maxAcc = acc; bestThreshold = (scores[rows[i]!]! + scores[rows[i + 1]!]!) / 2; }
  }
  return { accuracy: maxAcc, threshold: bestThreshold };
}

/** F1 of the positive class maximised over the same cuts; precision and recall at that cut. */
export function findBestF1AndThreshold(
  scores: ArrayLike<number>, labels: ArrayLike<number>, highScoreMoreSimilar: boolean,
): { f1: number; precision: number; recall: number; threshold: number } {
  checkPairs('findBestF1AndThreshold', scores, labels);
  const rows = sortedRows(scores, highScoreMoreSimilar);
  let bestF1 = 0, bestPrecision = 0, bestRecall = 0, threshold = 0, nExtract = 0, nCorrect = 0, totalPositives = 0;
  for (let i = 0; i < labels.length; i++) totalPositives += labels[i]!;
  for (let i = 0; i < rows.length - 1; i++) {
    nExtract++;
    if (labels[rows[i]!] === 1) nCorrect++;
    if (nCorrect > 0) {
      const precision = nCorrect / nExtract, recall = nCorrect / totalPositives;
      const f1 = (2 * precision * recall) / (precision + recall);
      if (f1 > bestF1) {
        bestF1 = f1; bestPrecision = precision; bestRecall = recall;
        threshold = (scores[rows[i]!]! + scores[rows[i + 1]!]!) / 2;
      }
    }
  }
  return { f1: bestF1, precision: bestPrecision, recall: bestRecall, threshold };
}
