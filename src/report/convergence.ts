// Has a design's training converged? Judged from its loss curve (the trainer's loss.jsonl), by the
// rule the study states: the loss is flat over the last fifth of training, or it ends within 10% of
// the baseline design's (m1's) final loss. A design that meets neither is reported "not converged",
// with both numbers, in every table and figure that shows it: its scores measure an unfinished head,
// not a design.
//   final loss  the mean of the last tenth of the steps (at least 5 steps: one step's loss is noisy)
//   flat        the least-squares line through the last fifth of the losses changes by less than
//               FLAT_TOLERANCE of the final loss across that fifth

export const FLAT_TOLERANCE = 0.05;
export const BASELINE_TOLERANCE = 0.10;

export interface Convergence {
  steps: number;
  final_loss: number;
  /** change of the fitted line across the last fifth, relative to the final loss (negative: still falling) */
  last_fifth_change: number;
  flat: boolean;
  /** final loss relative to the baseline's (1 = equal); null for the baseline itself or without one */
  vs_baseline: number | null;
  converged: boolean;
  /** e.g. "not converged: loss 2.41 vs m1 0.70, still falling 12% over the last fifth" */
  note: string;
}

/** The final loss of a curve: the mean over its last tenth (at least 5 steps). */
export function finalLoss(losses: readonly number[]): number {
  const n = Math.min(losses.length, Math.max(5, Math.ceil(losses.length / 10)));
  const tail = losses.slice(losses.length - n);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

/** The verdict for one loss curve (losses in step order); `baseline` = the baseline design's final loss. */
export function convergence(losses: readonly number[], baseline?: { name: string; finalLoss: number }): Convergence {
  if (losses.length < 5) throw new Error(`convergence: ${losses.length} steps are too few to judge (need >= 5)`);
  if (!losses.every(Number.isFinite)) throw new Error('convergence: the loss curve has a non-finite value');
  const final = finalLoss(losses);
  const start = Math.floor(losses.length * 0.8);
  const tail = losses.slice(start);
  const change = (slope(tail) * (tail.length - 1)) / final;
  const flat = Math.abs(change) < FLAT_TOLERANCE;
  const vs = baseline ? final / baseline.finalLoss : null;
  const near = vs !== null && vs <= 1 + BASELINE_TOLERANCE;
  const converged = flat || near;
  const trend = `${change < 0 ? 'falling' : 'rising'} ${(Math.abs(change) * 100).toFixed(0)}% over the last fifth`;
  const note = converged
    ? `converged: loss ${final.toFixed(2)}${baseline && vs !== null ? ` vs ${baseline.name} ${baseline.finalLoss.toFixed(2)}` : ''}${flat ? ', flat over the last fifth' : ''}`
    : `not converged: loss ${final.toFixed(2)}${baseline ? ` vs ${baseline.name} ${baseline.finalLoss.toFixed(2)}` : ''}, ${trend}`;
  return { steps: losses.length, final_loss: final, last_fifth_change: change, flat, vs_baseline: vs, converged, note };
}

/** Least-squares slope of y against 0, 1, 2, … */
function slope(y: readonly number[]): number {
  const n = y.length, mx = (n - 1) / 2, my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  y.forEach((v, i) => { sxy += (i - mx) * (v - my); sxx += (i - mx) ** 2; });
  return sxx === 0 ? 0 : sxy / sxx;
}
