// The Llama-family decoder forward pass in plain TensorFlow.js ops: RMSNorm, RoPE, grouped-query
// attention (causal or bidirectional, always with the padding mask), SwiGLU MLP. Hidden states flow
// as 2-D [batch·seq, dim] matrices so every projection is one plain 2-D matMul. RMSNorm, RoPE, the
// attention core and the SwiGLU gate are single ops with hand-written gradients (./*-grad.ts): fewer,
// larger ops, which is what a small model on wasm is limited by (see bench/NOTES.md).
import * as tf from '@tensorflow/tfjs';
import type { DecoderConfig } from './config.ts';
import type { Decoder, LayerWeights } from './weights.ts';
import type { Projection } from './config.ts';
import { positionsFromMask, type TokenBatch } from './batch.ts';
import { rmsNorm } from './kernels/rmsnorm-grad.ts';
import { applyRope, ropeTables, type RopeTables } from './kernels/rope-grad.ts';
import { groupedAttention } from './kernels/attention-grad.ts';
import { swiGlu } from './kernels/swiglu-grad.ts';
import { checkpointed } from './kernels/checkpoint.ts';
import { syncReadsWork } from '../backend/sync-reads.ts';
import { packRows, realRows, unpackRows, type PackedRows } from './packed-rows.ts';

export { rmsNorm };

export type AttentionMode = 'causal' | 'bidirectional';

/** Extra low-rank term added to a projection (LoRA); returns undefined where a layer is not adapted.
 *  `rows`: x holds only these rows of the padded batch (ForwardOptions.skipPadding). */
export interface ProjectionAdapter {
  delta(x: tf.Tensor2D, layer: number, projection: Projection, rows?: PackedRows): tf.Tensor2D | undefined;
  /** the trainable tensors `delta` reads for one layer */
  layerVariables(layer: number): tf.Variable[];
  /** how many random draws (dropout masks) `delta` has made; settable, to replay them */
  randomPosition: number;
}

