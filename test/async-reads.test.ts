// WebGPU in Node cannot read a tensor synchronously (src/backend/webgpu.ts). Here, on wasm, sync
// reads are first allowed and then forbidden (src/backend/sync-reads.ts); training with checkpoints,
// encoding, generation and the layer analysis must still run, and give the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stories260K } from './helpers.ts';
import { forbidSyncReads, syncReadsWork } from '../src/backend/sync-reads.ts';
import { loadTrainingTriples } from '../src/training/triples.ts';
import { train } from '../src/training/trainer.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES, type Profile } from '../src/training/profiles.ts';
import { encodeTexts } from '../src/embedding/embedder.ts';
import { generate } from '../src/model/generate.ts';
import { layerwiseSTS, layerEmbeddingNorms } from '../src/eval/layer-analysis.ts';

const base = await stories260K();
const { triples } = await loadTrainingTriples({ seed: 0, limit: 12, evaluationTexts: [] });
const profile: Profile = { ...PROFILES.smoke!, steps: 3, checkpointEvery: 1 };
const texts = ['A man is playing a guitar.', 'The weather is cold today.', 'Lily ran to the park.'];
const pairs = [
  { id: 'a', s1: texts[0]!, s2: 'A man plays the guitar.', score: 4.8 },
  { id: 'b', s1: texts[1]!, s2: 'It is cold.', score: 4 },
  { id: 'c', s1: texts[2]!, s2: 'A cat slept.', score: 0.5 },
];

/** m5: multi-layer head, bidirectional attention; everything a run reads back. */
async function everything(): Promise<{ weights: Buffer[]; vectors: Float32Array[]; story: number[]; layers: number[]; norms?: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'pa-async-'));
  const r = await train({ design: designByName('m5'), profile, seed: 5, runDir: dir, base, triples, log: () => {} });
  const weights = ['adapter', 'head'].map((f) => readFileSync(join(dir, 'm5', 'final', `${f}.safetensors`)));
  return {
    weights,
    vectors: await encodeTexts(r.model, texts),
    story: await generate(base.model, base.tokenizer, { steps: 20, prompt: 'Once upon a time' }),
    layers: (await layerwiseSTS(r.model, pairs)).map((s) => s.spearman),
    norms: await layerEmbeddingNorms(r.model),
  };
}

test('with synchronous reads forbidden, training, encoding, generation and layer analysis run and agree', async () => {
  assert.ok(syncReadsWork());
  const allowed = await everything();
  forbidSyncReads();
  assert.ok(!syncReadsWork());
  assert.throws(() => base.model.weights.embed.dataSync(), /synchronous read .* forbidden/);
  const forbidden = await everything();
  allowed.weights.forEach((w, i) => assert.ok(w.equals(forbidden.weights[i]!), `final weights ${i} differ`));
  allowed.vectors.forEach((v, i) => assert.deepEqual(Array.from(forbidden.vectors[i]!), Array.from(v)));
  assert.deepEqual(forbidden.story, allowed.story);
  assert.deepEqual(forbidden.layers, allowed.layers);
  assert.equal(forbidden.norms?.length, base.model.config.nLayers);
  assert.deepEqual(forbidden.norms, allowed.norms);
});
