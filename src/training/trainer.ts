// Contrastive fine-tuning of one design: hard-negative InfoNCE, AdamW with linear warm-up and decay,
// gradient accumulation, global-norm clipping, LoRA (or full fine-tuning) plus the pooling head
// trained in full. Progress goes to stderr, the loss curve to loss.jsonl, checkpoints (weights and
// optimizer state) every few steps; `resume` continues from the last one and ends with the same
// bytes as an uninterrupted run.
import * as tf from '@tensorflow/tfjs';
import { existsSync, writeFileSync, appendFileSync } from 'node:fs';
import { AdamW, linearWarmupDecay } from './adamw.ts';
import { trainStep, tripleBatch, type MicroBatch } from './step.ts';
import type { Profile } from './profiles.ts';
import { lossLogSeconds, lossLogUpTo, readCheckpointState } from './checkpoint.ts';
import { assignTensors, loadVerifiedTensors, saveTensors } from '../io/tensors.ts';
import { ensureDir, writeFileAtomic, writeJsonAtomic } from '../io/atomic.ts';
import { assertHeadCheckpointCurrent } from '../pooling/head-checkpoint.ts';
import type { Design } from '../designs.ts';
import type { LoadedModel } from '../model/load.ts';
import type { Triple } from './triples.ts';
import { embeddingTokens } from '../embedding/embedder.ts';
import { createEmbeddingModel, saveEmbeddingModel, trainableVariables, type EmbeddingModel } from '../embedding/embedding-model.ts';
import { mulberry32, shuffled } from '../util/random.ts';
import { attachPrefixCache } from '../embedding/prefix-cache.ts';
import { checkpointDir, checkpointStateFile, checkpointTensorsFile, designDir, lossFile } from '../run-folder.ts';

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
  /** what the weights are made from (src/freshness.ts trainingInputs), recorded in the checkpoint and final/config.json */
  trainedFrom?: Record<string, unknown>;
  /** called after every optimizer step with the model as it is then (learning curves evaluate it here) */
  afterStep?: (step: number, loss: number, em: EmbeddingModel) => Promise<void>;
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
  const em = createEmbeddingModel(base, design, profile, seed);
  await attachPrefixCache(em, profile.model, log); // loraLayers < L: the frozen layers' outputs, cached
  const vars = trainableVariables(em);
  const adam = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: profile.weightDecay });
  const lossLog = lossFile(runDir, design.name);
  const resumedFrom = opts.resume && existsSync(checkpointStateFile(runDir, design.name)) ? resumeCheckpoint(runDir, em, vars, adam, seed, log) : null;
  if (resumedFrom === null) writeFileSync(lossLog, '');
  const start = resumedFrom ?? 0;
  const ckDir = checkpointDir(runDir, design.name);

  const tok = base.tokenizer;
  // each triple is tokenized once, on first use (a quick-profile step would spend ~20 ms on it)
  const tokenized = new Map<number, number[][]>();
  const encodeTriple = (i: number) => {
    let seqs = tokenized.get(i);
    // a triple's instruction (if its run instructs training queries) goes on the query only
    if (!seqs) tokenized.set(i, (seqs = [triples[i]!.query, triples[i]!.positive, triples[i]!.negative].map((s, j) => embeddingTokens(tok, s, profile.maxLen, j === 0 ? triples[i]!.instruction ?? '' : ''))));
    return seqs;
  };
  // a resumed run's seconds continue from the checkpoint's, so loss.jsonl's last record is the
  // design's whole training time (without the steps a killed run lost after its last checkpoint)
  const secondsBefore = start > 0 ? lossLogSeconds(lossLog) ?? 0 : 0;
  const t0 = Date.now() - secondsBefore * 1000;
  let tokens = 0;
  let lastLoss = NaN;
  const every = Math.max(1, Math.round(total / 50));
  const fail = (what: string) => new Error(`[train ${design.name}] ${what}; the last good checkpoint is in ${ckDir}`);
  if (start === 0) await opts.afterStep?.(0, NaN, em); // the untrained model: where a curve starts
  for (let step = start; step < total; step++) {
    const lr = linearWarmupDecay(step, profile.lr, profile.warmupSteps, total);
    const microBatch = (m: number): MicroBatch => {
      const g = step * profile.gradAccum + m;
      const idx = microBatchIndices(g, profile.batchSize, triples.length, seed);
      const batch = tripleBatch(idx.map(encodeTriple), tok.padId);
      tokens += batch.mask.reduce((a, b) => a + b, 0);
      return { batch, triples: idx.length, dropoutSeed: seed * 1_000_003 + g, label: `step ${step + 1}, micro-batch ${m} (triples ${idx.slice(0, 5).join(',')}…)` };
    };
    const { loss, norm } = await trainStep(em, vars, adam, microBatch, { scale: profile.scale, clipNorm: profile.clipNorm, lr, gradAccum: profile.gradAccum, checkpointLayers: profile.checkpointLayers, label: `step ${step + 1}`, fail });
    lastLoss = loss;
    const done = step + 1;
    appendFileSync(lossLog, JSON.stringify({ step: done, loss, lr, grad_norm: norm, seconds: (Date.now() - t0) / 1000 }) + '\n');
    if (done % every === 0 || done === total) {
      const secs = (Date.now() - t0) / 1000 - secondsBefore;
      const rate = (done - start) / secs;
      log(`[train ${design.name}] step ${done}/${total} loss ${loss.toFixed(4)} ${rate.toFixed(2)} steps/s ETA ${fmtDuration((total - done) / rate)}`);
    }
    await opts.afterStep?.(done, loss, em);
    if (done % profile.checkpointEvery === 0 && done < total) await saveCheckpoint(runDir, design.name, vars, adam, done, seed, profile.name, opts.trainedFrom);
  }
  await assertFinite(vars, `[train ${design.name}] step ${total}`, ckDir);
  await saveEmbeddingModel(runDir, em, profile, seed, total, opts.trainedFrom);
  if (em.prefix) {
    const { stats, frozen, dir } = em.prefix.cache;
    log(`[train ${design.name}] frozen prefix (LoRA on the top ${em.model.config.nLayers - frozen} of ${em.model.config.nLayers} layers): ${stats.computed} texts computed (${stats.computeSeconds.toFixed(1)} s), ${stats.loaded} read from ${dir ?? 'memory'}`);
  }
  const seconds = (Date.now() - t0) / 1000 - secondsBefore;
  return { steps: total, finalLoss: lastLoss, seconds, tokensPerSecond: tokens / seconds, resumedFrom, model: em };
}

