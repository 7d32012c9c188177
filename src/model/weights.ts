// The tensors of a Llama-family decoder. Linear weights are stored [in, out] so that a projection is
// the plain product x·W (no transposed matMul, which is slow on wasm).
import * as tf from '@tensorflow/tfjs';
import type { DecoderConfig } from './config.ts';

export interface LayerWeights {
  attnNorm: tf.Tensor1D;
  wq: tf.Tensor2D; // [dim, nHeads·headDim]
  wk: tf.Tensor2D; // [dim, nKvHeads·headDim]
  wv: tf.Tensor2D; // [dim, nKvHeads·headDim]
  wo: tf.Tensor2D; // [nHeads·headDim, dim]
  bq?: tf.Tensor1D;
  bk?: tf.Tensor1D;
  bv?: tf.Tensor1D;
  bo?: tf.Tensor1D; // Llama with attention_bias
  mlpNorm: tf.Tensor1D;
  wGate: tf.Tensor2D; // [dim, hiddenDim]
  wUp: tf.Tensor2D; // [dim, hiddenDim]
  wDown: tf.Tensor2D; // [hiddenDim, dim]
}

export interface DecoderWeights {
  embed: tf.Tensor2D; // [vocab, dim]
  layers: LayerWeights[];
  finalNorm: tf.Tensor1D;
  /** [dim, vocab]; absent when tied to `embed` */
  lmHead?: tf.Tensor2D;
}

export interface Decoder {
  config: DecoderConfig;
  weights: DecoderWeights;
  /** where it was loaded from, for logs and cache keys */
  source: string;
}

export function disposeWeights(w: DecoderWeights): void {
  const all: tf.Tensor[] = [w.embed, w.finalNorm];
  if (w.lmHead) all.push(w.lmHead);
  for (const l of w.layers) for (const t of Object.values(l)) if (t) all.push(t as tf.Tensor);
  tf.dispose(all);
}

export function countParameters(w: DecoderWeights): number {
  let n = w.embed.size + w.finalNorm.size + (w.lmHead?.size ?? 0);
  for (const l of w.layers) for (const t of Object.values(l)) if (t) n += (t as tf.Tensor).size;
  return n;
}

/**
 * Reorder the rows of a q or k projection stored [out, in] from llama2.c/Meta's interleaved RoPE
 * pairs (2i, 2i+1) to Hugging Face's half-split pairs (i, i + headDim/2) — the permutation of HF's
 * convert_llama_weights_to_hf.py. The decoder uses the half-split convention.
 */
export function permuteRopeRows(w: Float32Array, nHeads: number, headDim: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < nHeads; h++) {
    for (let j = 0; j < headDim; j++) {
      const src = j < half ? 2 * j : 2 * (j - half) + 1;
      out.set(w.subarray((h * headDim + src) * cols, (h * headDim + src + 1) * cols), (h * headDim + j) * cols);
    }
  }
  return out;
}

/** Transpose a row-major [rows, cols] matrix into [cols, rows] (PyTorch's [out, in] → our [in, out]). */
export function transposeMatrix(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}
