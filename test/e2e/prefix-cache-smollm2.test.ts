// The frozen-prefix cache (src/embedding/prefix-cache.ts) at SmolLM2-135M's shapes (30 layers, d 576,
// 9 query / 3 key-value heads, BOS states near 25,000 from layer 12 on): with LoRA on the top 2
// layers, a training micro-batch's loss and gradients through the cache equal the uncached forward's
// with the same k, for m1 (EOS, causal) and m5 (per-layer means, bidirectional). test/prefix-cache.test.ts
// covers the rest on stories260K.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.ts';
import { loadModel } from '../../src/model/load.ts';
import { designByName } from '../../src/designs.ts';
import { PROFILES } from '../../src/training/profiles.ts';
import { createEmbeddingModel, trainableVariables } from '../../src/embedding/embedding-model.ts';
import { attachPrefixCache } from '../../src/embedding/prefix-cache.ts';
import { embeddingTokens } from '../../src/embedding/embedder.ts';
import { microBatchGradients, tripleBatch } from '../../src/training/step.ts';

await initBackend({ quiet: true });
const base = await loadModel('smollm2-135m');
const cacheRoot = mkdtempSync(join(tmpdir(), 'pa-prefix-smollm2-'));
process.env.PA_PREFIX_CACHE = cacheRoot;
after(() => rmSync(cacheRoot, { recursive: true, force: true }));
const triples = [
  ['A man is playing a guitar on stage.', 'Someone performs music.', 'A woman is sleeping at home.'],
  ['Two dogs run through a field.', 'Animals are outside.', 'The cats are asleep on the sofa indoors.'],
].map((t) => t.map((s) => embeddingTokens(base.tokenizer, s, 64)));
const profile = { ...PROFILES.smollm2!, loraLayers: 2, lora: { ...PROFILES.smollm2!.lora, dropout: 0.1 } };

async function gradients(design: string, cached: boolean) {
  const em = createEmbeddingModel(base, designByName(design), profile, 3);
  for (const [k, v] of Object.entries(em.lora!.variables)) if (k.endsWith('lora_B')) v.assign(tf.randomNormal(v.shape, 0, 0.02, 'float32', 9));
  if (cached) await attachPrefixCache(em, 'smollm2-135m', () => {});
  assert.equal(Boolean(em.prefix), cached);
  const vars = trainableVariables(em);
  const { loss, grads } = await microBatchGradients(em, vars, { batch: tripleBatch(triples, base.tokenizer.padId), triples: triples.length, dropoutSeed: 5, label: 'test' }, profile.scale);
  const values = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
  tf.dispose([...Object.values(grads), ...Object.values(vars)]);
  return { loss, values };
}

for (const design of ['m1', 'm5']) {
  test(`SmolLM2-135M, LoRA on the top 2 layers: ${design}'s loss and gradients through the cache equal the uncached ones`, async () => {
    const plain = await gradients(design, false);
    const cached = await gradients(design, true);
    let worst = 0;
    for (const [k, g] of Object.entries(plain.values)) {
      const c = cached.values[k]!;
      let scale = 0, diff = 0;
      g.forEach((x, i) => { scale = Math.max(scale, Math.abs(x)); diff = Math.max(diff, Math.abs(x - c[i]!)); });
      if (scale > 0) worst = Math.max(worst, diff / scale);
    }
    const lossDiff = Math.abs(plain.loss - cached.loss) / Math.abs(plain.loss);
    process.stderr.write(`[prefix-cache smollm2] ${design}: loss ${plain.loss} vs ${cached.loss} (relative ${lossDiff.toExponential(2)}), gradients relative max |Δ| ${worst.toExponential(2)}\n`);
    assert.ok(lossDiff <= 1e-5, `loss ${plain.loss} vs ${cached.loss}`);
    assert.ok(worst <= 1e-3, `gradients differ by ${worst} of their scale`);
  });
}
