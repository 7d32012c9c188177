// The authors' contrastive loss: InfoNCE over cosine similarity × scale (20, i.e. temperature 0.05),
// where each query's candidates are every positive and every hard negative in the batch.
import * as tf from '@tensorflow/tfjs';

/** q, p, n: [B, d] embeddings (normalised here); returns the mean cross-entropy, a scalar. */
export function hardNegativeInfoNCE(q: tf.Tensor2D, p: tf.Tensor2D, n: tf.Tensor2D, scale = 20): tf.Scalar {
  return tf.tidy(() => {
    const norm = (x: tf.Tensor2D) => tf.div(x, tf.maximum(tf.norm(x, 2, -1, true), 1e-12)) as tf.Tensor2D;
    const candidates = tf.concat([norm(p), norm(n)], 0); // [2B, d]: positive of query i at row i
    const logits = tf.mul(tf.matMul(norm(q), candidates.transpose()), scale) as tf.Tensor2D; // [B, 2B]
    const B = q.shape[0];
    const logProbs = tf.logSoftmax(logits, -1);
    const target = tf.oneHot(tf.range(0, B, 1, 'int32'), 2 * B).toFloat();
    return tf.neg(tf.mean(tf.sum(tf.mul(logProbs, target), -1))) as tf.Scalar;
  });
}
