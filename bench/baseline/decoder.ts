// The decoder as it was before the performance work (git fef1a62), kept for before/after runs of
// bench/ab.ts. Not used by the toolkit.
// The Llama-family decoder forward pass in plain TensorFlow.js ops: RMSNorm, RoPE, grouped-query
// attention (causal or bidirectional, always with the padding mask), SwiGLU MLP. Hidden states flow
// as 2-D [batch·seq, dim] matrices so every projection is one plain 2-D matMul.
import * as tf from '@tensorflow/tfjs';
import type { DecoderConfig } from '../../src/model/config.ts';
import type { Decoder, LayerWeights, Projection } from '../../src/model/weights.ts';
import { positionsFromMask, type TokenBatch } from '../../src/model/batch.ts';

export type AttentionMode = 'causal' | 'bidirectional';
export const ATTENTION_MODES: readonly AttentionMode[] = ['causal', 'bidirectional'];

/** Extra low-rank term added to a projection (LoRA); returns undefined where a layer is not adapted. */
export interface ProjectionAdapter {
  delta(x: tf.Tensor2D, layer: number, projection: Projection): tf.Tensor2D | undefined;
}

export interface ForwardOptions {
  attention: AttentionMode;
  adapter?: ProjectionAdapter;
}

export interface ForwardOutput {
  /**
   * nLayers + 1 tensors [batch, seq, dim], as Hugging Face's `hidden_states`: index 0 the embeddings,
   * index i the output of layer i, the last one after the final RMSNorm (= `lastHidden`).
   */
  hiddenStates: tf.Tensor3D[];
  lastHidden: tf.Tensor3D;
}

const NEG_INF = -1e9;

export function rmsNorm(x: tf.Tensor2D, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w) as tf.Tensor2D;
  });
}

function project(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | undefined, layer: number, name: Projection, opts: ForwardOptions): tf.Tensor2D {
  let y: tf.Tensor2D = tf.matMul(x, w);
  if (bias) y = tf.add(y, bias) as tf.Tensor2D;
  const d = opts.adapter?.delta(x, layer, name);
  if (d) y = tf.add(y, d) as tf.Tensor2D;
  return y;
}

/** cos/sin of each token's RoPE angle, [batch·seq, headDim/2] each, from padding-aware positions. */
function ropeTables(c: DecoderConfig, batch: TokenBatch): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const pos = positionsFromMask(batch);
  const half = c.headDim / 2;
  const cos = new Float32Array(pos.length * half);
  const sin = new Float32Array(pos.length * half);
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / Math.pow(c.ropeTheta, (2 * i) / c.headDim);
  for (let n = 0; n < pos.length; n++) {
    for (let i = 0; i < half; i++) {
      // Math.fround mirrors float32 angle arithmetic of the reference implementations.
      const a = Math.fround(pos[n]! * Math.fround(invFreq[i]!));
      cos[n * half + i] = Math.cos(a);
      sin[n * half + i] = Math.sin(a);
    }
  }
  return { cos: tf.tensor2d(cos, [pos.length, half]), sin: tf.tensor2d(sin, [pos.length, half]) };
}

/** Rotate each head's (i, i + headDim/2) pairs; x is [batch·seq, heads, headDim]. */
function applyRope(x: tf.Tensor3D, cos: tf.Tensor3D, sin: tf.Tensor3D, half: number): tf.Tensor3D {
  const [x1, x2] = tf.split(x, [half, half], 2);
  return tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], 2) as tf.Tensor3D;
}

/**
 * Additive attention bias [batch, 1, group·seq, seq]: 0 where query row r may see key s, else -1e9.
 * Rows are laid out group-major (row = g·seq + t) to match the grouped-query layout in `attention`.
 */
function attentionBias(batch: TokenBatch, group: number, mode: AttentionMode): tf.Tensor4D {
  const { batch: B, seqLen: T, mask } = batch;
  const bias = new Float32Array(B * group * T * T);
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < group; g++) {
      for (let t = 0; t < T; t++) {
        const row = ((b * group + g) * T + t) * T;
        for (let s = 0; s < T; s++) {
          if (!mask[b * T + s] || (mode === 'causal' && s > t)) bias[row + s] = NEG_INF;
        }
      }
    }
  }
  return tf.tensor4d(bias, [B, 1, group * T, T]);
}