export interface ForwardOptions {
  attention: AttentionMode;
  adapter?: ProjectionAdapter;
  /** Under a gradient tape, keep only each layer's input and recompute the layer in the backward pass
   *  (./kernels/checkpoint.ts): one layer's activations in memory instead of all, one more forward. */
  checkpointLayers?: boolean;
  /** Compute the layers on the rows of real tokens only, padding gathered back in (as zeros) around
   *  the attention and in the returned states: the same numbers where the mask is 1, for consumers
   *  that read no padded position. A training batch of e-SNLI triples is 43% real tokens. */
  skipPadding?: boolean;
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

function project(x: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | undefined, layer: number, name: Projection, opts: ForwardOptions, rows?: PackedRows): tf.Tensor2D {
  let y: tf.Tensor2D = tf.matMul(x, w);
  if (bias) y = tf.add(y, bias) as tf.Tensor2D;
  const d = opts.adapter?.delta(x, layer, name, rows);
  if (d) y = tf.add(y, d) as tf.Tensor2D;
  return y;
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
  ropeQ: RopeTables, ropeK: RopeTables, bias: tf.Tensor4D, opts: ForwardOptions, rows?: PackedRows,
): tf.Tensor2D {
  // packed rows go back to the padded layout for the attention core, whose mask expects it
  const padded = (t: tf.Tensor2D) => (rows ? unpackRows(t, rows) : t);
  // the 1/sqrt(headDim) of the scores is folded into ropeQ's tables
  const q = applyRope(padded(project(h, l.wq, l.bq, layer, 'wq', opts, rows)), ropeQ);
  const k = applyRope(padded(project(h, l.wk, l.bk, layer, 'wk', opts, rows)), ropeK);
  const v = padded(project(h, l.wv, l.bv, layer, 'wv', opts, rows));
  let out = groupedAttention(q, k, v, bias, { batch: batch.batch, seqLen: batch.seqLen, heads: c.nHeads, kvHeads: c.nKvHeads, headDim: c.headDim });
  if (rows) out = packRows(out, rows);
  return project(out, l.wo, l.bo, layer, 'wo', opts, rows);
}

function mlp(l: LayerWeights, layer: number, h: tf.Tensor2D, opts: ForwardOptions, rows?: PackedRows): tf.Tensor2D {
  const gate = project(h, l.wGate, undefined, layer, 'wGate', opts, rows);
  const up = project(h, l.wUp, undefined, layer, 'wUp', opts, rows);
  return project(swiGlu(gate, up), l.wDown, undefined, layer, 'wDown', opts, rows);
}

/** JS copies of frozen embedding tables, read once per table (wasm/cpu only, small tables only). */
const hostTables = new WeakMap<tf.Tensor, Float32Array>();
const HOST_TABLE_MAX_ELEMENTS = 1 << 22; // 16 MB: stories260K's is 32K; a 150K-vocab table stays on tf.gather

/**
 * Embedding rows of the token ids. On wasm and cpu a small frozen table (not a trainable variable, as
 * under LoRA) is looked up in plain JS: wasm's GatherV2 takes ~10 ms for a quick-profile batch, a row
 * copy well under one. Elsewhere (WebGPU has no synchronous read; large vocabularies would double
 * their memory) and for a trainable table, whose gradient must reach it, tf.gather does it.
 */
function embedTokens(embed: tf.Tensor2D, idArray: Int32Array): tf.Tensor2D {
  const [vocab, dim] = embed.shape;
  for (let n = 0; n < idArray.length; n++) {
    const id = idArray[n]!;
    if (!(id >= 0 && id < vocab)) throw new Error(`token id ${id} at position ${n} is outside the vocabulary (0..${vocab - 1})`);
  }
  const backend = tf.getBackend();
  const hostLookup = !(embed instanceof tf.Variable && embed.trainable) && (backend === 'wasm' || backend === 'cpu') && syncReadsWork() && embed.size <= HOST_TABLE_MAX_ELEMENTS;
  if (!hostLookup) return tf.gather(embed, tf.tensor1d(idArray, 'int32')) as tf.Tensor2D;
  let table = hostTables.get(embed);
  if (!table) hostTables.set(embed, (table = embed.dataSync() as Float32Array));
  const out = new Float32Array(idArray.length * dim);
  for (let n = 0; n < idArray.length; n++) out.set(table.subarray(idArray[n]! * dim, (idArray[n]! + 1) * dim), n * dim);
  return tf.tensor2d(out, [idArray.length, dim]);
}

/** The trainable tensors a layer reads: its own weights when fully fine-tuned, and the adapter's. */
function trainables(l: LayerWeights, i: number, adapter: ProjectionAdapter | undefined): tf.Variable[] {
  const own = Object.values(l).filter((t): t is tf.Variable => t instanceof tf.Variable && t.trainable);
  return [...own, ...(adapter?.layerVariables(i) ?? [])];
}

/** Run the decoder over a padded batch. Call inside tf.tidy (or dispose the outputs). */
export function forward(model: Decoder, batch: TokenBatch, opts: ForwardOptions): ForwardOutput {
  const x = embedTokens(model.weights.embed, batch.ids); // [B·T, dim]
  const hiddenStates = runLayers(model, batch, x, 0, model.config.nLayers, opts);
  return { hiddenStates, lastHidden: hiddenStates[hiddenStates.length - 1]! };
}

/**
 * Layers from..to−1 on the states `x` [batch·seq, dim] entering layer `from` (0-based): returns
 * to − from + 1 tensors [batch, seq, dim], `x` first, then each layer's output; when `to` is the last
 * layer, the last one after the final RMSNorm (as `forward`'s hiddenStates from index `from`).
 */
function runLayers(model: Decoder, batch: TokenBatch, x: tf.Tensor2D, from: number, to: number, opts: ForwardOptions): tf.Tensor3D[] {
  const c = model.config;
  const w = model.weights;
  const { batch: B, seqLen: T } = batch;
  const G = c.nHeads / c.nKvHeads;
  const positions = positionsFromMask(batch);
  const ropeQ = ropeTables(positions, c.nHeads, c.headDim, c.ropeTheta, 1 / Math.sqrt(c.headDim));
  const ropeK = ropeTables(positions, c.nKvHeads, c.headDim, c.ropeTheta);
  const bias = attentionBias(batch, G, opts.attention);
  const packing = opts.skipPadding ? realRows(batch.mask) : undefined;
  const packIndices = packing ? [tf.tensor1d(packing.keep, 'int32'), tf.tensor1d(packing.unpack, 'int32')] : [];
  const constants = [ropeQ.cos, ropeQ.sin, ropeQ.swap, ropeK.cos, ropeK.sin, ropeK.swap, bias, ...packIndices];
  const rowsOf = (index: tf.Tensor[]): PackedRows | undefined => packing && { keep: packing.keep, paddedRows: packing.paddedRows, keepIndex: index[0] as tf.Tensor1D, unpackIndex: index[1] as tf.Tensor1D };
  const states: tf.Tensor2D[] = [x];
  // with skipPadding the layers run on the real-token rows; each returned state is unpacked
  const rows = rowsOf(packIndices);
  if (rows) x = packRows(x, rows);
  w.layers.slice(from, to).forEach((l, j) => {
    const i = from + j;
    const layer = (input: tf.Tensor2D, [qCos, qSin, qSwap, kCos, kSin, kSwap, mask, ...index]: tf.Tensor[]): tf.Tensor2D => {
      const rq = { cos: qCos, sin: qSin, swap: qSwap } as RopeTables, rk = { cos: kCos, sin: kSin, swap: kSwap } as RopeTables;
      const rows = rowsOf(index);
      const h = tf.add(input, attention(c, l, i, rmsNorm(input, l.attnNorm, c.normEps), batch, rq, rk, mask as tf.Tensor4D, opts, rows)) as tf.Tensor2D;
      return tf.add(h, mlp(l, i, rmsNorm(h, l.mlpNorm, c.normEps), opts, rows)) as tf.Tensor2D;
    };
    // One tidy per layer frees its intermediates as soon as the layer is done (a gradient tape keeps
    // what its backward pass needs): without it a 32×64 SmolLM2 batch held every layer's at once (4.1 GB).
    const input = x;
    x = opts.checkpointLayers ? checkpointed(layer, input, constants, trainables(l, i, opts.adapter), opts.adapter) : tf.tidy(() => layer(input, constants));
    states.push(x);
  });
  if (to === c.nLayers) states[states.length - 1] = rmsNorm(x, w.finalNorm, c.normEps);
  return states.map((s, n) => (rows && n > 0 ? unpackRows(s, rows) : s).reshape([B, T, c.dim]) as tf.Tensor3D);
}

/**
 * The frozen prefix: embeddings and layers 0..frozen−1 without any adapter, as `forward`'s
 * hiddenStates[0..frozen] (frozen + 1 tensors [batch, seq, dim]; none after the final norm unless
 * frozen is every layer; `skipPadding`: see ForwardOptions). Call inside tf.tidy.
 */
export function forwardPrefix(model: Decoder, batch: TokenBatch, frozen: number, attention: AttentionMode, skipPadding = false): tf.Tensor3D[] {
  if (!(Number.isInteger(frozen) && frozen >= 0 && frozen <= model.config.nLayers)) throw new RangeError(`forwardPrefix: ${frozen} frozen layers of ${model.config.nLayers}`);
  return runLayers(model, batch, embedTokens(model.weights.embed, batch.ids), 0, frozen, { attention, skipPadding });
}

/**
 * The decoder from layer `from` (0-based) on, given the states entering it, `entering` [batch·seq,
 * dim] (from forwardPrefix or the prefix cache, src/embedding/prefix-cache.ts): `forward`'s
 * hiddenStates[from..nLayers], the first being `entering`, the last after the final norm. With
 * from = 0 and the embeddings it is `forward`. Call inside tf.tidy.
 */
export function forwardFrom(model: Decoder, batch: TokenBatch, entering: tf.Tensor2D, from: number, opts: ForwardOptions): tf.Tensor3D[] {
  const L = model.config.nLayers;
  if (!(Number.isInteger(from) && from >= 0 && from < L)) throw new RangeError(`forwardFrom: layer ${from} of ${L}`);
  if (entering.shape[0] !== batch.batch * batch.seqLen || entering.shape[1] !== model.config.dim) {
    throw new RangeError(`forwardFrom: entering states [${entering.shape}] for a batch of ${batch.batch} × ${batch.seqLen} at width ${model.config.dim}`);
  }
  return runLayers(model, batch, entering, from, L, opts);
}

/** Next-token logits [batch·seq, vocab] from the final hidden state. */
export function logits(model: Decoder, lastHidden: tf.Tensor3D): tf.Tensor2D {
  const h = lastHidden.reshape([-1, model.config.dim]) as tf.Tensor2D;
  return model.weights.lmHead ? tf.matMul(h, model.weights.lmHead) : tf.matMul(h, model.weights.embed, false, true);
}
