// `node --import tsx scripts/head-trials.ts --design m2 [--head '{"lrScale":0.1}'] [--profile smollm2]
//     [--steps 25] [--schedule-steps 70] [--seed 1] [--eval-batches 4] [--checkpoint-layers] --out DIR`
// A cheap test of a head option against the authors' head: the first `--steps` optimizer steps of the
// trainer's own step (src/training/step.ts) with the profile's settings, data order, dropout seeds and
// learning-rate schedule (of `--schedule-steps` steps, default the profile's, so the first N steps are
// exactly those of a full run), the profile's head options overridden by `--head`. Before training and
// at the end it measures the InfoNCE loss on `--eval-batches` fixed micro-batches of triples that the
// run does not reach (its batches ≥ 300), so arms compare on the same held-out triples rather than on
// the noisy 8-triple training losses. Writes DIR/trial.json and DIR/loss.jsonl.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseArgs, required } from '../src/cli/args.ts';
import { initBackend } from '../src/backend/index.ts';
import { loadModel } from '../src/model/load.ts';
import { designByName } from '../src/designs.ts';
import { profileByName, type Profile } from '../src/training/profiles.ts';
import { createEmbeddingModel, trainableVariables, type EmbeddingModel } from '../src/embedding/embedding-model.ts';
import { embedBatch, embeddingTokens } from '../src/embedding/embedder.ts';
import { trainStep, tripleBatch, type MicroBatch } from '../src/training/step.ts';
import { hardNegativeInfoNCE } from '../src/training/loss.ts';
import { AdamW, linearWarmupDecay } from '../src/training/adamw.ts';
import { microBatchIndices } from '../src/training/trainer.ts';
import { loadTrainingTriples } from '../src/training/triples.ts';

const log = (s: string) => process.stderr.write(s + '\n');

async function main(): Promise<void> {
  const cmd = 'head-trials';
  const args = parseArgs(process.argv.slice(2), {
    design: {}, head: { default: '{}' }, profile: { default: 'smollm2' }, steps: { default: '25' }, 'schedule-steps': {},
    seed: { default: '1' }, 'eval-batches': { default: '4' }, out: {}, model: {},
    'checkpoint-layers': { flag: true, help: 'recompute decoder layers in the backward pass (~2 GB instead of 7–12 GB; same numbers up to rounding)' },
  }, cmd);
  const out = required(args, 'out', cmd);
  const base0 = profileByName(args.options.profile!);
  const head = { ...base0.head, ...JSON.parse(args.options.head!) };
  const profile: Profile = { ...base0, head, ...(args.options.model ? { model: args.options.model } : {}), ...(args.flags['checkpoint-layers'] ? { checkpointLayers: true } : {}) };
  const design = designByName(required(args, 'design', cmd));
  const steps = Number(args.options.steps), seed = Number(args.options.seed);
  const scheduleSteps = Number(args.options['schedule-steps'] ?? profile.steps);
  const evalBatches = Number(args.options['eval-batches']);
  mkdirSync(out, { recursive: true });
  await initBackend();
  const base = await loadModel(profile.model);
  const { triples } = await loadTrainingTriples({ seed: 0, limit: profile.triplesPerSource, sources: profile.trainingSources, instructQueries: profile.instructions.train === 'queries' });
  const em = createEmbeddingModel(base, design, profile, seed);
  const vars = trainableVariables(em);
  const adam = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: profile.weightDecay });
  const tok = base.tokenizer;
  const cache = new Map<number, number[][]>();
  const encode = (i: number) => {
    let s = cache.get(i);
    if (!s) cache.set(i, (s = [triples[i]!.query, triples[i]!.positive, triples[i]!.negative].map((x) => embeddingTokens(tok, x, profile.maxLen))));
    return s;
  };
  const heldOut = [...Array(evalBatches).keys()].map((k) => microBatchIndices(300 + k, profile.batchSize, triples.length, seed));
  const evalLoss = async (m: EmbeddingModel) => {
    let sum = 0;
    for (const idx of heldOut) {
      const l = tf.tidy(() => {
        const e = embedBatch(m, tripleBatch(idx.map(encode), tok.padId));
        const [q, p, n] = tf.split(e, [idx.length, idx.length, idx.length], 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        return hardNegativeInfoNCE(q, p, n, profile.scale);
      });
      sum += (await l.data())[0]!;
      l.dispose();
    }
    return sum / heldOut.length;
  };
  const label = `${design.name}${JSON.stringify(args.options.head) !== '"{}"' ? ' ' + args.options.head : ''}`;
  const t0 = Date.now();
  const initial = await evalLoss(em);
  log(`[trial ${label}] held-out loss at init ${initial.toFixed(4)} (${heldOut.length} × ${profile.batchSize} triples; chance ln ${2 * profile.batchSize} = ${Math.log(2 * profile.batchSize).toFixed(4)})`);
  const lossLog = join(out, 'loss.jsonl');
  writeFileSync(lossLog, '');
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const lr = linearWarmupDecay(step, profile.lr, profile.warmupSteps, scheduleSteps);
    const microBatch = (m: number): MicroBatch => {
      const g = step * profile.gradAccum + m;
      const idx = microBatchIndices(g, profile.batchSize, triples.length, seed);
      return { batch: tripleBatch(idx.map(encode), tok.padId), triples: idx.length, dropoutSeed: seed * 1_000_003 + g, label: `step ${step + 1}` };
    };
    const { loss, norm } = await trainStep(em, vars, adam, microBatch, {
      scale: profile.scale, clipNorm: profile.clipNorm, lr, gradAccum: profile.gradAccum, checkpointLayers: profile.checkpointLayers,
      label: `step ${step + 1}`, fail: (what) => new Error(`[trial ${label}] ${what}`),
    });
    losses.push(loss);
    appendFileSync(lossLog, JSON.stringify({ step: step + 1, loss, lr, grad_norm: norm, seconds: (Date.now() - t0) / 1000 }) + '\n');
    if ((step + 1) % 5 === 0 || step + 1 === steps) log(`[trial ${label}] step ${step + 1}/${steps} loss ${loss.toFixed(4)} (mean of the last 5: ${(losses.slice(-5).reduce((a, b) => a + b, 0) / Math.min(5, losses.length)).toFixed(4)}) ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const final = await evalLoss(em);
  log(`[trial ${label}] held-out loss after ${steps} steps ${final.toFixed(4)} (at init ${initial.toFixed(4)})`);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  writeFileSync(join(out, 'trial.json'), JSON.stringify({
    design: design.name, head, profile: profile.name, steps, scheduleSteps, seed, heldOutTriples: heldOut.length * profile.batchSize,
    heldOutLossInit: initial, heldOutLossFinal: final, trainLossLast5: mean(losses.slice(-5)), trainLossLast10: mean(losses.slice(-10)), losses,
    seconds: Math.round((Date.now() - t0) / 1000),
  }, null, 1) + '\n');
}

main().catch((e) => { log(e instanceof Error ? e.stack ?? e.message : String(e)); process.exit(1); });
