// V-measure of a clustering against gold classes, as sklearn.metrics.v_measure_score (beta = 1).
import { checkMinLength, checkSameLength } from './check.ts';

export type Label = string | number;

function entropyOfCounts(counts: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

export interface VMeasure { homogeneity: number; completeness: number; vMeasure: number }

/**
 * Homogeneity h = I(C;K)/H(C), completeness c = I(C;K)/H(K), V = 2hc/(h+c), natural logs.
 * As sklearn: h = 1 when H(C) = 0, c = 1 when H(K) = 0, V = 0 when h + c = 0.
 */
export function homogeneityCompletenessVMeasure(labelsTrue: readonly Label[], labelsPred: readonly Label[]): VMeasure {
  checkSameLength('vMeasure', 'labelsTrue', labelsTrue, 'labelsPred', labelsPred);
  checkMinLength('vMeasure', 'labelsTrue', labelsTrue, 1);
  const n = labelsTrue.length;
  const countC = new Map<Label, number>(), countK = new Map<Label, number>(), joint = new Map<Label, Map<Label, number>>();
  for (let i = 0; i < n; i++) {
    const c = labelsTrue[i]!, k = labelsPred[i]!;
    countC.set(c, (countC.get(c) ?? 0) + 1);
    countK.set(k, (countK.get(k) ?? 0) + 1);
    let row = joint.get(c);
    if (!row) { row = new Map(); joint.set(c, row); }
    row.set(k, (row.get(k) ?? 0) + 1);
  }
  const hC = entropyOfCounts(countC.values(), n);
  const hK = entropyOfCounts(countK.values(), n);
  let mi = 0;
  for (const [c, row] of joint) {
    const nc = countC.get(c)!;
    for (const [k, nck] of row) mi += (nck / n) * Math.log((n * nck) / (nc * countK.get(k)!));
  }
  mi = Math.max(mi, 0); // sklearn clips tiny negative rounding
  const homogeneity = hC === 0 ? 1 : mi / hC;
  const completeness = hK === 0 ? 1 : mi / hK;
  const vMeasure = homogeneity + completeness === 0 ? 0 : (2 * homogeneity * completeness) / (homogeneity + completeness);
  return { homogeneity, completeness, vMeasure };
}

export function vMeasure(labelsTrue: readonly Label[], labelsPred: readonly Label[]): number {
  return homogeneityCompletenessVMeasure(labelsTrue, labelsPred).vMeasure;
}
