// MTEB ClusteringEvaluator: mini-batch k-means (batch 500, k = number of gold labels) on the
// embeddings, scored by V-measure against the gold labels; repeated over seeded runs and averaged.
import { miniBatchKMeans } from '../metrics/mini-batch-kmeans.ts';
import { vMeasure, type Label } from '../metrics/v-measure.ts';
import { mean } from '../../stats/descriptive.ts';
import { checkEmbeddings, std, type Embedding, type EvaluationResult } from './types.ts';

export interface ClusteringOptions {
  /** Seeded k-means runs to average (default 10). Run r uses seed + r. */
  nRuns?: number;
  batchSize?: number;
  seed?: number;
}

export interface ClusteringPerSample { seeds: number[]; v_measure: number[] }

export function evaluateClustering(
  embeddings: readonly Embedding[], labels: readonly Label[], options: ClusteringOptions = {},
): EvaluationResult<ClusteringPerSample> {
  if (embeddings.length !== labels.length) throw new RangeError(`evaluateClustering: ${embeddings.length} embeddings but ${labels.length} labels`);
  checkEmbeddings('evaluateClustering', 'embeddings', embeddings);
  const nRuns = options.nRuns ?? 10, seed = options.seed ?? 42, batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(nRuns) || nRuns < 1) throw new RangeError(`evaluateClustering: nRuns must be a positive integer, got ${nRuns}`);
  const nClusters = new Set(labels).size;
  const seeds = Array.from({ length: nRuns }, (_, r) => seed + r);
  const v = seeds.map((s) => vMeasure(labels, Array.from(miniBatchKMeans(embeddings, { nClusters, batchSize, seed: s }).labels)));
  return { main_score: mean(v), scores: { v_measure: mean(v), v_measure_std: std(v) }, per_sample: { seeds, v_measure: v } };
}
