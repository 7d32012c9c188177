// Texts → L2-normalised embeddings with a decoder, a design and (optionally) trained weights.
// As the authors did: BOS + text + EOS, left padding, the task instruction glued to queries without a
// space. Encoding sorts texts by length so each batch pads little, and reports progress.
import * as tf from '@tensorflow/tfjs';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import type { EmbeddingModel } from './embedding-model.ts';
import { forward } from '../model/decoder.ts';
import { padBatch, type TokenBatch } from '../model/batch.ts';
import { preparePrefix, prefixHiddenStates } from './prefix-cache.ts';
import { packedRows } from '../model/packed-rows.ts';

const instructionLengths = new WeakMap<Tokenizer, Map<string, number>>();

/**
 * BOS + instruction + text + EOS, the text truncated so that it keeps up to maxLen − 2 tokens: the
 * instruction's tokens come on top (capped by the model's context), so a long task instruction never
 * crowds the text out of a short budget.
 */
export function embeddingTokens(tok: Tokenizer, text: string, maxLen: number, instruction = '', contextLen = Infinity): number[] {
  let lengths = instructionLengths.get(tok);
  if (!lengths) instructionLengths.set(tok, (lengths = new Map()));
  let extra = lengths.get(instruction);
  if (extra === undefined) lengths.set(instruction, (extra = instruction ? tok.encode(instruction).length : 0));
  const keep = Math.max(1, Math.min(maxLen - 2 + extra, contextLen - 2));
  const body = tok.encode(instruction + text, { maxTokens: keep }); // stops reading once `keep` are known
  return [tok.bosId, ...body.slice(0, keep), tok.eosId];
}

/** Forward + pooling + L2 normalisation of one padded batch: [batch, dim]. Call inside tf.tidy.
 *  checkpointLayers: recompute the decoder's layers in the backward pass (src/model/kernels/checkpoint.ts). */
export function embedBatch(em: EmbeddingModel, batch: TokenBatch, training = false, checkpointLayers = false): tf.Tensor2D {
  const opts = { attention: em.design.attention, adapter: em.lora, checkpointLayers };
  // from layer F on when the frozen prefix is cached (./prefix-cache.ts; preparePrefix before)
  const out = { hiddenStates: prefixHiddenStates(em, batch, opts) ?? forward(em.model, batch, opts).hiddenStates };
  const T = batch.seqLen;
  const last = new Int32Array(batch.batch);
  for (let r = 0; r < batch.batch; r++) for (let t = 0; t < T; t++) if (batch.mask[r * T + t]) last[r] = r * T + t;
  const pooled = em.pooling.pool({
    hiddenStates: out.hiddenStates,
    mask: tf.tensor2d(Float32Array.from(batch.mask), [batch.batch, T]),
    lastIndex: tf.tensor1d(last, 'int32'),
    attention: em.design.attention,
    training,
    rows: packedRows(batch.mask),
  });
  return tf.div(pooled, tf.maximum(tf.norm(pooled, 2, -1, true), 1e-12)) as tf.Tensor2D;
}

export interface EncodeOptions {
  instruction?: string;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** incremented by the number of tokens fed to the model (for throughput) */
  stats?: { tokens: number };
}

/**
 * Embed every text, returned in input order. Reads each batch back with `await data()`: WebGPU in
 * Node has no synchronous read-back (src/backend/webgpu.ts), and on wasm/cpu it costs nothing extra.
 */
export async function encodeTexts(em: EmbeddingModel, texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
  const batchSize = opts.batchSize ?? 64;
  const tokens = texts.map((t) => embeddingTokens(em.tokenizer, t, em.maxLen, opts.instruction, em.model.config.maxSeqLen));
  if (opts.stats) opts.stats.tokens += tokens.reduce((s, t) => s + t.length, 0);
  const order = tokens.map((_, i) => i).sort((a, b) => tokens[a]!.length - tokens[b]!.length || a - b);
  const out = new Array<Float32Array>(texts.length);
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    const padded = padBatch(idx.map((i) => tokens[i]!), 'left', em.tokenizer.padId);
    await preparePrefix(em, padded);
    const batch = tf.tidy(() => embedBatch(em, padded));
    const values = (await batch.data()) as Float32Array;
    batch.dispose();
    const dim = values.length / idx.length;
    idx.forEach((i, k) => { out[i] = values.slice(k * dim, (k + 1) * dim); });
    opts.onProgress?.(Math.min(s + batchSize, order.length), order.length);
  }
  return out;
}
