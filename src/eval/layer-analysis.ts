// Layer-by-layer analysis: how well each layer's hidden states, pooled without training (masked mean
// or the EOS position), score STS. Applied to the base model and to fine-tuned designs (through
// their LoRA adapters and attention mode) — the analysis the paper did only for base models.
import * as tf from '@tensorflow/tfjs';
import type { EmbeddingModel } from '../embedding/embedding-model.ts';
import { embeddingTokens } from '../embedding/embedder.ts';
import { forward } from '../model/decoder.ts';
import { padBatch } from '../model/batch.ts';
import { gatherLast, maskedMean } from '../pooling/pooling.ts';
import { spearman } from './metrics/correlation.ts';
import { cosineOneSqrt } from './metrics/similarity.ts';
import type { StsPair } from '../data/datasets/records.ts';

export interface LayerScore { layer: number; spearman: number }

/** Per layer (0 = embeddings … L = last, after the final norm): Spearman of cosine vs gold. */
export async function layerwiseSTS(em: EmbeddingModel, pairs: readonly StsPair[], opts: { pooling?: 'mean' | 'eos'; batchSize?: number } = {}): Promise<LayerScore[]> {
  const pooling = opts.pooling ?? 'mean';
  const batchSize = opts.batchSize ?? 64;
  const texts = pairs.flatMap((p) => [p.s1, p.s2]);
  const tokens = texts.map((t) => embeddingTokens(em.tokenizer, t, em.maxLen));
  const L = em.model.config.nLayers;
  const vectors: Float32Array[][] = Array.from({ length: L + 1 }, () => new Array<Float32Array>(texts.length));
  for (let s = 0; s < texts.length; s += batchSize) {
    const idx = tokens.slice(s, s + batchSize).map((_, k) => s + k);
    const batch = padBatch(idx.map((i) => tokens[i]!), 'left', em.tokenizer.padId);
    const pooled = tf.tidy(() => {
      const out = forward(em.model, batch, { attention: em.design.attention, adapter: em.lora });
      const mask = tf.tensor2d(Float32Array.from(batch.mask), [batch.batch, batch.seqLen]);
      // left padding: the last real token is the last column
      const last = tf.tensor1d(idx.map((_, r) => r * batch.seqLen + batch.seqLen - 1), 'int32');
      return out.hiddenStates.map((h) => (pooling === 'mean' ? maskedMean(h, mask) : gatherLast(h, last)));
    });
    const perLayer = await Promise.all(pooled.map((t) => t.array() as Promise<number[][]>));
    tf.dispose(pooled);
    perLayer.forEach((rows, l) => rows.forEach((v, r) => { vectors[l]![idx[r]!] = Float32Array.from(v); }));
  }
  const gold = pairs.map((p) => p.score);
  return vectors.map((vs, layer) => {
    const cos = pairs.map((_, i) => cosineOneSqrt(vs[2 * i]!, vs[2 * i + 1]!));
    return { layer, spearman: spearman(cos, gold) };
  });
}

/** The multi-layer heads' per-layer embedding norms: how much each layer's input is shifted. */
export async function layerEmbeddingNorms(em: EmbeddingModel): Promise<number[] | undefined> {
  const v = em.pooling.variables['layer_embedding'];
  if (!v) return undefined;
  const norms = tf.norm(v, 2, -1);
  const values = Array.from(await norms.data());
  norms.dispose();
  return values;
}
