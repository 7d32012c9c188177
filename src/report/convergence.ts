// Has a design's training converged? Judged from its loss curve (the trainer's loss.jsonl), by the
// rule the study states: the loss is flat over the last fifth of training, or it ends within 10% of
// the baseline design's (m1's) final loss. A design that meets neither is reported "not converged",
// with both numbers, in every table and figure that shows it: its scores measure an unfinished head,
// not a design.
//   final loss  the mean of the last tenth of the steps (at least 5 steps: one step's loss is noisy)
//   flat        the least-squares line through the last fifth of the losses changes by less than
//               FLAT_TOLERANCE of the final loss across that fifth
// The change comes with its standard error (from the line's residuals), printed in the note: with a
// per-step loss over 8 triples it is 12–24% of the final loss on SmolLM2 (docs/results/smollm2-study),
// larger than the 5% tolerance, so "flat" is rarely established and a small fall or rise is noise.

export const FLAT_TOLERANCE = 0.05;
export const BASELINE_TOLERANCE = 0.10;

export interface Convergence {
  steps: number;
  final_loss: number;
  /** change of the fitted line across the last fifth, relative to the final loss (negative: still falling) */
  last_fifth_change: number;
  /** the standard error of last_fifth_change (ordinary least squares, from the residuals) */
  last_fifth_change_se: number;
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
  const fit = slope(tail);
  const change = (fit.slope * (tail.length - 1)) / final;
  const changeSe = (fit.se * (tail.length - 1)) / final;
  const flat = Math.abs(change) < FLAT_TOLERANCE;
  const vs = baseline ? final / baseline.finalLoss : null;
  const near = vs !== null && vs <= 1 + BASELINE_TOLERANCE;
  const converged = flat || near;
  const trend = `${change < 0 ? 'falling' : 'rising'} ${(Math.abs(change) * 100).toFixed(0)}% (± ${(changeSe * 100).toFixed(0)}%, one standard error) over the last fifth`;
  const note = converged
    ? `converged: loss ${final.toFixed(2)}${baseline && vs !== null ? ` vs ${baseline.name} ${baseline.finalLoss.toFixed(2)}` : ''}${flat ? ', flat over the last fifth' : ''}`
    : `not converged: loss ${final.toFixed(2)}${baseline ? ` vs ${baseline.name} ${baseline.finalLoss.toFixed(2)}` : ''}, ${trend}`;
  return { steps: losses.length, final_loss: final, last_fifth_change: change, last_fifth_change_se: changeSe, flat, vs_baseline: vs, converged, note };
}

/** Least-squares slope of y against 0, 1, 2, …, and its standard error (0 with fewer than 3 points). */
export function slope(y: readonly number[]): { slope: number; se: number } {
  const n = y.length, mx = (n - 1) / 2, my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  y.forEach((v, i) => { sxy += (i - mx) * (v - my); sxx += (i - mx) ** 2; });
  if (sxx === 0) return { slope: 0, se: 0 };
  const b = sxy / sxx;
  let rss = 0;
  y.forEach((v, i) => { rss += (v - my - b * (i - mx)) ** 2; });
  return { slope: b, se: n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : 0 };
}

/** A design's verdict over the seeds of a run (stats.json → convergence[design], written by compare). */
export interface DesignConvergence {
  /** mean over seeds of the final loss */
  final_loss: number;
  /** the baseline's mean final loss over the same seeds (null for the baseline itself) */
  baseline_final_loss: number | null;
  /** every seed's curve converged */
  converged: boolean;
  /** e.g. "not converged: loss 2.41 vs m1 0.70 (2 of 3 seeds)" */
  note: string;
  per_seed: (Convergence & { seed_dir: string })[];
}

/** "m2 (not converged)" when stats.json records that the design did not converge; else the name. */
export function convergenceLabel(convergence: Record<string, DesignConvergence> | undefined, design: string, name = design): string {
  return convergence?.[design] && !convergence[design]!.converged ? `${name} (not converged)` : name;
}

/** The designs stats.json records as not converged (in the given order). */
export function notConverged(convergence: Record<string, DesignConvergence> | undefined, designs: readonly string[]): string[] {
  return designs.filter((d) => convergence?.[d] && !convergence[d]!.converged);
}

/**
 * Judge every design with a `<seed dir>/<design>/loss.jsonl` in the run's seed folders (`seedDirs`,
 * in seed order): each seed's curve against the baseline's curve of the same seed, then over seeds
 * (converged iff every seed did). A design whose curve is too short to judge is left out, with a
 * warning; a seed folder without the baseline's curve judges by flatness only.
 */
export function runConvergence(seedFolders: readonly string[], designs: readonly string[], baseline: string,
  read: (dir: string, design: string) => number[] | null, warnings: string[] = []): Record<string, DesignConvergence> {
  const out: Record<string, DesignConvergence> = {};
  const judge = (losses: number[] | null, where: string, ref?: { name: string; finalLoss: number }): Convergence | null => {
    if (!losses) return null;
    try { return convergence(losses, ref); } catch (e) { warnings.push(`${where}: ${(e as Error).message}`); return null; }
  };
  const baseFinal = new Map<string, number>();
  for (const dir of seedFolders) {
    const b = read(dir, baseline);
    if (b && b.length >= 5 && b.every(Number.isFinite)) baseFinal.set(dir, finalLoss(b));
  }
  for (const design of [baseline, ...designs.filter((d) => d !== baseline)]) {
    const per: DesignConvergence['per_seed'] = [];
    for (const dir of seedFolders) {
      const ref = design !== baseline && baseFinal.has(dir) ? { name: baseline, finalLoss: baseFinal.get(dir)! } : undefined;
      const c = judge(read(dir, design), `${dir}/${design}/loss.jsonl`, ref);
      if (c) per.push({ ...c, seed_dir: dir });
    }
    if (per.length === 0) continue;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const final = mean(per.map((c) => c.final_loss));
    const refs = design === baseline ? [] : per.map((c) => baseFinal.get(c.seed_dir)).filter((x): x is number => x !== undefined);
    const ref = refs.length === per.length && refs.length ? mean(refs) : null;
    const bad = per.filter((c) => !c.converged).length;
    const converged = bad === 0;
    const seeds = per.length > 1 ? ` (${converged ? `all ${per.length}` : `${bad} of ${per.length}`} seeds)` : '';
    const vs = ref !== null ? ` vs ${baseline} ${ref.toFixed(2)}` : '';
    out[design] = {
      final_loss: final, baseline_final_loss: ref, converged,
      note: per.length === 1 ? per[0]!.note : `${converged ? 'converged' : 'not converged'}: loss ${final.toFixed(2)}${vs}${seeds}`,
      per_seed: per,
    };
  }
  return out;
}
