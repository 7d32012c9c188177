// The SwiGLU gate of Llama's MLP, silu(gate) ⊙ up, as one op with its own gradient:
//   d up = dy ⊙ gate·σ(gate),  d gate = dy ⊙ up ⊙ (σ + gate·σ·(1 − σ))
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.ts';

export function swiGlu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  return customOp([gate, up], ([g, u], save) => {
    const s = tf.sigmoid(g!);
    const gs = tf.mul(g!, s);
    save([u!, s, gs]);
    return {
      value: tf.mul(gs, u!),
      gradFunc: (dy, [su, ss, sgs]) => [tf.mul(tf.mul(dy, su!), tf.sub(tf.add(ss!, sgs!), tf.mul(sgs!, ss!))), tf.mul(dy, sgs!)],
    };
  }) as tf.Tensor2D;
}
