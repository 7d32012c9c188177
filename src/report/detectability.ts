// What each per-dataset test could have found (src/stats/power.ts): its minimum detectable difference
// at 80% power and whether its permutation test can reach Holm's first threshold at all. compare
// records both in stats.json (per_sample.mdd_80, min_p, holm_threshold, can_reach_holm); for a
// stats.json written before that, `detectability` computes them from what it holds (bootstrap.se,
// n_samples, the permutation's exact flag and resamples) and says so (recorded: false): without
// n_informative the floor is taken over all samples, a lower bound on the true floor.
import type { DatasetTest } from './analysis.ts';
import type { TaskCategory } from '../eval/tasks/types.ts';
import { canReachHolm, minimumDetectableDifference, minPermutationP } from '../stats/power.ts';

/** The unit a per-dataset test resamples: items, except Clustering's per-sample data, which is one
 *  V-measure per seeded k-means run (src/eval/evaluators/clustering.ts). */
export type SampleUnit = 'items' | 'k-means runs';
export const sampleUnit = (category: TaskCategory | string): SampleUnit => (category === 'Clustering' ? 'k-means runs' : 'items');
/** The label every table puts on a test over k-means runs. */
export const KMEANS_NOTE = 'over k-means runs, not items';

export interface Detectability {
  unit: SampleUnit;
  n: number;
  /** samples with a non-zero difference; null when the stats.json does not record it */
  n_informative: number | null;
  mdd_80: number | null;
  min_p: number;
  /** tests in the Holm family */
  m: number;
  holm_threshold: number;
  can_reach_holm: boolean;
  /** false: computed here from an older stats.json */
  recorded: boolean;
}

/** The number of tests Holm adjusts over in a family: those with a per-sample p-value. */
export const holmFamilySize = (family: readonly DatasetTest[]): number =>
  family.filter((t) => t.per_sample && Number.isFinite(t.per_sample.permutation.pvalue)).length;

function compute(t: DatasetTest, m: number, alpha: number): Detectability | null {
  const ps = t.per_sample;
  if (!ps || m < 1) return null;
  const nInf = ps.n_informative ?? null;
  const minP = minPermutationP({ nEffective: nInf ?? ps.n_samples, exact: ps.permutation.exact, resamples: ps.permutation.resamples });
  const h = canReachHolm(minP, m, alpha);
  return {
    unit: ps.unit ?? sampleUnit(t.category), n: ps.n_samples, n_informative: nInf,
    mdd_80: minimumDetectableDifference(ps.bootstrap.se, alpha, 0.8), min_p: minP, m,
    holm_threshold: h.threshold, can_reach_holm: h.reachable, recorded: false,
  };
}

/** Record the fields on every test of a family (compare; called after the Holm adjustment). */
export function annotateDetectability(family: DatasetTest[], alpha: number): void {
  const m = holmFamilySize(family);
  for (const t of family) {
    const d = compute(t, m, alpha);
    if (!d || !t.per_sample) continue;
    Object.assign(t.per_sample, { unit: d.unit, mdd_80: d.mdd_80, min_p: d.min_p, holm_threshold: d.holm_threshold, can_reach_holm: d.can_reach_holm });
  }
}

/** The recorded fields of a test, or (older stats.json) the ones computable from what it holds. */
export function detectability(t: DatasetTest, family: readonly DatasetTest[], alpha: number): Detectability | null {
  const ps = t.per_sample;
  if (!ps) return null;
  const m = holmFamilySize(family);
  if (ps.min_p !== undefined && ps.can_reach_holm !== undefined && ps.holm_threshold !== undefined) {
    return {
      unit: ps.unit ?? sampleUnit(t.category), n: ps.n_samples, n_informative: ps.n_informative ?? null,
      mdd_80: ps.mdd_80 ?? null, min_p: ps.min_p, m, holm_threshold: ps.holm_threshold, can_reach_holm: ps.can_reach_holm, recorded: true,
    };
  }
  return compute(t, m, alpha);
}
