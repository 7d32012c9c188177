// The real-token rows of a padded batch, for work that skips padding: the decoder's layers
// (src/model/decoder.ts skipPadding) and the heads whose per-token work never reaches a padded
// position (src/pooling/). A padded [batch·seq, w] matrix is packed to its n real rows, and packed
// rows go back to the padded layout with zeros at padding. A training batch of e-SNLI triples is
// 43% real tokens (SmolLM2 tokens, 8 triples, maxLen 64).
import * as tf from '@tensorflow/tfjs';

export interface PackedRows {
  /** packed row i is padded row keep[i] */
  keep: Int32Array;
  paddedRows: number;
  /** `keep` as a tensor, and each padded row's packed row (padding: n, the zero row after the last) */
  keepIndex: tf.Tensor1D;
  unpackIndex: tf.Tensor1D;
}

/** The rows where mask is 1, on the host (no tensors); undefined when there is no padding. */
export function realRows(mask: ArrayLike<number>): { keep: Int32Array; unpack: Int32Array; paddedRows: number } | undefined {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  if (n === mask.length) return undefined;
  const keep = new Int32Array(n), unpack = new Int32Array(mask.length);
  for (let i = 0, k = 0; i < mask.length; i++) {
    if (mask[i]) { keep[k] = i; unpack[i] = k++; } else unpack[i] = n;
  }
  return { keep, unpack, paddedRows: mask.length };
}

/** The real rows of a padded batch with their index tensors (undefined: no padding). Call inside tf.tidy. */
export function packedRows(mask: ArrayLike<number>): PackedRows | undefined {
  const r = realRows(mask);
  return r && { keep: r.keep, paddedRows: r.paddedRows, keepIndex: tf.tensor1d(r.keep, 'int32'), unpackIndex: tf.tensor1d(r.unpack, 'int32') };
}

/** Padded rows [batch·seq, w] → the real ones [n, w]. */
export function packRows(x: tf.Tensor2D, rows: PackedRows): tf.Tensor2D {
  return tf.gather(x, rows.keepIndex) as tf.Tensor2D;
}

/** Packed rows [n, w] → the padded layout [batch·seq, w], zeros at padding. */
export function unpackRows(x: tf.Tensor2D, rows: PackedRows): tf.Tensor2D {
  return tf.gather(tf.concat([x, tf.zeros([1, x.shape[1]])], 0), rows.unpackIndex) as tf.Tensor2D;
}