function attention(
  c: DecoderConfig, l: LayerWeights, layer: number, h: tf.Tensor2D, batch: TokenBatch,
  cos: tf.Tensor3D, sin: tf.Tensor3D, bias: tf.Tensor4D, opts: ForwardOptions,
): tf.Tensor2D {
  const { batch: B, seqLen: T } = batch;
  const { nHeads: H, nKvHeads: K, headDim: D } = c;
  const G = H / K;
  const half = D / 2;
  let q = project(h, l.wq, l.bq, layer, 'wq', opts).reshape([B * T, H, D]) as tf.Tensor3D;
  let k = project(h, l.wk, l.bk, layer, 'wk', opts).reshape([B * T, K, D]) as tf.Tensor3D;
  const v = project(h, l.wv, l.bv, layer, 'wv', opts);
  q = applyRope(q, cos, sin, half);
  k = applyRope(k, cos, sin, half);
  // Grouped-query attention without repeating k/v: the G query heads that share kv head j are stacked
  // along the row axis, so one [G·T, D] × [D, T] product per (batch, kv head) scores all of them.
  const qg = q.reshape([B, T, K, G, D]).transpose([0, 2, 3, 1, 4]).reshape([B, K, G * T, D]);
  const kT = k.reshape([B, T, K, D]).transpose([0, 2, 3, 1]); // [B, K, D, T]
  const vg = v.reshape([B, T, K, D]).transpose([0, 2, 1, 3]); // [B, K, T, D]
  const scores = tf.add(tf.mul(tf.matMul(qg, kT), 1 / Math.sqrt(D)), bias);
  const probs = tf.softmax(scores, -1);
  const out = tf.matMul(probs, vg) // [B, K, G·T, D]
    .reshape([B, K, G, T, D]).transpose([0, 3, 1, 2, 4]).reshape([B * T, H * D]) as tf.Tensor2D;
  return project(out, l.wo, l.bo, layer, 'wo', opts);
}

function mlp(c: DecoderConfig, l: LayerWeights, layer: number, h: tf.Tensor2D, opts: ForwardOptions): tf.Tensor2D {
  const gate = project(h, l.wGate, undefined, layer, 'wGate', opts);
  const up = project(h, l.wUp, undefined, layer, 'wUp', opts);
  return project(tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D, l.wDown, undefined, layer, 'wDown', opts);
}

/** Run the decoder over a padded batch. Call inside tf.tidy (or dispose the outputs). */
export function forward(model: Decoder, batch: TokenBatch, opts: ForwardOptions): ForwardOutput {
  const c = model.config;
  const w = model.weights;
  const { batch: B, seqLen: T } = batch;
  const G = c.nHeads / c.nKvHeads;
  const ids = tf.tensor1d(batch.ids, 'int32');
  const { cos: cos2, sin: sin2 } = ropeTables(c, batch);
  const cos = cos2.expandDims(1) as tf.Tensor3D;
  const sin = sin2.expandDims(1) as tf.Tensor3D;
  const bias = attentionBias(batch, G, opts.attention);
  let x = tf.gather(w.embed, ids) as tf.Tensor2D; // [B·T, dim]
  const states: tf.Tensor2D[] = [x];
  w.layers.forEach((l, i) => {
    x = tf.add(x, attention(c, l, i, rmsNorm(x, l.attnNorm, c.normEps), batch, cos, sin, bias, opts));
    x = tf.add(x, mlp(c, l, i, rmsNorm(x, l.mlpNorm, c.normEps), opts));
    states.push(x);
  });
  states[states.length - 1] = rmsNorm(x, w.finalNorm, c.normEps);
  const hiddenStates = states.map((s) => s.reshape([B, T, c.dim]) as tf.Tensor3D);
  return { hiddenStates, lastHidden: hiddenStates[hiddenStates.length - 1]! };
}

/** Next-token logits [batch·seq, vocab] from the final hidden state. */
export function logits(model: Decoder, lastHidden: tf.Tensor3D): tf.Tensor2D {
  const h = lastHidden.reshape([-1, model.config.dim]) as tf.Tensor2D;
  return model.weights.lmHead ? tf.matMul(h, model.weights.lmHead) : tf.matMul(h, model.weights.embed, false, true);
}
