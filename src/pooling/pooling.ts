// The one interface every pooling implements, and the registry that names them. A pooling reads the
// decoder's hidden states and the padding mask and returns one vector per sequence (before L2
// normalisation). Trainable poolings own their variables, which are saved with the run.
import * as tf from '@tensorflow/tfjs';
import type { AttentionMode } from '../model/decoder.ts';
import type { DecoderConfig } from '../model/config.ts';
import type { PackedRows } from '../model/packed-rows.ts';

export interface PoolingInput {
  /** nLayers + 1 tensors [batch, seq, dim]: embeddings, then layer 1..L (the last after the final norm) */
  hiddenStates: tf.Tensor3D[];
  /** [batch, seq] 1 for real tokens, 0 for padding (float32) */
  mask: tf.Tensor2D;
  /** [batch] flat index (row·seq + t) of each sequence's last real token, the EOS (int32) */
  lastIndex: tf.Tensor1D;
  attention: AttentionMode;
  /** true while training (dropout, if a head has any) */
  training: boolean;
  /** the real tokens' rows of [batch·seq] (undefined: no padding), for a head whose per-token work
   *  need not touch padding (src/model/packed-rows.ts) */
  rows?: PackedRows;
}

export interface Pooling {
  readonly name: string;
  /** hyperparameters, saved as JSON beside the weights so the head can be rebuilt */
  readonly options: Record<string, unknown>;
  /** trainable tensors by name (empty for parameter-free poolings) */
  readonly variables: Record<string, tf.Variable>;
  pool(input: PoolingInput): tf.Tensor2D;
}

export interface PoolingFactory {
  name: string;
  description: string;
  /** `seed` makes the initial weights reproducible; `options` override the defaults for this model */
  create(model: DecoderConfig, options: Record<string, unknown>, seed: number): Pooling;
}

const registry = new Map<string, PoolingFactory>();

/** Add a pooling under its name (a notebook cell can register its own). Re-registering replaces it. */
export function registerPooling(factory: PoolingFactory): void {
  registry.set(factory.name, factory);
}

export function poolingNames(): string[] {
  return [...registry.keys()];
}

export function createPooling(name: string, model: DecoderConfig, options: Record<string, unknown> = {}, seed = 0): Pooling {
  const f = registry.get(name);
  if (!f) throw new Error(`unknown pooling '${name}'; registered: ${poolingNames().join(', ')}`);
  return f.create(model, options, seed);
}

/** The hidden state at each sequence's last real token, [batch, dim]. */
export function gatherLast(h: tf.Tensor3D, lastIndex: tf.Tensor1D): tf.Tensor2D {
  const [b, t, d] = h.shape;
  return tf.gather(h.reshape([b * t, d]), lastIndex) as tf.Tensor2D;
}

/** Mean over real tokens, [batch, dim]. */
export function maskedMean(h: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const m = mask.expandDims(2);
  return tf.div(tf.sum(tf.mul(h, m), 1), tf.maximum(tf.sum(m, 1), 1)) as tf.Tensor2D;
}

/** Read a numeric option, falling back to a default; a wrong type is an error naming the option. */
export function numberOption(options: Record<string, unknown>, key: string, fallback: number, pooling: string): number {
  const v = options[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`pooling '${pooling}': option ${key} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

export function boolOption(options: Record<string, unknown>, key: string, fallback: boolean, pooling: string): boolean {
  const v = options[key] ?? fallback;
  if (typeof v !== 'boolean') throw new Error(`pooling '${pooling}': option ${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}
