// Softmax attention, softmax(q·kᵀ + bias)·v, as one op with its own gradient:
//   dP = dO·vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),  dq = dS·k,  dk = dSᵀ·q,  dv = Pᵀ·dO
// Every product is batched (the transposed ones are read in place by the wasm kernels), and autodiff
// records one op instead of the products, bias add and softmax. Used by the decoder's grouped-query
// attention and by the pooling heads' cross-attention.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.ts';

/**
 * q [N, Lq, D] (any score scale already applied), k [N, Lk, D], v [N, Lk, Dv] → [N, Lq, Dv].
 * `bias` (additive, e.g. 0 / −1e9) has shape [N / groups, 1, Lq or 1, Lk] and is shared by `groups`
 * consecutive items of the batch (the heads of one sequence); omit it for no mask.
 */
export function softmaxAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, bias?: tf.Tensor4D, groups = 1): tf.Tensor3D {
  const [N, Lq] = q.shape;
  const Lk = k.shape[1];
  return customOp([q, k, v], ([qi, ki, vi], save) => {
    let scores: tf.Tensor = tf.matMul(qi as tf.Tensor3D, ki as tf.Tensor3D, false, true);
    if (bias) scores = tf.add(scores.reshape([N / groups, groups, Lq, Lk]), bias);
    const p = tf.softmax(scores, -1).reshape([N, Lq, Lk]) as tf.Tensor3D;
    save([qi!, ki!, vi!, p]);
    return {
      value: tf.matMul(p, vi as tf.Tensor3D),
      gradFunc: (dy, saved) => {
        const [sq, sk, sv, sp] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        const dO = dy as tf.Tensor3D;
        const dP = tf.matMul(dO, sv, false, true);
        const dS = tf.mul(sp, tf.sub(dP, tf.sum(tf.mul(dP, sp), -1, true))) as tf.Tensor3D;
        return [tf.matMul(dS, sk), tf.matMul(dS, sq, true, false), tf.matMul(sp, dO, true, false)];
      },
    };
  }) as tf.Tensor3D;
}

export interface AttentionShape {
  batch: number;
  seqLen: number;
  heads: number;
  kvHeads: number;
  headDim: number;
}

/**
 * Grouped-query attention over [B·T, ·] rows. q [B·T, H·D] (scaled by 1/sqrt(D) already), k, v
 * [B·T, K·D]; bias [B, 1, G·T, T] (rows group-major: row g·T + t). The G query heads that share kv
 * head j are stacked along the rows, so each (sequence, kv head) is one [G·T, D] × [D, T] product and
 * k/v are never repeated. Returns [B·T, H·D], heads in q's order.
 */
export function groupedAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, bias: tf.Tensor4D, s: AttentionShape): tf.Tensor2D {
  const { batch: B, seqLen: T, heads: H, kvHeads: K, headDim: D } = s;
  const G = H / K;
  const qg = q.reshape([B, T, K, G, D]).transpose([0, 2, 3, 1, 4]).reshape([B * K, G * T, D]) as tf.Tensor3D;
  const kh = k.reshape([B, T, K, D]).transpose([0, 2, 1, 3]).reshape([B * K, T, D]) as tf.Tensor3D;
  const vh = v.reshape([B, T, K, D]).transpose([0, 2, 1, 3]).reshape([B * K, T, D]) as tf.Tensor3D;
  const out = softmaxAttention(qg, kh, vh, bias, K);
  return out.reshape([B, K, G, T, D]).transpose([0, 3, 1, 2, 4]).reshape([B * T, H * D]) as tf.Tensor2D;
}
