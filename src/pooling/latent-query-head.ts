// The authors' trainable pooling block (Models 2–5): trainable latents are the QUERIES of a
// multi-head cross-attention over the input vectors; then a pre-norm GEGLU feed-forward with a
// residual; then the mean over latents.
import * as tf from '@tensorflow/tfjs';
import { ParamFactory, crossAttention, crossAttentionParams, feedForward, feedForwardParams } from './blocks.ts';
import type { HeadSizes } from './head-sizes.ts';
import type { PackedRows } from '../model/packed-rows.ts';

export class LatentQueryHead {
  readonly params: ParamFactory;
  private readonly latents: { value: tf.Tensor };
  private readonly attn;
  private readonly ff;

  /** lrScale: the head's learning rate relative to the run's (ParamFactory); 1 = the authors' */
  constructor(dim: number, sizes: HeadSizes, seed: number, lrScale = 1) {
    this.params = new ParamFactory(seed, lrScale);
    this.latents = this.params.view({ value: this.params.normal('latents', [sizes.latents, dim], 1) });
    this.attn = crossAttentionParams(this.params, 'cross_attn', dim, dim, sizes.heads, sizes.headDim);
    this.ff = feedForwardParams(this.params, 'ff', dim, sizes.ffMult);
  }

  /** inputs [B, N, dim] with keyMask [B, N] (or none) → [B, dim]; `rows`: keyMask's ones, whose
   *  keys and values alone are computed */
  apply(inputs: tf.Tensor3D, keyMask?: tf.Tensor2D, rows?: PackedRows): tf.Tensor2D {
    // the latents are the same for every sequence: their norm and query projection run once
    const latents = this.latents.value as tf.Tensor2D;
    let x = tf.add(latents, crossAttention(this.attn, latents, inputs, keyMask, rows)) as tf.Tensor3D;
    x = tf.add(x, feedForward(this.ff, x)) as tf.Tensor3D;
    return tf.mean(x, 1) as tf.Tensor2D;
  }
}
