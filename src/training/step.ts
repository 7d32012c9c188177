// One optimizer step of contrastive fine-tuning, the one the trainer, scripts/gpu-check.ts and the
// benches take: hard-negative InfoNCE over queries, positives and negatives embedded in one forward,
// gradients summed over micro-batches and averaged, global-norm clipping, AdamW.
import * as tf from '@tensorflow/tfjs';
import type { AdamW } from './adamw.ts';
import { hardNegativeInfoNCE } from './loss.ts';
import { embedBatch } from '../embedding/embedder.ts';
import { preparePrefix } from '../embedding/prefix-cache.ts';
import type { EmbeddingModel } from '../embedding/embedding-model.ts';
import { padBatch, type TokenBatch } from '../model/batch.ts';

/**
 * The tokenized (query, positive, negative) triples of a micro-batch as one left-padded batch:
 * queries, then positives, then negatives, so one forward serves all three (fewer, larger ops).
 */
export function tripleBatch(seqs: readonly (readonly number[][])[], padId: number): TokenBatch {
  return padBatch([...seqs.map((s) => s[0]!), ...seqs.map((s) => s[1]!), ...seqs.map((s) => s[2]!)], 'left', padId);
}

export interface MicroBatch {
  /** from tripleBatch: `triples` queries, then as many positives and negatives */
  batch: TokenBatch;
  triples: number;
  /** seeds LoRA's dropout masks for this micro-batch */
  dropoutSeed: number;
  /** where it is, for errors: "step 3, micro-batch 0 (triples 4,1,…)" */
  label: string;
}

/** The loss of a micro-batch and its gradients, keyed by the names of `vars`. */
export async function microBatchGradients(
  em: EmbeddingModel, vars: Record<string, tf.Variable>, mb: MicroBatch, scale: number, checkpointLayers = false,
): Promise<{ loss: number; grads: Record<string, tf.Tensor> }> {
  await preparePrefix(em, mb.batch); // the frozen prefix of each text, outside the tape (loraLayers < L)
  em.lora?.beginStep(mb.dropoutSeed);
  if (em.lora) em.lora.training = true;
  const { value, grads } = tf.variableGrads(() => {
    const e = embedBatch(em, mb.batch, true, checkpointLayers);
    const B = mb.triples;
    const [q, p, n] = tf.split(e, [B, B, B], 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    return hardNegativeInfoNCE(q, p, n, scale);
  }, Object.values(vars));
  if (em.lora) em.lora.training = false;
  const loss = (await value.data())[0]!;
  value.dispose();
  // variableGrads keys gradients by variable name; map back to our names
  const named: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(vars)) named[k] = grads[v.name]!;
  return { loss, grads: named };
}

/** Global L2 norm: one read for all squared norms, summed in float64 in variable order. */
export async function globalNorm(grads: Record<string, tf.Tensor>): Promise<number> {
  const squares = tf.tidy(() => tf.stack(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
  let sumSquares = 0;
  for (const x of await squares.data()) sumSquares += x;
  squares.dispose();
  return Math.sqrt(sumSquares);
}

export interface StepOptions {
  scale: number;
  clipNorm: number;
  lr: number;
  /** micro-batches whose gradients are averaged into this step */
  gradAccum: number;
  /** recompute the decoder's layers in the backward pass instead of keeping their activations */
  checkpointLayers?: boolean;
  /** the step, for errors: "step 3" */
  label: string;
  /** a non-finite loss or norm: what went wrong → the error to throw (the caller adds where to resume) */
  fail: (what: string) => Error;
  /** sees each micro-batch's raw gradients (gpu-check saves them) */
  onGradients?: (grads: Record<string, tf.Tensor>) => Promise<void>;
}

/**
 * One optimizer step over `gradAccum` micro-batches (built on demand by `microBatch(m)`). Returns the
 * mean loss and the gradient's global norm before clipping.
 */
export async function trainStep(
  em: EmbeddingModel, vars: Record<string, tf.Variable>, adam: AdamW, microBatch: (m: number) => MicroBatch, opts: StepOptions,
): Promise<{ loss: number; norm: number }> {
  let accumulated: Record<string, tf.Tensor> | undefined;
  let lossSum = 0;
  for (let m = 0; m < opts.gradAccum; m++) {
    const mb = microBatch(m);
    const { loss, grads } = await microBatchGradients(em, vars, mb, opts.scale, opts.checkpointLayers);
    if (!Number.isFinite(loss)) {
      tf.dispose(Object.values(grads));
      if (accumulated) tf.dispose(Object.values(accumulated));
      throw opts.fail(`loss is ${loss} at ${mb.label}`);
    }
    lossSum += loss;
    if (opts.onGradients) await opts.onGradients(grads);
    if (!accumulated) accumulated = grads;
    else {
      const sum: Record<string, tf.Tensor> = {};
      for (const k of Object.keys(vars)) sum[k] = tf.add(accumulated[k]!, grads[k]!);
      tf.dispose([...Object.values(accumulated), ...Object.values(grads)]);
      accumulated = sum;
    }
  }
  const mean = tf.tidy(() => Object.fromEntries(Object.entries(accumulated!).map(([k, g]) => [k, tf.div(g, opts.gradAccum)])));
  tf.dispose(Object.values(accumulated!));
  const norm = await globalNorm(mean);
  if (!Number.isFinite(norm)) {
    tf.dispose(Object.values(mean));
    throw opts.fail(`gradient norm is ${norm} at ${opts.label}`);
  }
  const factor = norm > opts.clipNorm ? opts.clipNorm / (norm + 1e-6) : 1;
  const clipped = tf.tidy(() => Object.fromEntries(Object.entries(mean).map(([k, g]) => [k, tf.mul(g, factor)])));
  tf.dispose(Object.values(mean));
  adam.apply(clipped, opts.lr);
  tf.dispose(Object.values(clipped));
  return { loss: lossSum / opts.gradAccum, norm };
}
