// LayerNorm over the last axis, y = γ ⊙ (x − μ)/sqrt(σ² + eps) + β, as one op with its own gradient:
//   dx = r ⊙ (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)),  g = γ ⊙ dy,  x̂ = (x − μ)·r,  r = 1/sqrt(σ² + eps)
//   dγ = Σ dy ⊙ x̂,  dβ = Σ dy  (sums over every axis but the last)
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.ts';

export function layerNormOp(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  const rows = [...x.shape.keys()].slice(0, -1);
  return customOp([x, gamma, beta], ([xi], save) => {
    const { mean, variance } = tf.moments(xi!, -1, true);
    const r = tf.rsqrt(tf.add(variance, eps));
    const xh = tf.mul(tf.sub(xi!, mean), r);
    save([xh, r]);
    return {
      value: tf.add(tf.mul(xh, gamma), beta),
      gradFunc: (dy, [sxh, sr]) => {
        const g = tf.mul(dy, gamma);
        const dx = tf.mul(tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(sxh!, tf.mean(tf.mul(g, sxh!), -1, true))), sr!);
        return [dx, tf.sum(tf.mul(dy, sxh!), rows), tf.sum(dy, rows)];
      },
    };
  });
}
