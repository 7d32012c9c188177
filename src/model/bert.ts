// BERT (Devlin et al. 2019) as an encoder in plain TensorFlow.js ops, in Hugging Face's BertModel
// layout: word + absolute position + token-type embeddings, LayerNorm, then post-LayerNorm
// layers (self-attention → add & LayerNorm → GELU MLP → add & LayerNorm). Bidirectional attention
// with the padding mask. Hidden states flow as 2-D [batch·seq, dim] matrices so every projection is
// one plain matMul. The pooler (a tanh layer on [CLS]) is not used by sentence encoders and not loaded.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { readSafetensorsFile } from './safetensors.ts';
import { transposeMatrix } from './weights.ts';

export interface BertConfig {
  vocabSize: number;
  dim: number;
  nLayers: number;
  nHeads: number;
  headDim: number;
  /** width of the MLP (HF `intermediate_size`) */
  hiddenDim: number;
  maxPositions: number;
  typeVocabSize: number;
  normEps: number;
  padId: number;
}

export interface BertLayerWeights {
  wq: tf.Tensor2D; bq: tf.Tensor1D;
  wk: tf.Tensor2D; bk: tf.Tensor1D;
  wv: tf.Tensor2D; bv: tf.Tensor1D;
  wo: tf.Tensor2D; bo: tf.Tensor1D;
  attnNormG: tf.Tensor1D; attnNormB: tf.Tensor1D;
  wUp: tf.Tensor2D; bUp: tf.Tensor1D;
  wDown: tf.Tensor2D; bDown: tf.Tensor1D;
  mlpNormG: tf.Tensor1D; mlpNormB: tf.Tensor1D;
}

export interface Bert {
  config: BertConfig;
  wordEmbed: tf.Tensor2D;
  positionEmbed: tf.Tensor2D;
  typeEmbed: tf.Tensor2D;
  embedNormG: tf.Tensor1D;
  embedNormB: tf.Tensor1D;
  layers: BertLayerWeights[];
}

