// Layer analysis: the last layer with mean pooling must score exactly what the STS evaluator gives
// the base-mean design (same embeddings by another path), and every layer gets a score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stories260K } from './helpers.ts';
import { layerwiseSTS, layerEmbeddingNorms } from '../src/eval/layer-analysis.ts';
import { loadEmbeddingModel } from '../src/embedding/embedding-model.ts';
import { encodeTexts } from '../src/embedding/embedder.ts';
import { evaluateSTS } from '../src/eval/evaluators/index.ts';
import { taskByName } from '../src/eval/tasks/index.ts';
import type { StsData } from '../src/eval/tasks/types.ts';

test('layer L with mean pooling equals the base-mean STS score; one score per layer', async () => {
  const base = await stories260K();
  const em = await loadEmbeddingModel(undefined, 'base-mean', { base, maxLen: 64 });
  const { pairs } = (await taskByName('STSBenchmark').load({ limit: 120 })) as StsData;
  const layers = await layerwiseSTS(em, pairs, { pooling: 'mean' });
  assert.equal(layers.length, base.model.config.nLayers + 1);
  const e1 = await encodeTexts(em, pairs.map((p) => p.s1));
  const e2 = await encodeTexts(em, pairs.map((p) => p.s2));
  const main = evaluateSTS(e1, e2, pairs.map((p) => p.score)).main_score;
  assert.ok(Math.abs(layers.at(-1)!.spearman - main) < 1e-6, `${layers.at(-1)!.spearman} vs ${main}`);
  for (const l of layers) assert.ok(Number.isFinite(l.spearman) && Math.abs(l.spearman) <= 1);
  assert.equal(await layerEmbeddingNorms(em), undefined);
});
