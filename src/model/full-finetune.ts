// Full fine-tuning: every decoder weight becomes a trainable variable (a copy, so the base model
// other designs share stays untouched). Names are stable so checkpoints can be saved and reloaded.
import * as tf from '@tensorflow/tfjs';
import type { Decoder, DecoderWeights, LayerWeights } from './weights.ts';

let uid = 0;

/** A copy of `model` whose weights are variables; returns it and its variables by name. */
export function trainableDecoder(model: Decoder): { model: Decoder; variables: Record<string, tf.Variable> } {
  const variables: Record<string, tf.Variable> = {};
  const v = (name: string, t: tf.Tensor) => (variables[name] = tf.variable(t, true, `decoder.${name}#${uid++}`));
  const w = model.weights;
  const layers = w.layers.map((l, i) => Object.fromEntries(
    Object.entries(l).filter(([, t]) => t).map(([k, t]) => [k, v(`layers.${i}.${k}`, t as tf.Tensor)]),
  ) as unknown as LayerWeights);
  const weights: DecoderWeights = {
    embed: v('embed', w.embed) as unknown as tf.Tensor2D,
    layers,
    finalNorm: v('final_norm', w.finalNorm) as unknown as tf.Tensor1D,
    lmHead: w.lmHead ? (v('lm_head', w.lmHead) as unknown as tf.Tensor2D) : undefined,
  };
  return { model: { ...model, weights, source: `${model.source} (fully fine-tuned)` }, variables };
}