/** HF config.json of a BertModel → BertConfig; refuses what this forward pass does not implement. */
export function parseBertConfig(json: unknown, file: string): BertConfig {
  const c = json as Record<string, unknown>;
  const num = (k: string): number => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: '${k}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const int = (k: string): number => {
    const v = num(k);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${file}: '${k}' must be a positive integer, got ${v}`);
    return v;
  };
  if (c.model_type !== 'bert') throw new Error(`${file}: model_type ${JSON.stringify(c.model_type)}, expected "bert"`);
  if ((c.position_embedding_type ?? 'absolute') !== 'absolute') throw new Error(`${file}: position_embedding_type ${JSON.stringify(c.position_embedding_type)}: only "absolute" is implemented`);
  // HF's "gelu" is the exact erf form (not the tanh approximation "gelu_new")
  if (c.hidden_act !== 'gelu') throw new Error(`${file}: hidden_act ${JSON.stringify(c.hidden_act)}: only "gelu" (erf) is implemented`);
  const dim = int('hidden_size');
  const nHeads = int('num_attention_heads');
  if (dim % nHeads !== 0) throw new Error(`${file}: hidden_size ${dim} is not a multiple of num_attention_heads ${nHeads}`);
  return {
    vocabSize: int('vocab_size'), dim, nLayers: int('num_hidden_layers'), nHeads, headDim: dim / nHeads,
    hiddenDim: int('intermediate_size'), maxPositions: int('max_position_embeddings'), typeVocabSize: int('type_vocab_size'),
    normEps: num('layer_norm_eps'), padId: typeof c.pad_token_id === 'number' ? c.pad_token_id : 0,
  };
}

/** A BertModel from its config.json and model.safetensors (HF names; linear weights [out, in]). */
export function loadBert(configFile: string, weightsFile: string): Bert {
  const config = parseBertConfig(JSON.parse(readFileSync(configFile, 'utf8')), configFile);
  // position_ids is an int64 arange buffer, not a weight; the pooler is unused by mean pooling
  const { tensors } = readSafetensorsFile(weightsFile, { skip: (n) => n === 'embeddings.position_ids' || n.startsWith('pooler.') });
  const used = new Set<string>();
  const created: tf.Tensor[] = [];
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new Error(`${weightsFile}: tensor '${name}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${weightsFile}: tensor '${name}' has shape [${t.shape}], ${configFile} implies [${shape}]`);
    }
    used.add(name);
    return t.data;
  };
  const keep = <T extends tf.Tensor>(t: T): T => { created.push(t); return t; };
  // [out, in] → our [in, out], so a projection is x·W
  const linear = (name: string, out: number, inp: number) => keep(tf.tensor2d(transposeMatrix(get(name, [out, inp]), out, inp), [inp, out]));
  const vector = (name: string, n: number) => keep(tf.tensor1d(get(name, [n])));
  const matrix = (name: string, rows: number, cols: number) => keep(tf.tensor2d(get(name, [rows, cols]), [rows, cols]));
  const { dim, hiddenDim } = config;
  try {
    const layers: BertLayerWeights[] = [];
    for (let i = 0; i < config.nLayers; i++) {
      const p = `encoder.layer.${i}.`;
      layers.push({
        wq: linear(`${p}attention.self.query.weight`, dim, dim), bq: vector(`${p}attention.self.query.bias`, dim),
        wk: linear(`${p}attention.self.key.weight`, dim, dim), bk: vector(`${p}attention.self.key.bias`, dim),
        wv: linear(`${p}attention.self.value.weight`, dim, dim), bv: vector(`${p}attention.self.value.bias`, dim),
        wo: linear(`${p}attention.output.dense.weight`, dim, dim), bo: vector(`${p}attention.output.dense.bias`, dim),
        attnNormG: vector(`${p}attention.output.LayerNorm.weight`, dim), attnNormB: vector(`${p}attention.output.LayerNorm.bias`, dim),
        wUp: linear(`${p}intermediate.dense.weight`, hiddenDim, dim), bUp: vector(`${p}intermediate.dense.bias`, hiddenDim),
        wDown: linear(`${p}output.dense.weight`, dim, hiddenDim), bDown: vector(`${p}output.dense.bias`, dim),
        mlpNormG: vector(`${p}output.LayerNorm.weight`, dim), mlpNormB: vector(`${p}output.LayerNorm.bias`, dim),
      });
    }
    const bert: Bert = {
      config, layers,
      wordEmbed: matrix('embeddings.word_embeddings.weight', config.vocabSize, dim),
      positionEmbed: matrix('embeddings.position_embeddings.weight', config.maxPositions, dim),
      typeEmbed: matrix('embeddings.token_type_embeddings.weight', config.typeVocabSize, dim),
      embedNormG: vector('embeddings.LayerNorm.weight', dim),
      embedNormB: vector('embeddings.LayerNorm.bias', dim),
    };
    const unused = [...tensors.keys()].filter((k) => !used.has(k));
    if (unused.length > 0) throw new Error(`${weightsFile}: ${unused.length} tensors not used by a BertModel, e.g. '${unused[0]}' (not a BERT checkpoint?)`);
    return bert;
  } catch (e) {
    tf.dispose(created);
    throw e;
  }
}

export function disposeBert(b: Bert): void {
  tf.dispose([b.wordEmbed, b.positionEmbed, b.typeEmbed, b.embedNormG, b.embedNormB, ...b.layers.flatMap((l) => Object.values(l) as tf.Tensor[])]);
}

/** LayerNorm over the last axis: (x − mean) / sqrt(var + eps) · g + b, biased variance as torch. */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b) as tf.Tensor2D;
}

/** GELU, exact: x · Φ(x) = x/2 · (1 + erf(x/√2)) (HF's "gelu"). */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as tf.Tensor2D;
}

function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
}

/** [B·T, H·hd] → [B, H, T, hd] */
function splitHeads(x: tf.Tensor2D, B: number, T: number, H: number, hd: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, [B, T, H, hd]), [0, 2, 1, 3]);
}

