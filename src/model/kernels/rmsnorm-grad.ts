// RMSNorm, y = w ⊙ x / sqrt(mean(x²) + eps), as one op with its own gradient:
//   dx = r ⊙ (g − x̂ ⊙ mean(g ⊙ x̂)),  g = w ⊙ dy, x̂ = r ⊙ x, r = 1/sqrt(mean(x²) + eps)
// (six elementwise ops instead of the dozen autodiff records). The gain's gradient, sum over rows of
// dy ⊙ x̂, is computed only when `w` is a trainable variable (a frozen base model's norms are not).
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.ts';

export function rmsNorm(x: tf.Tensor2D, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  const trainW = w instanceof tf.Variable && w.trainable;
  return customOp(trainW ? [x, w] : [x], ([xi], save) => {
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(xi!), -1, true), eps));
    const xh = tf.mul(xi!, r);
    save([xh, r]);
    return {
      value: tf.mul(xh, w),
      gradFunc: (dy, [sxh, sr]) => {
        const g = tf.mul(dy, w);
        const dx = tf.mul(tf.sub(g, tf.mul(sxh!, tf.mean(tf.mul(g, sxh!), -1, true))), sr!);
        return trainW ? [dx, tf.sum(tf.mul(dy, sxh!), 0)] : [dx];
      },
    };
  }) as tf.Tensor2D;
}