/**
 * Restores weights, optimizer moments and step from the design's checkpoint (which must be of this
 * seed and of the current head layout) and cuts the loss log back to it. Returns the step.
 */
function resumeCheckpoint(runDir: string, em: EmbeddingModel, vars: Record<string, tf.Variable>, adam: AdamW, seed: number, log: (line: string) => void): number {
  const name = em.design.name;
  const ckDir = checkpointDir(runDir, name);
  const state = readCheckpointState(ckDir);
  if (state.seed !== seed) throw new Error(`${ckDir}: checkpoint was trained with seed ${state.seed}, not ${seed}`);
  const loaded = loadVerifiedTensors(checkpointTensorsFile(runDir, name), state.sha256);
  assertHeadCheckpointCurrent(em.pooling.variables, loaded, ckDir, 'head.');
  assignTensors(vars, loaded, ckDir);
  assignTensors(adam.m, loaded, ckDir, 'adam.m.');
  assignTensors(adam.v, loaded, ckDir, 'adam.v.');
  adam.step = state.step;
  // keep the loss curve up to the checkpoint, drop what the killed run logged after it
  const lossLog = lossFile(runDir, name);
  writeFileAtomic(lossLog, lossLogUpTo(lossLog, state.step, log));
  log(`[train ${name}] resumed from step ${state.step}`);
  return state.step;
}

/** Weights and AdamW moments after `step`, checked finite first; the state file names their sha256. */
async function saveCheckpoint(runDir: string, design: string, vars: Record<string, tf.Variable>, adam: AdamW, step: number, seed: number, profile: string, trainedFrom?: Record<string, unknown>): Promise<void> {
  const ckDir = checkpointDir(runDir, design);
  await assertFinite(vars, `[train ${design}] step ${step}`, ckDir);
  ensureDir(ckDir);
  const state: Record<string, tf.Tensor> = { ...vars };
  for (const k of Object.keys(vars)) { state[`adam.m.${k}`] = adam.m[k]!; state[`adam.v.${k}`] = adam.v[k]!; }
  const sha = await saveTensors(checkpointTensorsFile(runDir, design), state);
  writeJsonAtomic(checkpointStateFile(runDir, design), { step, seed, sha256: sha, design, profile, ...(trainedFrom ? { trained_from: trainedFrom } : {}) });
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
