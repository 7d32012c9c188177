// GEGLU's gate, value ⊙ gelu(gate) with the exact (erf) GELU, as one op with its own gradient:
//   d value = dy ⊙ gelu(gate),  d gate = dy ⊙ value ⊙ (Φ(gate) + gate·φ(gate))
// where Φ and φ are the standard normal CDF and density.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.ts';

export function gegluOp(value: tf.Tensor, gate: tf.Tensor): tf.Tensor {
  return customOp([value, gate], ([v, g], save) => {
    const cdf = tf.mul(tf.add(tf.erf(tf.mul(g!, Math.SQRT1_2)), 1), 0.5);
    const gelu = tf.mul(g!, cdf);
    save([v!, g!, cdf, gelu]);
    return {
      value: tf.mul(v!, gelu),
      gradFunc: (dy, [sv, sg, scdf, sgelu]) => {
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(sg!), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return [tf.mul(dy, sgelu!), tf.mul(tf.mul(dy, sv!), tf.add(scdf!, tf.mul(sg!, pdf)))];
      },
    };
  });
}
