// NV-Embed's latent attention (the sixth design): the last layer's TOKENS are the queries and a
// trainable latent array is the keys/values; then a GEGLU MLP with a residual, then the masked mean
// over tokens. Default sizes: NV-Embed's (512 latents, 8 heads × 4096 at d = 4096) as fractions of d,
// see src/pooling/head-sizes.ts. `lrScale` (default 1) scales the head's learning rate against the
// run's (src/pooling/blocks.ts ParamFactory).
import * as tf from '@tensorflow/tfjs';
import { maskedMean, numberOption, registerPooling, type Pooling, type PoolingInput } from './pooling.ts';
import { ParamFactory, crossAttention, crossAttentionParams, feedForward, feedForwardParams } from './blocks.ts';
import { defaultLatentAttentionSizes, headSizes } from './head-sizes.ts';
import type { DecoderConfig } from '../model/config.ts';
import { packRows, unpackRows } from '../model/packed-rows.ts';

export const latentAttentionPooling = {
  name: 'latent-attention',
  description: 'NV-Embed latent attention: tokens query a trainable latent array, MLP, masked mean',
  create(model: DecoderConfig, options: Record<string, unknown>, seed: number): Pooling {
    const name = 'latent-attention';
    const { latents, heads, headDim, ffMult } = headSizes(model, options, name, defaultLatentAttentionSizes(model));
    const lrScale = numberOption(options, 'lrScale', 1, name);
    const p = new ParamFactory(seed, lrScale);
    const kv = p.view({ value: p.normal('latents', [latents, model.dim], 1) });
    const attn = crossAttentionParams(p, 'cross_attn', model.dim, model.dim, heads, headDim);
    const ff = feedForwardParams(p, 'ff', model.dim, ffMult);
    return {
      name,
      options: { latents, heads, headDim, ffMult, ...(lrScale !== 1 ? { lrScale } : {}) },
      variables: p.variables,
      pool({ hiddenStates, mask, rows }: PoolingInput) {
        const last = hiddenStates.at(-1)!;
        const [B, T, d] = last.shape;
        // every token's work is its own and the mean masks padding: only the real tokens are computed,
        // as one sequence of them
        const tokens = rows ? packRows(last.reshape([B * T, d]) as tf.Tensor2D, rows).expandDims(0) as tf.Tensor3D : last;
        // the latents are the same for every sequence: their norm and key/value projections run once
        let x = tf.add(tokens, crossAttention(attn, tokens, kv.value as tf.Tensor2D)) as tf.Tensor3D;
        x = tf.add(x, feedForward(ff, x)) as tf.Tensor3D;
        if (rows) x = unpackRows(x.reshape([-1, d]) as tf.Tensor2D, rows).reshape([B, T, d]) as tf.Tensor3D;
        return maskedMean(x, mask);
      },
    };
  },
};
registerPooling(latentAttentionPooling);
