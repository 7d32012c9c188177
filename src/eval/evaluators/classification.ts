// MTEB AbsTaskClassification + logRegClassificationEvaluator: in each of n_experiments, undersample
// the training set (shuffle the indices with a seeded RNG, keep the first samples_per_label of each
// label), fit L2 logistic regression (C = 1, max_iter = 100) on those embeddings, and score accuracy
// (main) and macro F1 on the whole test set; report the means over experiments.
import { accuracy, macroF1 } from '../metrics/classification-metrics.ts';
import { averagePrecision } from '../metrics/average-precision.ts';
import { fitLogisticRegression, predictLogisticRegression, sortedClasses } from '../metrics/logistic-regression.ts';
import { createRng, type Rng } from '../../util/random.ts';
import type { Label } from '../metrics/v-measure.ts';
import { mean } from '../../stats/descriptive.ts';
import { checkEmbeddings, std, type Embedding, type EvaluationResult } from './types.ts';

export interface ClassificationOptions {
  nExperiments?: number;    // MTEB: 10
  samplesPerLabel?: number; // MTEB: 8 (the paper also uses 16)
  seed?: number;            // MTEB: 42 (our RNG differs from numpy's; see util/random.ts)
  maxIter?: number;         // MTEB: 100
}

export interface ClassificationPerSample {
  /** Per test item: the fraction of experiments that classified it correctly. */
  correct_fraction: number[];
  accuracy_per_experiment: number[];
  f1_per_experiment: number[];
  /** Indices into the training set used by each experiment. */
  train_indices_per_experiment: number[][];
}

/** MTEB's _undersample_data: shuffle `idxs` in place, then keep the first k of each label in that order. */
export function undersample(labels: readonly Label[], samplesPerLabel: number, idxs: number[], rng: Rng): number[] {
  rng.shuffle(idxs);
  const count = new Map<Label, number>();
  const kept: number[] = [];
  for (const i of idxs) {
    const c = count.get(labels[i]!) ?? 0;
    if (c < samplesPerLabel) { kept.push(i); count.set(labels[i]!, c + 1); }
  }
  return kept;
}

export function evaluateClassification(
  trainEmbeddings: readonly Embedding[], trainLabels: readonly Label[],
  testEmbeddings: readonly Embedding[], testLabels: readonly Label[],
  options: ClassificationOptions = {},
): EvaluationResult<ClassificationPerSample> {
  const fn = 'evaluateClassification';
  if (trainEmbeddings.length !== trainLabels.length) throw new RangeError(`${fn}: ${trainEmbeddings.length} train embeddings but ${trainLabels.length} train labels`);
  if (testEmbeddings.length !== testLabels.length) throw new RangeError(`${fn}: ${testEmbeddings.length} test embeddings but ${testLabels.length} test labels`);
  const d = checkEmbeddings(fn, 'trainEmbeddings', trainEmbeddings);
  checkEmbeddings(fn, 'testEmbeddings', testEmbeddings, d);
  const nExperiments = options.nExperiments ?? 10, samplesPerLabel = options.samplesPerLabel ?? 8;
  if (!Number.isInteger(nExperiments) || nExperiments < 1) throw new RangeError(`${fn}: nExperiments must be a positive integer, got ${nExperiments}`);
  if (!Number.isInteger(samplesPerLabel) || samplesPerLabel < 1) throw new RangeError(`${fn}: samplesPerLabel must be a positive integer, got ${samplesPerLabel}`);
  const rng = createRng(options.seed ?? 42);
  const classes = sortedClasses(trainLabels);
  // MTEB adds AP for binary tasks, computed on the predicted labels (positive = the larger label)
  const binary = classes.length === 2;

  const idxs = Array.from({ length: trainLabels.length }, (_, i) => i);
  const correct = new Float64Array(testLabels.length);
  const accs: number[] = [], f1s: number[] = [], aps: number[] = [], used: number[][] = [];
  for (let e = 0; e < nExperiments; e++) {
    const kept = undersample(trainLabels, samplesPerLabel, idxs, rng);
    const model = fitLogisticRegression(kept.map((i) => trainEmbeddings[i]!), kept.map((i) => trainLabels[i]!), { maxIter: options.maxIter ?? 100 });
    const pred = predictLogisticRegression(model, testEmbeddings);
    pred.forEach((p, i) => { if (p === testLabels[i]) correct[i]++; });
    accs.push(accuracy(testLabels, pred));
    f1s.push(macroF1(testLabels, pred));
    if (binary) aps.push(averagePrecision(testLabels.map((y) => (y === classes[1] ? 1 : 0)), pred.map((p) => (p === classes[1] ? 1 : 0))));
    used.push(kept);
  }
  const scores: Record<string, number> = { accuracy: mean(accs), f1: mean(f1s), accuracy_std: std(accs), f1_std: std(f1s) };
  if (binary) scores.ap = mean(aps);
  return {
    main_score: scores.accuracy!,
    scores,
    per_sample: {
      correct_fraction: Array.from(correct, (c) => c / nExperiments),
      accuracy_per_experiment: accs, f1_per_experiment: f1s, train_indices_per_experiment: used,
    },
  };
}
