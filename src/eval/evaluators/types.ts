// What every evaluator returns: MTEB's main score, the named scores MTEB reports, and per-sample
// values for significance tests (paired comparisons between models need the per-item numbers).
import { mean } from '../../stats/descriptive.ts';

export interface EvaluationResult<PerSample> {
  main_score: number;
  /** Flat names as MTEB spells them, e.g. 'cos_sim.spearman', 'ndcg_at_10', 'map'. */
  scores: Record<string, number>;
  per_sample: PerSample;
}

/** One embedding per text; any dimension, any float type; not assumed normalised. */
export type Embedding = ArrayLike<number>;

/** Throw unless every embedding has the same, non-zero dimension (names the argument and index). */
export function checkEmbeddings(fn: string, name: string, embeddings: readonly Embedding[], dim?: number): number {
  const d = dim ?? embeddings[0]?.length ?? 0;
  if (d === 0) throw new RangeError(`${fn}: ${name} has no embeddings or zero dimension`);
  embeddings.forEach((e, i) => {
    if (e.length !== d) throw new RangeError(`${fn}: ${name}[${i}] has dimension ${e.length}, expected ${d}`);
    for (let j = 0; j < e.length; j++) {
      if (!Number.isFinite(e[j])) throw new RangeError(`${fn}: ${name}[${i}] has a non-finite value at dimension ${j}`);
    }
  });
  return d;
}

/** Population standard deviation (numpy np.std default), the spread over experiments or runs. */
export function std(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
}
