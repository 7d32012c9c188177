// Average precision exactly as sklearn.metrics.average_precision_score computes it.
import { checkFinite, checkSameLength } from './check.ts';

/**
 * AP = Σ_n (R_n − R_{n−1}) · P_n over the distinct score thresholds, highest first.
 * Tied scores form one threshold (sklearn's step-wise PR curve, no interpolation), so the order of
 * tied items does not matter. `relevant[i]` is true/1 for a positive. Throws when there is no positive
 * (AP is undefined; sklearn only warns).
 */
export function averagePrecision(relevant: ArrayLike<boolean | number>, scores: ArrayLike<number>): number {
  checkSameLength('averagePrecision', 'relevant', relevant, 'scores', scores);
  checkFinite('averagePrecision', 'scores', scores);
  const n = scores.length;
  let totalPos = 0;
  for (let i = 0; i < n; i++) {
    const r = relevant[i];
    if (r !== true && r !== false && r !== 0 && r !== 1) {
      throw new RangeError(`averagePrecision: relevant[${i}] must be 0/1 or boolean, got ${String(r)}`);
    }
    if (r === true || r === 1) totalPos++;
  }
  if (totalPos === 0) throw new RangeError('averagePrecision: no positive item, average precision is undefined');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0, seen = 0, prevRecall = 0, ap = 0;
  for (let i = 0; i < n; i++) {
    const idx = order[i]!;
    seen++;
    if (relevant[idx] === true || relevant[idx] === 1) tp++;
    // close a threshold only after the last item of a tie group
    if (i + 1 < n && scores[order[i + 1]!] === scores[idx]) continue;
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}