/**
 * The last hidden state [batch, seq, dim] for right-padded token ids (`mask` 1 = real). Positions
 * are 0…seq−1 and token types all 0, as sentence-transformers feeds one text; right padding keeps
 * every real token at its own position. Call inside tf.tidy.
 */
export function bertForward(bert: Bert, ids: Int32Array, mask: Uint8Array, batch: number, seqLen: number): tf.Tensor3D {
  const c = bert.config;
  const B = batch, T = seqLen, H = c.nHeads, hd = c.headDim;
  if (ids.length !== B * T || mask.length !== B * T) throw new Error(`bertForward: ${ids.length} ids and ${mask.length} mask values for batch ${B} × seq ${T}`);
  if (T > c.maxPositions) throw new Error(`bertForward: sequence of ${T} tokens exceeds max_position_embeddings ${c.maxPositions}`);
  for (const id of ids) if (id < 0 || id >= c.vocabSize) throw new Error(`bertForward: token id ${id} is outside the vocabulary (size ${c.vocabSize})`);
  const words = tf.gather(bert.wordEmbed, tf.tensor1d(ids, 'int32')); // [B·T, dim]
  const positions = tf.tile(tf.slice(bert.positionEmbed, [0, 0], [T, c.dim]), [B, 1]);
  const types = tf.slice(bert.typeEmbed, [0, 0], [1, c.dim]); // token type 0, broadcast
  let h = layerNorm(tf.add(tf.add(words, positions), types) as tf.Tensor2D, bert.embedNormG, bert.embedNormB, c.normEps);

  // additive key mask [B, 1, 1, T]: padding keys get -1e9 (exp underflows to exactly 0, as HF's finfo.min)
  const bias = new Float32Array(B * T);
  for (let i = 0; i < B * T; i++) bias[i] = mask[i] ? 0 : -1e9;
  const keyBias = tf.tensor4d(bias, [B, 1, 1, T]);
  const scale = 1 / Math.sqrt(hd);

  for (const l of bert.layers) {
    // one tidy per layer: a layer's intermediates (scores alone are batch·heads·seq² floats) are
    // freed before the next, so the peak stays one layer's worth, not the model's
    const next = tf.tidy(() => {
      const q = splitHeads(tf.mul(linear(h, l.wq, l.bq), scale) as tf.Tensor2D, B, T, H, hd);
      // k laid out [B, H, hd, T] so the scores are a plain batched matMul (wasm's transposed
      // BatchMatMul is much slower, see notes on toolchain)
      const kT = tf.transpose(tf.reshape(linear(h, l.wk, l.bk), [B, T, H, hd]), [0, 2, 3, 1]);
      const v = splitHeads(linear(h, l.wv, l.bv), B, T, H, hd);
      const probs = tf.softmax(tf.add(tf.matMul(q, kT), keyBias), -1);
      const ctx = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B * T, c.dim]) as tf.Tensor2D;
      const a = layerNorm(tf.add(linear(ctx, l.wo, l.bo), h) as tf.Tensor2D, l.attnNormG, l.attnNormB, c.normEps);
      const up = gelu(linear(a, l.wUp, l.bUp));
      return layerNorm(tf.add(linear(up, l.wDown, l.bDown), a) as tf.Tensor2D, l.mlpNormG, l.mlpNormB, c.normEps);
    });
    h.dispose();
    h = next;
  }
  return tf.reshape(h, [B, T, c.dim]);
}

/** Mean over real tokens (sentence-transformers' Pooling, mode mean): Σ h·mask / max(Σ mask, 1e-9). */
export function meanPool(hidden: tf.Tensor3D, mask: Uint8Array): tf.Tensor2D {
  const [B, T] = hidden.shape;
  const m = tf.tensor3d(Float32Array.from(mask), [B, T, 1]);
  return tf.div(tf.sum(tf.mul(hidden, m), 1), tf.maximum(tf.sum(m, 1), 1e-9)) as tf.Tensor2D;
}
