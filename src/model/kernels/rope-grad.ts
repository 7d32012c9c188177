// Rotary position embedding (RoPE, half-split pairs (i, i + headDim/2) as in Hugging Face's Llama) as
// one op with its own gradient. rope(x) = x ⊙ cos + (x·P) ⊙ sin, where P [headDim, headDim] is the
// fixed permutation that swaps the two halves of a head (applied to x viewed as [rows·heads,
// headDim]) and `sin` carries rotate_half's sign: two same-shape products and one 2-D matMul instead
// of a split, four broadcast products and a concat (slow on wasm). P swaps halves, so P = Pᵀ = P⁻¹
// and the gradient is dy ⊙ cos + (dy ⊙ sin)·P.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-grad.ts';

export interface RopeTables {
  /** [rows, heads·headDim]: cos of each token's angle, repeated over both halves and every head (× scale) */
  cos: tf.Tensor2D;
  /** the same for sin, negated on each head's first half (rotate_half's sign) */
  sin: tf.Tensor2D;
  /** [headDim, headDim] half-swap permutation */
  swap: tf.Tensor2D;
}

/**
 * Tables for `heads` heads at the given token positions. `scale` multiplies both tables (the attention's
 * 1/sqrt(headDim) folded into the queries). Angles follow float32 arithmetic as the reference
 * implementations compute them.
 */
export function ropeTables(positions: Int32Array, heads: number, headDim: number, theta: number, scale = 1): RopeTables {
  const half = headDim / 2;
  const width = heads * headDim;
  const invFreq = Float64Array.from({ length: half }, (_, i) => Math.fround(1 / Math.pow(theta, (2 * i) / headDim)));
  const cos = new Float32Array(positions.length * width);
  const sin = new Float32Array(positions.length * width);
  const c = new Float32Array(headDim), s = new Float32Array(headDim); // one head's row
  for (let n = 0; n < positions.length; n++) {
    for (let i = 0; i < half; i++) {
      const a = Math.fround(positions[n]! * invFreq[i]!);
      c[i] = c[i + half] = Math.cos(a) * scale;
      s[i] = -Math.sin(a) * scale; // rotate_half's sign on the first half
      s[i + half] = Math.sin(a) * scale;
    }
    for (let h = 0; h < heads; h++) {
      cos.set(c, n * width + h * headDim);
      sin.set(s, n * width + h * headDim);
    }
  }
  const swap = new Float32Array(headDim * headDim);
  for (let j = 0; j < headDim; j++) swap[((j + half) % headDim) * headDim + j] = 1; // column j of x·P reads x[partner of j]
  return {
    cos: tf.tensor2d(cos, [positions.length, width]),
    sin: tf.tensor2d(sin, [positions.length, width]),
    swap: tf.tensor2d(swap, [headDim, headDim]),
  };
}

/** x [rows, heads·headDim] rotated by the tables' angles (and scaled by their scale). */
export function applyRope(x: tf.Tensor2D, t: RopeTables): tf.Tensor2D {
  const headDim = t.swap.shape[0];
  // the half swap of every head: x viewed as [rows·heads, headDim] times P
  const swapHalves = (y: tf.Tensor, swap: tf.Tensor) => tf.matMul(y.reshape([-1, headDim]) as tf.Tensor2D, swap as tf.Tensor2D).reshape(y.shape);
  return customOp([x], ([xi], save) => {
    save([t.cos, t.sin, t.swap]); // kept for the backward pass (the forward's scope disposes the tables)
    return {
      value: tf.add(tf.mul(xi!, t.cos), tf.mul(swapHalves(xi!, t.swap), t.sin)),
      gradFunc: (dy, [cos, sin, swap]) => [tf.add(tf.mul(dy, cos!), swapHalves(tf.mul(dy, sin!), swap!))],
    };
  }) as tf.Tensor2D;
}
