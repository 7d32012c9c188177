// Contrastive fine-tuning of one design: hard-negative InfoNCE, AdamW with linear warm-up and decay,
// gradient accumulation, global-norm clipping, LoRA (or full fine-tuning) plus the pooling head
// trained in full. Progress goes to stderr, the loss curve to loss.jsonl, checkpoints (weights and
// optimizer state) every few steps; `resume` continues from the last one and ends with the same
// bytes as an uninterrupted run.
import * as tf from '@tensorflow/tfjs';
import { existsSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW, linearWarmupDecay } from './adamw.ts';
import { hardNegativeInfoNCE } from './loss.ts';
import { Lora } from './lora.ts';
import { trainableDecoder } from './full-finetune.ts';
import type { Profile } from './profiles.ts';
import { assignTensors, loadVerifiedTensors, lossLogUpTo, readCheckpointState, saveTensors } from './checkpoint.ts';
import { ensureDir, writeFileAtomic, writeJsonAtomic } from '../io/atomic.ts';
import { createDesignPooling } from '../pooling/index.ts';
import { assertHeadCheckpointCurrent } from '../pooling/head-checkpoint.ts';
import type { Design } from '../designs.ts';
import { modelIdentity, type LoadedModel } from '../model/load.ts';
import type { Triple } from './triples.ts';
import { embedBatch, embeddingTokens, type EmbeddingModel } from '../embedding/embedder.ts';
import { padBatch, type TokenBatch } from '../model/batch.ts';
import { mulberry32, shuffled } from '../util/random.ts';
import { backendName } from '../backend/index.ts';
import { checkpointDir, checkpointStateFile, checkpointTensorsFile, designDir, finalConfigFile, finalDir, lossFile } from '../run-folder.ts';

export interface TrainOptions {
  design: Design;
  profile: Profile;
  seed: number;
  runDir: string;
  base: LoadedModel;
  triples: readonly Triple[];
  resume?: boolean;
  /** overrides profile.steps (tests) */
  steps?: number;
  log?: (line: string) => void;
}

export interface TrainResult {
  steps: number;
  finalLoss: number;
  seconds: number;
  tokensPerSecond: number;
  resumedFrom: number | null;
  /** the trained model, ready to encode */
  model: EmbeddingModel;
}

export interface RunConfig {
  design: Design;
  profile: string;
  seed: number;
  model: string;
  /** sha256 of the base model's files (src/model/load.ts modelIdentity): later stages check them */
  modelFiles?: Record<string, string>;
  maxLen: number;
  finetune: 'lora' | 'full';
  lora: Profile['lora'] | null;
  pooling: { name: string; options: Record<string, unknown> };
  steps: number;
  backend: string | undefined;
  files: Record<string, string>;
}

/** The trainable parts of a design on a base model: LoRA adapters (or the decoder) and the head. */
export function buildEmbeddingModel(base: LoadedModel, design: Design, profile: Profile, seed: number): EmbeddingModel {
  const pooling = createDesignPooling(design, base.model.config, profile.head, seed * 1000 + 1);
  const lora = design.trained && profile.finetune === 'lora' ? new Lora(base.model, profile.lora, seed * 1000 + 2) : undefined;
  const full = design.trained && profile.finetune === 'full' ? trainableDecoder(base.model) : undefined;
  return { model: full?.model ?? base.model, tokenizer: base.tokenizer, design, pooling, lora, maxLen: profile.maxLen, decoderVariables: full?.variables };
}

export function trainableVariables(em: EmbeddingModel): Record<string, tf.Variable> {
  const vars: Record<string, tf.Variable> = {};
  for (const [k, v] of Object.entries(em.pooling.variables)) vars[`head.${k}`] = v;
  for (const [k, v] of Object.entries(em.lora?.variables ?? {})) vars[`lora.${k}`] = v;
  for (const [k, v] of Object.entries(em.decoderVariables ?? {})) vars[`decoder.${k}`] = v;
  return vars;
}

/** Triple indices of micro-batch g: consecutive slices of per-epoch seeded permutations. */
export function microBatchIndices(g: number, batchSize: number, n: number, seed: number): number[] {
  const out: number[] = [];
  const perms = new Map<number, number[]>();
  for (let i = g * batchSize; i < (g + 1) * batchSize; i++) {
    const epoch = Math.floor(i / n);
    if (!perms.has(epoch)) perms.set(epoch, shuffled([...Array(n).keys()], mulberry32(seed * 100003 + epoch)));
    out.push(perms.get(epoch)![i % n]!);
  }
  return out;
}

/**
 * The tokenized (query, positive, negative) triples of a micro-batch as one left-padded batch:
 * queries, then positives, then negatives, so one forward serves all three (fewer, larger ops).
 */
