// Accuracy and macro F1 of predicted labels, as sklearn accuracy_score / f1_score(average='macro').
import { checkMinLength, checkSameLength } from './check.ts';
import type { Label } from './v-measure.ts';

export function accuracy(yTrue: readonly Label[], yPred: readonly Label[]): number {
  checkSameLength('accuracy', 'yTrue', yTrue, 'yPred', yPred);
  checkMinLength('accuracy', 'yTrue', yTrue, 1);
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/**
 * Unweighted mean of per-label F1 over the union of true and predicted labels (sklearn's default
 * label set). F1 = 2TP / (2TP + FP + FN); a label never predicted correctly scores 0 (sklearn's
 * zero_division behaviour).
 */
export function macroF1(yTrue: readonly Label[], yPred: readonly Label[]): number {
  checkSameLength('macroF1', 'yTrue', yTrue, 'yPred', yPred);
  checkMinLength('macroF1', 'yTrue', yTrue, 1);
  const tp = new Map<Label, number>(), fp = new Map<Label, number>(), fn = new Map<Label, number>();
  const labels = new Set<Label>([...yTrue, ...yPred]);
  for (const l of labels) { tp.set(l, 0); fp.set(l, 0); fn.set(l, 0); }
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!, p = yPred[i]!;
    if (t === p) tp.set(t, tp.get(t)! + 1);
    else { fp.set(p, fp.get(p)! + 1); fn.set(t, fn.get(t)! + 1); }
  }
  let sum = 0;
  for (const l of labels) {
    const a = tp.get(l)!, denom = 2 * a + fp.get(l)! + fn.get(l)!;
    sum += denom === 0 ? 0 : (2 * a) / denom;
  }
  return sum / labels.size;
}