export function tripleBatch(seqs: readonly (readonly number[][])[], padId: number): TokenBatch {
  return padBatch([...seqs.map((s) => s[0]!), ...seqs.map((s) => s[1]!), ...seqs.map((s) => s[2]!)], 'left', padId);
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
}

/**
 * Train one design. Asynchronous because every read of a loss, norm or weight goes through
 * `await tensor.data()`: WebGPU in Node has no synchronous read-back (src/backend/webgpu.ts).
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { design, profile, seed, runDir, base, triples } = opts;
  if (!design.trained) throw new Error(`design '${design.name}' is a zero-shot reference and is not trained`);
  if (triples.length === 0) throw new Error('no training triples');
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const total = opts.steps ?? profile.steps;
  ensureDir(designDir(runDir, design.name));
  const em = buildEmbeddingModel(base, design, profile, seed);
  const vars = trainableVariables(em);
  const adam = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: profile.weightDecay });
  const lossLog = lossFile(runDir, design.name);
  let start = 0;
  let resumedFrom: number | null = null;

  const ckDir = checkpointDir(runDir, design.name);
  if (opts.resume && existsSync(checkpointStateFile(runDir, design.name))) {
    const state = readCheckpointState(ckDir);
    if (state.seed !== seed) throw new Error(`${ckDir}: checkpoint was trained with seed ${state.seed}, not ${seed}`);
    const loaded = loadVerifiedTensors(checkpointTensorsFile(runDir, design.name), state.sha256);
    assertHeadCheckpointCurrent(em.pooling.variables, loaded, ckDir, 'head.');
    assignTensors(vars, loaded, ckDir);
    assignTensors(adam.m, loaded, ckDir, 'adam.m.');
    assignTensors(adam.v, loaded, ckDir, 'adam.v.');
    adam.step = state.step;
    start = resumedFrom = state.step;
    // keep the loss curve up to the checkpoint, drop what the killed run logged after it
    writeFileAtomic(lossLog, lossLogUpTo(lossLog, start, log));
    log(`[train ${design.name}] resumed from step ${start}`);
  } else {
    writeFileSync(lossLog, '');
  }

  const tok = base.tokenizer;
  // each triple is tokenized once, on first use (a quick-profile step would spend ~20 ms on it)
  const tokenized = new Map<number, number[][]>();
  const encodeTriple = (i: number) => {
    let seqs = tokenized.get(i);
    // a triple's instruction (if its run instructs training queries) goes on the query only
    if (!seqs) tokenized.set(i, (seqs = [triples[i]!.query, triples[i]!.positive, triples[i]!.negative].map((s, j) => embeddingTokens(tok, s, profile.maxLen, j === 0 ? triples[i]!.instruction ?? '' : ''))));
    return seqs;
  };
  const t0 = Date.now();
  let tokens = 0;
  let lastLoss = NaN;
  const every = Math.max(1, Math.round(total / 50));
  for (let step = start; step < total; step++) {
    const lr = linearWarmupDecay(step, profile.lr, profile.warmupSteps, total);
    let accumulated: Record<string, tf.Tensor> | undefined;
    let lossSum = 0;
    for (let m = 0; m < profile.gradAccum; m++) {
      const g = step * profile.gradAccum + m;
      const idx = microBatchIndices(g, profile.batchSize, triples.length, seed);
      const seqs = idx.map(encodeTriple);
      const batch = tripleBatch(seqs, tok.padId);
      tokens += batch.mask.reduce((a, b) => a + b, 0);
      em.lora?.beginStep(seed * 1_000_003 + g);
      if (em.lora) em.lora.training = true;
      const { value, grads } = tf.variableGrads(() => {
        const e = embedBatch(em, batch, true);
        const B = idx.length;
        const [q, p, n] = tf.split(e, [B, B, B], 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        return hardNegativeInfoNCE(q, p, n, profile.scale);
      }, Object.values(vars));
      if (em.lora) em.lora.training = false;
      const lossValue = (await value.data())[0]!;
      value.dispose();
      if (!Number.isFinite(lossValue)) {
        tf.dispose(Object.values(grads));
        if (accumulated) tf.dispose(Object.values(accumulated));
        throw new Error(`[train ${design.name}] loss is ${lossValue} at step ${step + 1}, micro-batch ${m} (triples ${idx.slice(0, 5).join(',')}…); the last good checkpoint is in ${ckDir}`);
      }
      lossSum += lossValue;
      // variableGrads keys gradients by variable name; map back to our names
      const named: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(vars)) named[k] = grads[v.name]!;
      if (!accumulated) accumulated = named;
      else {
        const sum: Record<string, tf.Tensor> = {};
        for (const k of Object.keys(vars)) sum[k] = tf.add(accumulated[k]!, named[k]!);
        tf.dispose([...Object.values(accumulated), ...Object.values(named)]);
        accumulated = sum;
      }
    }
    const loss = lossSum / profile.gradAccum;
    const mean = tf.tidy(() => Object.fromEntries(Object.entries(accumulated!).map(([k, g]) => [k, tf.div(g, profile.gradAccum)])));
    tf.dispose(Object.values(accumulated!));
    // one read for all variables' squared norms, summed in float64 in variable order
    const squares = tf.tidy(() => tf.stack(Object.values(mean).map((g) => tf.sum(tf.square(g)))));
    let sumSquares = 0;
    for (const x of await squares.data()) sumSquares += x;
    const norm = Math.sqrt(sumSquares);
    squares.dispose();
    const factor = norm > profile.clipNorm ? profile.clipNorm / (norm + 1e-6) : 1;
    const clipped = tf.tidy(() => Object.fromEntries(Object.entries(mean).map(([k, g]) => [k, tf.mul(g, factor)])));
    tf.dispose(Object.values(mean));
    if (!Number.isFinite(norm)) {
      tf.dispose(Object.values(clipped));
      throw new Error(`[train ${design.name}] gradient norm is ${norm} at step ${step + 1}; the last good checkpoint is in ${ckDir}`);
    }
    adam.apply(clipped, lr);
    tf.dispose(Object.values(clipped));
    lastLoss = loss;
    const done = step + 1;
    appendFileSync(lossLog, JSON.stringify({ step: done, loss, lr, grad_norm: norm, seconds: (Date.now() - t0) / 1000 }) + '\n');
    if (done % every === 0 || done === total) {
      const secs = (Date.now() - t0) / 1000;
      const rate = (done - start) / secs;
      log(`[train ${design.name}] step ${done}/${total} loss ${loss.toFixed(4)} ${rate.toFixed(2)} steps/s ETA ${fmtDuration((total - done) / rate)}`);
    }
    if (done % profile.checkpointEvery === 0 && done < total) {
      await assertFinite(vars, `[train ${design.name}] step ${done}`, ckDir);
      ensureDir(ckDir);
      const state: Record<string, tf.Tensor> = { ...vars };
      for (const k of Object.keys(vars)) { state[`adam.m.${k}`] = adam.m[k]!; state[`adam.v.${k}`] = adam.v[k]!; }
      const sha = await saveTensors(checkpointTensorsFile(runDir, design.name), state);
      writeJsonAtomic(checkpointStateFile(runDir, design.name), { step: done, seed, sha256: sha, design: design.name, profile: profile.name });
    }
  }
  await assertFinite(vars, `[train ${design.name}] step ${total}`, ckDir);
  await saveFinal(runDir, em, profile, seed, total);
  const seconds = (Date.now() - t0) / 1000;
  return { steps: total, finalLoss: lastLoss, seconds, tokensPerSecond: tokens / seconds, resumedFrom, model: em };
}

/** A weight that became NaN/Inf must never reach a checkpoint. */
async function assertFinite(vars: Record<string, tf.Variable>, where: string, ckDir: string): Promise<void> {
  const finite = tf.tidy(() => tf.stack(Object.values(vars).map((v) => tf.all(tf.isFinite(v)).toInt())));
  const flags = await finite.data();
  finite.dispose();
  for (const [i, k] of Object.keys(vars).entries()) {
    if (!flags[i]) throw new Error(`${where}: weight '${k}' holds NaN or Inf after the update; nothing was saved, the last good checkpoint is in ${ckDir}`);
  }
}

/** The trained weights (adapters and head) and everything needed to rebuild the embedding model. */
export async function saveFinal(runDir: string, em: EmbeddingModel, profile: Profile, seed: number, steps: number): Promise<void> {
  const dir = ensureDir(finalDir(runDir, em.design.name));
  const files: Record<string, string> = {};
  if (em.lora) files['adapter.safetensors'] = await saveTensors(join(dir, 'adapter.safetensors'), em.lora.variables);
  if (em.decoderVariables) files['decoder.safetensors'] = await saveTensors(join(dir, 'decoder.safetensors'), em.decoderVariables);
  if (Object.keys(em.pooling.variables).length > 0) files['head.safetensors'] = await saveTensors(join(dir, 'head.safetensors'), em.pooling.variables);
  const config: RunConfig = {
    design: em.design, profile: profile.name, seed, model: profile.model, modelFiles: await modelIdentity(profile.model), maxLen: profile.maxLen, finetune: profile.finetune,
    lora: em.lora ? profile.lora : null, pooling: { name: em.pooling.name, options: em.pooling.options }, steps,
    backend: backendName(), files,
  };
  writeJsonAtomic(finalConfigFile(runDir, em.design.name), config);
}
