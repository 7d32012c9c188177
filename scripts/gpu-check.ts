// `npm run gpu-check -- --out DIR [--backend webgpu] [--quick] [--designs all|m1,m3] [--ratio wasm|none]
//                      [--forbid-sync-reads] [--model stories260K|smollm2-135m [--meta DIR] [--batch N]]`
//                      (`--list-data`: the data files it reads; `--write-meta DIR`: SmolLM2's metadata; both for the pack)
// `--model smollm2-135m` runs the same checks on SmolLM2-135M's architecture and tokenizer with seeded
// random weights (see SMOLLM2 below: smaller numerics and timed batches, no trainer runs).
// A self-contained check of a GPU backend, meant for a machine with a GPU and no network (see
// scripts/pack-gpu-check.sh). It
//  1. compares, on stories260K, the chosen backend with the cpu backend (plain JS, the reference):
//     next-token logits (causal and bidirectional), and per design m1…m6 the embeddings, the InfoNCE
//     loss of a fixed batch of 4 triples, its gradients, and the weights after one AdamW step;
//  2. times a training step per design (the quick profile's batch: 32 triples = 96 sequences of at
//     most 48 tokens; median after warm-up) and the embedding throughput (texts/s);
//  3. runs the project's own trainer (async reads, a checkpoint) and encoder for a few steps per design;
//  4. times the same on wasm, for the speed-up, and compares the trainer's losses with wasm's;
// and writes DIR/gpu-check.json. Exit status 0 when every comparison is within tolerance.
// Each backend runs in its own child process (the backend is chosen once per process). All reads
// from the device are asynchronous (`await t.data()`): WebGPU in Node has no synchronous read-back,
// and --forbid-sync-reads makes any other backend refuse them too, to prove that on a CPU machine.
// The timed step below is the trainer's own step (src/training/step.ts), called without the trainer's
// bookkeeping, so that its gradients can be compared and its time measured.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { parseArgs, required, UsageError } from '../src/cli/args.ts';
import { spawnScript } from '../src/cli/children.ts';
import { backendInfo, describeBackend, initBackend } from '../src/backend/index.ts';
import { forbidSyncReads as refuseSyncReads } from '../src/backend/sync-reads.ts';
import { loadModel, KNOWN_MODELS, type LoadedModel } from '../src/model/load.ts';
import { forward, logits } from '../src/model/decoder.ts';
import { padBatch, type TokenBatch } from '../src/model/batch.ts';
import { designByName, parseDesignList } from '../src/designs.ts';
import { profileByName, type Profile } from '../src/training/profiles.ts';
import { train } from '../src/training/trainer.ts';
import { createEmbeddingModel, trainableVariables, type EmbeddingModel } from '../src/embedding/embedding-model.ts';
import { trainStep, tripleBatch, type MicroBatch } from '../src/training/step.ts';
import { AdamW, linearWarmupDecay } from '../src/training/adamw.ts';
import { embedBatch, embeddingTokens, encodeTexts } from '../src/embedding/embedder.ts';
import { loadTrainingTriples, type Triple } from '../src/training/triples.ts';
import { dataFile } from '../src/data/files.ts';
import { parseGgufHeader, type GgufHeader } from '../src/model/gguf.ts';
import { ggufDecoderConfig } from '../src/model/gguf-decoder.ts';
import { validateConfig, type DecoderConfig } from '../src/model/config.ts';
import type { Decoder, LayerWeights } from '../src/model/weights.ts';
import { createHash } from 'node:crypto';
import { mulberry32 } from '../src/util/random.ts';
import { median } from '../src/stats/descriptive.ts';
import { lossFile } from '../src/run-folder.ts';

/** Largest allowed difference from the cpu backend. */
const TOLERANCES = {
  /** next-token logits of every real token, absolute (logits are of order 10) */
  logits: 1e-3,
  /** L2-normalised embeddings, absolute */
  embeddings: 1e-4,
  /** InfoNCE loss of the fixed batch, absolute */
  loss: 1e-4,
  /** gradients before clipping, absolute, relative to the largest |gradient| of the design */
  gradients: 1e-3,
  /** every trainable weight after one AdamW step, absolute (the step itself is at most lr = 6.7e-5) */
  weightsAfterStep: 1e-5,
  /**
   * AdamW's first step moves a weight by lr·g/(|g| + ε), ε = 1e-8: where the reference |g| is below
   * `illConditionedGradient` (100 ε), rounding of g decides how far (up to lr) and which way. Those
   * weights are held to |Δw| ≤ `illConditionedStep` × the step's learning rate instead.
   */
  illConditionedGradient: 1e-6,
  illConditionedStep: 2,
} as const;

const TIMED_BACKENDS = ['webgpu', 'tfjs-node-gpu', 'tfjs-node', 'wasm'] as const;
/** Training triples for the check: small files that the pack carries; mrpc's long sentences make batches pad to 48 tokens, as in a real run. */
const TRIPLE_SOURCES = ['sick', 'mrpc'] as const;
const NUMERICS_TRIPLES = 4;
/** steps of the real trainer per design (a checkpoint every 2) */
const TRAINER_STEPS = 4;
/** the real trainer's per-step losses against the ratio backend's (wasm), absolute */
const TRAINER_LOSS_TOLERANCE = 1e-3;
const SEED = 1;

interface TimingPlan { warmup: number; steps: number; embedTexts: number }

// ---------------------------------------------------------------- models the check runs on

/**
 * `--model smollm2-135m`: SmolLM2-135M-Instruct's exact architecture (from the real GGUF's metadata:
 * 30 layers, d 576, 9 query / 3 KV heads of 64, SwiGLU 1536, vocabulary 49,152, tied embeddings,
 * its RoPE θ and RMSNorm ε) and its real tokenizer, with SEEDED RANDOM WEIGHTS: the 98 MB file cannot
 * travel to a lent GPU machine (64 MiB per call). What travels is the file's metadata alone (the
 * tokenizer, ~2 MB): a GGUF with the tensor index cut off (`--write-meta DIR`, run by the pack).
 * The numerics compare the backends on the same weights, so random ones test the same kernels at
 * the same shapes; the speeds depend on shapes only.
 */
const SMOLLM2 = {
  name: 'smollm2-135m',
  /** weights ~ uniform with this standard deviation (the model's initializer_range), norms 1 */
  weightStd: 0.02,
  /** the cpu reference is plain JS (~0.3 GFLOPS on SmolLM2 here: loss and gradients of 2 triples cut
   *  to 16 tokens took 5 min per design), so the numerics use one triple of texts cut to 8 tokens */
  numericsTriples: 1,
  numericsMaxLen: 8,
  logitsSequences: 2,
  numericsDesigns: ['m1', 'm4', 'm5'],
  /** timed batch: triples per step at the quick profile's maxLen (48). wasm's heap is 4 GiB: 4 triples
   *  (12 sequences) abort there in a training step, 2 fit (21 s a step on this 2-core machine) */
  timingBatch: 2,
  /** texts per encoded batch: the forward of 32 texts × 48 tokens inside one tidy overflows wasm's heap too */
  encodeBatch: 16,
  embedTexts: 128,
  ratioEmbedTexts: 32,
} as const;
type CheckModel = 'stories260K' | 'smollm2-135m';
const CHECK_MODELS: readonly CheckModel[] = ['stories260K', 'smollm2-135m'];
const META_GGUF = 'smollm2-135m.meta.gguf';
const META_JSON = 'smollm2-135m.meta.json';

interface SmolMeta { source: string; sourceSha256: string; config: DecoderConfig; header: GgufHeader; metaBytes?: Uint8Array }

/** The real GGUF's header with tensor_count set to 0 and the tensor index cut off: metadata (tokenizer included) only. */
function metadataOnlyGguf(bytes: Uint8Array, h: GgufHeader, file: string): Uint8Array {
  const first = h.tensors.keys().next().value;
  if (first === undefined) throw new Error(`${file}: no tensors`);
  // the tensor index starts with the first tensor's name as a GGUF string (u64 length, bytes)
  const name = new TextEncoder().encode(first);
  const pattern = new Uint8Array(8 + name.length);
  new DataView(pattern.buffer).setBigUint64(0, BigInt(name.length), true);
  pattern.set(name, 8);
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).lastIndexOf(Buffer.from(pattern), h.dataStart);
  if (at < 24) throw new Error(`${file}: cannot find the start of the tensor index`);
  const out = new Uint8Array(Math.ceil(at / h.alignment) * h.alignment);
  out.set(bytes.subarray(0, at));
  new DataView(out.buffer).setBigUint64(8, 0n, true);
  return out;
}

/** SmolLM2's architecture and tokenizer metadata, from the real file (data layer) or from `--meta DIR`. */
async function smolMeta(metaDir: string | undefined): Promise<SmolMeta> {
  if (metaDir) {
    const file = join(metaDir, META_GGUF);
    const info = JSON.parse(readFileSync(join(metaDir, META_JSON), 'utf8')) as Omit<SmolMeta, 'header'>;
    const header = parseGgufHeader(new Uint8Array(readFileSync(file)), file);
    validateConfig(info.config, join(metaDir, META_JSON));
    return { ...info, header };
  }
  const m = KNOWN_MODELS[SMOLLM2.name]!;
  if (m.format !== 'gguf') throw new Error(`gpu-check: ${SMOLLM2.name} is expected to be a GGUF model`);
  const path = await dataFile(m.file); // verified by sha256
  const bytes = new Uint8Array(readFileSync(path));
  const full = parseGgufHeader(bytes, path);
  const config = ggufDecoderConfig(full);
  const metaBytes = metadataOnlyGguf(bytes, full, path);
  const header = parseGgufHeader(metaBytes, `${path} (metadata only)`);
  return { source: m.file, sourceSha256: createHash('sha256').update(bytes).digest('hex'), config, header, metaBytes };
}

async function writeMeta(dir: string): Promise<void> {
  const meta = await smolMeta(undefined);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, META_GGUF), meta.metaBytes!);
  writeFileSync(join(dir, META_JSON), JSON.stringify({ source: meta.source, sourceSha256: meta.sourceSha256, config: meta.config }, null, 1) + '\n');
}

/** Seeded uniform weights (mulberry32), so every backend builds bit-identical weights. */
function uniformFill(n: number, std: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const a = std * Math.sqrt(3); // uniform on [−a, a] has standard deviation a/√3
  const rand = mulberry32(seed);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * a;
  return out;
}

function randomDecoder(config: DecoderConfig, seed: number): Decoder {
  const { dim, hiddenDim, nHeads, nKvHeads, headDim, vocabSize } = config;
  let k = 0;
  const mat = (rows: number, cols: number) => tf.tensor2d(uniformFill(rows * cols, SMOLLM2.weightStd, seed * 7919 + ++k), [rows, cols]);
  const ones = (n: number) => tf.ones([n]) as tf.Tensor1D;
  const layers: LayerWeights[] = Array.from({ length: config.nLayers }, () => ({
    attnNorm: ones(dim), wq: mat(dim, nHeads * headDim), wk: mat(dim, nKvHeads * headDim), wv: mat(dim, nKvHeads * headDim),
    wo: mat(nHeads * headDim, dim), mlpNorm: ones(dim), wGate: mat(dim, hiddenDim), wUp: mat(dim, hiddenDim), wDown: mat(hiddenDim, dim),
  }));
  const weights = { embed: mat(vocabSize, dim), layers, finalNorm: ones(dim), ...(config.tieEmbeddings ? {} : { lmHead: mat(dim, vocabSize) }) };
  return { config, weights, source: `${SMOLLM2.name} architecture, random weights (seed ${seed})` };
}

async function loadCheckModel(model: CheckModel, metaDir: string | undefined): Promise<LoadedModel> {
  if (model === 'stories260K') return loadModel('stories260K');
  const meta = await smolMeta(metaDir);
  const { GgufTokenizer } = await import('../src/tokenizer/gguf-tokenizer.ts');
  const tokenizer = new GgufTokenizer(meta.header);
  if (tokenizer.vocabSize !== meta.config.vocabSize) throw new Error(`gpu-check: tokenizer has ${tokenizer.vocabSize} tokens, the config ${meta.config.vocabSize}`);
  return { model: randomDecoder(meta.config, SEED), tokenizer };
}

/** The profile the check trains with: quick, with SmolLM2's smaller timed batch. */
function checkProfile(model: CheckModel, batch?: number): Profile {
  const quick = profileByName('quick');
  const batchSize = batch ?? (model === 'stories260K' ? quick.batchSize : SMOLLM2.timingBatch);
  return model === 'stories260K' ? { ...quick, batchSize } : { ...quick, model, batchSize, encodeBatchSize: SMOLLM2.encodeBatch };
}

// ---------------------------------------------------------------- child: measurements on one backend

interface ArrayRef { file: string; shape: number[] }
interface StepTiming { medianMs: number; minMs: number; stepsMs: number[]; seqLens: number[]; sequencesPerStep: number; leakedTensorsPerStep: number }
interface EmbedTiming { texts: number; batchSize: number; seconds: number; textsPerSecond: number }
interface ChildResult {
  backend: { name: string; description: string; adapter?: unknown };
  tfjsVersion: string;
  kernelsRegistered: string[];
  /** kernels run by the numerics (profiled on the cpu reference only) */
  kernelsUsed?: string[];
  numerics?: { losses: Record<string, number>; arrays: Record<string, ArrayRef>; lr: number };
  timing?: Record<string, { train: StepTiming; embed: EmbedTiming }>;
  /** the project's own trainer (src/training/trainer.ts) run on this backend, with a checkpoint */
  trainer?: Record<string, TrainerRun>;
  seconds: number;
}
interface TrainerRun { losses: number[]; gradNorms: number[]; seconds: number; embeddingNorms: number[] }

/** The real trainer for a few quick-profile steps (checkpoint included), then the real encoder. */
async function trainerRuns(base: LoadedModel, triples: Triple[], designs: string[], profile: Profile, log: (s: string) => void): Promise<Record<string, TrainerRun>> {
  const out: Record<string, TrainerRun> = {};
  const runDir = mkdtempSync(join(tmpdir(), 'gpu-check-train-'));
  for (const name of designs) {
    const r = await train({ design: designByName(name), profile: { ...profile, steps: TRAINER_STEPS, checkpointEvery: 2 }, seed: SEED, runDir, base, triples, log: () => {} });
    const curve = readFileSync(lossFile(runDir, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: number; grad_norm: number });
    const vectors = await encodeTexts(r.model, triples.slice(0, 8).map((t) => t.query));
    out[name] = { losses: curve.map((c) => c.loss), gradNorms: curve.map((c) => c.grad_norm), seconds: r.seconds, embeddingNorms: vectors.map((v) => Math.hypot(...v)) };
    log(`${name}: trainer ${TRAINER_STEPS} steps in ${r.seconds.toFixed(1)} s, losses ${out[name]!.losses.map((x) => x.toFixed(4)).join(' ')}`);
  }
  rmSync(runDir, { recursive: true, force: true });
  return out;
}

/** What a child runs on: the model, where SmolLM2's metadata lies, the designs whose numerics are compared. */
interface CheckSetup { model: CheckModel; metaDir?: string; numericsDesigns: string[]; batch?: number }

/** Numerics batch: triples, their texts' token cap, and how many of its sequences the logits compare (all when undefined). */
function numericsShape(model: CheckModel) {
  return model === 'stories260K'
    ? { triples: NUMERICS_TRIPLES, maxLen: undefined, logitsSequences: undefined }
    : { triples: SMOLLM2.numericsTriples, maxLen: SMOLLM2.numericsMaxLen, logitsSequences: SMOLLM2.logitsSequences };
}

async function child(backend: string, parts: string[], designNames: string[], plan: TimingPlan, resultDir: string, forbidSyncReads: boolean, setup: CheckSetup): Promise<void> {
  const t0 = performance.now();
  await initBackend({ force: backend });
  const info = backendInfo()!;
  if (forbidSyncReads) {
    // What WebGPU in Node imposes, on any backend: every engine-level read must be asynchronous.
    refuseSyncReads();
  }
  const base = await loadCheckModel(setup.model, setup.metaDir);
  const { triples } = await loadTrainingTriples({ sources: TRIPLE_SOURCES, evaluationTexts: [] });
  const profile = checkProfile(setup.model, setup.batch);
  const designs = designNames.map((n) => designByName(n));
  const numericsDesigns = setup.numericsDesigns.map((n) => designByName(n));
  const result: ChildResult = {
    backend: { name: info.name, description: describeBackend(info), adapter: info.adapter },
    tfjsVersion: tf.version.tfjs,
    kernelsRegistered: tf.getKernelsForBackend(tf.getBackend()).map((k) => k.kernelName).sort(),
    seconds: 0,
  };
  const log = (s: string) => process.stderr.write(`[gpu-check ${backend}] ${s}\n`);
  if (parts.includes('numerics')) {
    const run = () => numerics(base, triples, numericsDesigns, profile, numericsShape(setup.model), resultDir, log);
    if (backend === 'cpu') {
      // the reference run also lists the kernels the project's paths use (forward and backward)
      let out: Awaited<ReturnType<typeof run>> | undefined;
      const prof = await tf.profile(async () => { out = await run(); });
      result.kernelsUsed = [...new Set(prof.kernels.map((k) => k.name))].filter((k) => tf.getKernel(k, 'cpu') !== undefined).sort();
      result.numerics = out;
    } else {
      result.numerics = await run();
    }
  }
  if (parts.includes('timing')) result.timing = await timing(base, triples, designs, profile, plan, log);
  if (parts.includes('trainer')) result.trainer = await trainerRuns(base, triples, designNames, profile, log);
  result.seconds = (performance.now() - t0) / 1000;
  writeFileSync(join(resultDir, 'result.json'), JSON.stringify(result));
  // The parent checks that the process then ends by itself (Dawn can keep Node alive).
  process.stdout.write('gpu-check child done\n');
}

/** One optimizer step of the trainer's (src/training/step.ts) on one micro-batch; `onGradients` sees the raw gradients. */
async function oneStep(
  em: EmbeddingModel, vars: Record<string, tf.Variable>, adam: AdamW, batch: TokenBatch, B: number,
  profile: Profile, lr: number, dropoutSeed: number, onGradients?: (g: Record<string, tf.Tensor>) => Promise<void>,
): Promise<number> {
  const mb: MicroBatch = { batch, triples: B, dropoutSeed, label: 'the check batch' };
  const { loss } = await trainStep(em, vars, adam, () => mb, { scale: profile.scale, clipNorm: profile.clipNorm, lr, gradAccum: 1, label: 'the check step', fail: (what) => new Error(what), onGradients });
  return loss;
}

async function concatValues(tensors: tf.Tensor[]): Promise<Float32Array> {
  const parts = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

async function numerics(base: LoadedModel, triples: readonly Triple[], designs: { name: string }[], profile: Profile, shape: ReturnType<typeof numericsShape>, dir: string, log: (s: string) => void) {
  const arrays: Record<string, ArrayRef> = {};
  const losses: Record<string, number> = {};
  const save = (key: string, values: Float32Array, shape: number[]) => {
    const file = `${key}.f32`;
    writeFileSync(join(dir, file), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    arrays[key] = { file, shape };
  };
  const fixed = triples.slice(0, shape.triples);
  const tok = (s: string) => embeddingTokens(base.tokenizer, s, shape.maxLen ?? profile.maxLen);
  const seqs = fixed.map((t) => [tok(t.query), tok(t.positive), tok(t.negative)]);
  const batch = tripleBatch(seqs, base.tokenizer.padId);
  // the logits (a vocabulary-wide product per token) on the first sequences only where the reference is slow
  const logitsBatch = shape.logitsSequences === undefined ? batch : padBatch(seqs.flat().slice(0, shape.logitsSequences), 'left', base.tokenizer.padId);
  for (const attention of ['causal', 'bidirectional'] as const) {
    const l = tf.tidy(() => logits(base.model, forward(base.model, logitsBatch, { attention }).lastHidden));
    const all = (await l.data()) as Float32Array;
    const V = l.shape[1];
    l.dispose();
    // only real tokens: rows of padding are masked out of everything downstream
    const real = [...logitsBatch.mask].map((m, i) => (m ? i : -1)).filter((i) => i >= 0);
    const kept = new Float32Array(real.length * V);
    real.forEach((r, k) => kept.set(all.subarray(r * V, (r + 1) * V), k * V));
    save(`logits.${attention}`, kept, [real.length, V]);
  }
  log(`logits of ${logitsBatch.batch} sequences × ${logitsBatch.seqLen} tokens done`);
  const lr = linearWarmupDecay(0, profile.lr, profile.warmupSteps, profile.steps);
  for (const { name } of designs) {
    const em = createEmbeddingModel(base, designByName(name), profile, SEED);
    const e = tf.tidy(() => embedBatch(em, batch));
    save(`embeddings.${name}`, (await e.data()) as Float32Array, e.shape);
    e.dispose();
    const vars = trainableVariables(em);
    const keys = Object.keys(vars).sort();
    const adam = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: profile.weightDecay });
    losses[name] = await oneStep(em, vars, adam, batch, fixed.length, profile, lr, SEED * 1_000_003, async (g) => {
      save(`gradients.${name}`, await concatValues(keys.map((k) => g[k]!)), [-1]);
    });
    save(`weights.${name}`, await concatValues(keys.map((k) => vars[k]!)), [-1]);
    tf.dispose([...Object.values(vars), ...Object.values(adam.m), ...Object.values(adam.v)]);
    log(`${name}: loss ${losses[name]!.toFixed(6)}`);
  }
  return { losses, arrays, lr };
}

async function timing(base: LoadedModel, triples: readonly Triple[], designs: { name: string }[], profile: Profile, plan: TimingPlan, log: (s: string) => void) {
  // tokenised once: the step times below are the device's work, not the tokenizer's
  const cache = new Map<string, number[]>();
  const tok = (s: string) => { let t = cache.get(s); if (!t) { t = embeddingTokens(base.tokenizer, s, profile.maxLen); cache.set(s, t); } return t; };
  const B = profile.batchSize;
  const microBatch = (g: number) => Array.from({ length: B }, (_, i) => triples[(g * B + i) % triples.length]!);
  const texts = [...new Set(triples.flatMap((t) => [t.query, t.positive, t.negative]))];
  const embedTexts = Array.from({ length: plan.embedTexts }, (_, i) => texts[i % texts.length]!);
  const out: Record<string, { train: StepTiming; embed: EmbedTiming }> = {};
  for (const { name } of designs) {
    const em = createEmbeddingModel(base, designByName(name), profile, SEED);
    const vars = trainableVariables(em);
    const lastVar = Object.values(vars).at(-1)!;
    const adam = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: profile.weightDecay });
    const stepsMs: number[] = [];
    const seqLens: number[] = [];
    let tensorsBefore = 0;
    for (let s = 0; s < plan.warmup + plan.steps; s++) {
      if (s === plan.warmup) tensorsBefore = tf.memory().numTensors;
      const ts = microBatch(s);
      const batch = tripleBatch(ts.map((t) => [tok(t.query), tok(t.positive), tok(t.negative)]), base.tokenizer.padId);
      const t0 = performance.now();
      await oneStep(em, vars, adam, batch, B, profile, linearWarmupDecay(s, profile.lr, profile.warmupSteps, profile.steps), SEED * 1_000_003 + s);
      await lastVar.data(); // the update is queued on the device: wait for it
      const ms = performance.now() - t0;
      if (s >= plan.warmup) { stepsMs.push(ms); seqLens.push(batch.seqLen); }
    }
    const leaked = (tf.memory().numTensors - tensorsBefore) / plan.steps;
    const train: StepTiming = { medianMs: median(stepsMs), minMs: Math.min(...stepsMs), stepsMs, seqLens, sequencesPerStep: 3 * B, leakedTensorsPerStep: leaked };
    // embedding throughput: the encoder's order (sorted by length) and batch size, asynchronous reads
    const order = embedTexts.map((_, i) => i).sort((a, b) => tok(embedTexts[a]!).length - tok(embedTexts[b]!).length || a - b);
    const bs = profile.encodeBatchSize;
    const encodeBatch = async (idx: number[]) => {
      const e = tf.tidy(() => embedBatch(em, padBatch(idx.map((i) => tok(embedTexts[i]!)), 'left', base.tokenizer.padId)));
      await e.data();
      e.dispose();
    };
    await encodeBatch(order.slice(-bs)); // warm-up at the longest shape
    const e0 = performance.now();
    for (let s = 0; s < order.length; s += bs) await encodeBatch(order.slice(s, s + bs));
    const seconds = (performance.now() - e0) / 1000;
    const embed: EmbedTiming = { texts: embedTexts.length, batchSize: bs, seconds, textsPerSecond: embedTexts.length / seconds };
    tf.dispose([...Object.values(vars), ...Object.values(adam.m), ...Object.values(adam.v)]);
    out[name] = { train, embed };
    log(`${name}: training step ${train.medianMs.toFixed(0)} ms (median of ${plan.steps}), embedding ${embed.textsPerSecond.toFixed(0)} texts/s`);
  }
  return out;
}

/** The data files the check reads, as manifest path → verified local file (what the pack carries). */
async function dataFiles(): Promise<[string, string][]> {
  const m = KNOWN_MODELS.stories260K!;
  if (m.format !== 'llama2c') throw new Error('gpu-check: stories260K is expected to be a llama2.c model');
  const { files } = await loadTrainingTriples({ sources: TRIPLE_SOURCES, evaluationTexts: [] });
  const rels = [m.checkpoint, m.tokenizer, ...files];
  return Promise.all(rels.map(async (rel) => [rel, await dataFile(rel)] as [string, string]));
}

// ---------------------------------------------------------------- parent: run children, compare, report

interface Diff { n: number; maxAbs: number; meanAbs: number; refMaxAbs: number; overTolerance: number; tolerance: number; pass: boolean }

function readArray(dir: string, ref: ArrayRef): Float32Array {
  const b = readFileSync(join(dir, ref.file));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** Element-wise |a − ref|; `scale` multiplies the tolerance (for tolerances relative to the reference's size). */
function diff(a: Float32Array, ref: Float32Array, tolerance: number, relativeToMax = false): Diff {
  if (a.length !== ref.length) throw new Error(`arrays differ in length: ${a.length} vs ${ref.length}`);
  let maxAbs = 0, sum = 0, refMaxAbs = 0, nan = false;
  for (let i = 0; i < a.length; i++) refMaxAbs = Math.max(refMaxAbs, Math.abs(ref[i]!));
  const tol = relativeToMax ? tolerance * refMaxAbs : tolerance;
  let over = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - ref[i]!);
    if (Number.isNaN(d)) nan = true;
    maxAbs = Math.max(maxAbs, d);
    sum += d;
    if (!(d <= tol)) over++;
  }
  return { n: a.length, maxAbs: nan ? NaN : maxAbs, meanAbs: sum / Math.max(1, a.length), refMaxAbs, overTolerance: over, tolerance: tol, pass: !nan && over === 0 };
}

/**
 * Weights after one AdamW step: within TOLERANCES.weightsAfterStep where the reference |g| is at
 * least 100 ε; within a multiple of the learning rate where Adam's step is decided by rounding.
 */
function weightsDiff(a: Float32Array, ref: Float32Array, refGrad: Float32Array, lr: number) {
  const small = TOLERANCES.illConditionedGradient;
  const keep = (want: boolean) => Array.from(refGrad, (g, i) => (Math.abs(g) >= small) === want ? i : -1).filter((i) => i >= 0);
  const pick = (x: Float32Array, idx: number[]) => Float32Array.from(idx, (i) => x[i]!);
  const [well, ill] = [keep(true), keep(false)];
  const wellConditioned = diff(pick(a, well), pick(ref, well), TOLERANCES.weightsAfterStep);
  const illConditioned = diff(pick(a, ill), pick(ref, ill), TOLERANCES.illConditionedStep * lr);
  const all = diff(a, ref, TOLERANCES.weightsAfterStep);
  // the largest reference |g| among the weights over the plain tolerance: tells rounding from a bug
  let largestGradientOver = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - ref[i]!) > TOLERANCES.weightsAfterStep) largestGradientOver = Math.max(largestGradientOver, Math.abs(refGrad[i]!));
  return { ...all, wellConditioned, illConditioned, largestGradientOver, lr, pass: wellConditioned.pass && illConditioned.pass };
}

function compareNumerics(target: ChildResult, targetDir: string, ref: ChildResult, refDir: string, designs: string[]) {
  const t = target.numerics!, r = ref.numerics!;
  const get = (res: { arrays: Record<string, ArrayRef> }, dir: string, key: string) => {
    const a = res.arrays[key];
    if (!a) throw new Error(`numerics: array ${key} missing`);
    return readArray(dir, a);
  };
  const logits = Object.fromEntries((['causal', 'bidirectional'] as const).map((m) => [m, diff(get(t, targetDir, `logits.${m}`), get(r, refDir, `logits.${m}`), TOLERANCES.logits)]));
  const perDesign: Record<string, unknown> = {};
  let pass = Object.values(logits).every((d) => d.pass);
  for (const d of designs) {
    const lossDiff = Math.abs(t.losses[d]! - r.losses[d]!);
    const entry = {
      embeddings: diff(get(t, targetDir, `embeddings.${d}`), get(r, refDir, `embeddings.${d}`), TOLERANCES.embeddings),
      loss: { value: t.losses[d], reference: r.losses[d], absDiff: lossDiff, tolerance: TOLERANCES.loss, pass: lossDiff <= TOLERANCES.loss },
      gradients: diff(get(t, targetDir, `gradients.${d}`), get(r, refDir, `gradients.${d}`), TOLERANCES.gradients, true),
      weightsAfterStep: weightsDiff(get(t, targetDir, `weights.${d}`), get(r, refDir, `weights.${d}`), get(r, refDir, `gradients.${d}`), r.lr),
    };
    pass &&= entry.embeddings.pass && entry.loss.pass && entry.gradients.pass && entry.weightsAfterStep.pass;
    perDesign[d] = entry;
  }
  return { reference: 'cpu', logits, designs: perDesign, pass };
}

/** The real trainer's losses on the backend under test against the ratio backend's, step by step. */
function compareTrainer(target: Record<string, TrainerRun>, ratio: Record<string, TrainerRun> | undefined) {
  const designs = Object.fromEntries(Object.entries(target).map(([d, t]) => {
    const r = ratio?.[d];
    const maxAbs = r ? Math.max(...t.losses.map((x, i) => Math.abs(x - r.losses[i]!))) : undefined;
    return [d, { losses: t.losses, ratioLosses: r?.losses, maxAbsLossDiff: maxAbs, seconds: t.seconds, ratioSeconds: r?.seconds, pass: maxAbs === undefined || maxAbs <= TRAINER_LOSS_TOLERANCE }];
  }));
  return { steps: TRAINER_STEPS, tolerance: TRAINER_LOSS_TOLERANCE, designs, pass: Object.values(designs).every((d) => d.pass) };
}

interface ChildRun { result?: ChildResult; dir: string; error?: string; exitsByItself: boolean; code: number | null }

async function runChild(backend: string, parts: string[], designs: string[], plan: TimingPlan, work: string, forbidSyncReads: boolean, setup: CheckSetup): Promise<ChildRun> {
  const dir = join(work, `${backend}-${parts.join('-')}`);
  mkdirSync(dir, { recursive: true });
  const args = ['--child', parts.join(','), '--backend', backend,
    '--designs', designs.join(','), '--result', dir, '--warmup', String(plan.warmup), '--steps', String(plan.steps), '--embed-texts', String(plan.embedTexts)];
  if (forbidSyncReads) args.push('--forbid-sync-reads');
  args.push('--model', setup.model, '--numerics-designs', setup.numericsDesigns.join(','));
  if (setup.metaDir) args.push('--meta', setup.metaDir);
  if (setup.batch !== undefined) args.push('--batch', String(setup.batch));
  const env = { ...process.env };
  delete env.PA_BACKEND;
  const p = spawnScript(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let tail = '';
  let done = false;
  let killedLingering = false;
  let timer: NodeJS.Timeout | undefined;
  p.stderr!.on('data', (b: Buffer) => { process.stderr.write(b); tail = (tail + b.toString()).slice(-4000); });
  p.stdout!.on('data', (b: Buffer) => {
    if (!done && b.toString().includes('gpu-check child done')) {
      done = true;
      // a child that has written its result should end within seconds
      timer = setTimeout(() => { killedLingering = true; p.kill('SIGKILL'); }, 15_000);
    }
  });
  const code = await new Promise<number | null>((res) => p.on('close', (c) => res(c)));
  if (timer) clearTimeout(timer);
  if (!done) {
    const lines = tail.trim().split('\n').filter((l) => !/^=+$|Hi, looks like|tfjs-node for more/.test(l) && l.trim() !== '');
    return { dir, error: `${backend}: child exited with ${code} before finishing: ${lines.slice(-3).join(' | ')}`, exitsByItself: true, code };
  }
  const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as ChildResult;
  return { result, dir, exitsByItself: !killedLingering, code };
}

function speedups(target: ChildResult['timing'], ratio: ChildResult['timing'] | undefined) {
  if (!target) return undefined;
  return Object.fromEntries(Object.entries(target).map(([d, t]) => {
    const w = ratio?.[d];
    return [d, {
      trainStepMs: t.train.medianMs,
      ratioTrainStepMs: w?.train.medianMs,
      trainSpeedup: w ? w.train.medianMs / t.train.medianMs : undefined,
      embedTextsPerSecond: t.embed.textsPerSecond,
      ratioEmbedTextsPerSecond: w?.embed.textsPerSecond,
      embedSpeedup: w ? t.embed.textsPerSecond / w.embed.textsPerSecond : undefined,
    }];
  }));
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    out: { help: 'folder for gpu-check.json' },
    backend: { default: 'webgpu', help: `backend under test: ${TIMED_BACKENDS.join(', ')}` },
    ratio: { default: 'wasm', help: 'backend timed for the speed-up (wasm or none)' },
    designs: { default: 'all' },
    quick: { flag: true, help: 'fewer steps and texts (a CPU machine)' },
    'forbid-sync-reads': { flag: true, help: 'refuse dataSync/arraySync on any backend, as WebGPU in Node must' },
    'list-data': { flag: true, help: 'print the data files the check reads (manifest path TAB verified file) and exit' },
    model: { default: 'stories260K', help: `the architecture checked: ${CHECK_MODELS.join(', ')} (SmolLM2 with seeded random weights)` },
    meta: { help: `folder with ${META_GGUF} and ${META_JSON} (from --write-meta) instead of the real SmolLM2 file` },
    'numerics-designs': { help: 'designs whose numerics are compared with the cpu backend (default: stories260K all, SmolLM2 m1,m4,m5)' },
    batch: { help: 'triples per timed training step (default: the quick profile\'s 32; SmolLM2 ' + SMOLLM2.timingBatch + ', as wasm has 4 GiB)' },
    'write-meta': { help: `write SmolLM2's metadata-only GGUF and config to this folder (for the pack) and exit` },
    child: {}, result: {}, warmup: {}, steps: {}, 'embed-texts': {},
  }, 'gpu-check');
  const designs = parseDesignList(args.options.designs!).map((d) => d.name);
  const model = args.options.model! as CheckModel;
  if (!CHECK_MODELS.includes(model)) throw new UsageError(`gpu-check: --model must be one of ${CHECK_MODELS.join(', ')}, got '${model}'`);
  if (args.options['write-meta']) { await writeMeta(resolve(args.options['write-meta'])); return 0; }
  const numericsDesigns = args.options['numerics-designs'] !== undefined ? parseDesignList(args.options['numerics-designs']).map((d) => d.name)
    : model === 'stories260K' ? designs : SMOLLM2.numericsDesigns.filter((d) => designs.includes(d));
  const batch = args.options.batch === undefined ? undefined : Number(args.options.batch);
  if (batch !== undefined && !(Number.isInteger(batch) && batch > 0)) throw new UsageError(`gpu-check: --batch must be a positive integer, got '${args.options.batch}'`);
  const setup: CheckSetup = { model, metaDir: args.options.meta ? resolve(args.options.meta) : undefined, numericsDesigns, batch };
  const forbid = args.flags['forbid-sync-reads']!;
  if (args.flags['list-data']) {
    for (const [rel, file] of await dataFiles()) process.stdout.write(`${rel}\t${file}\n`);
    return 0;
  }
  if (args.options.child) {
    const plan = { warmup: Number(args.options.warmup), steps: Number(args.options.steps), embedTexts: Number(args.options['embed-texts']) };
    await child(args.options.backend!, args.options.child.split(','), designs, plan, required(args, 'result', 'gpu-check'), forbid, setup);
    return 0;
  }
  const out = resolve(required(args, 'out', 'gpu-check'));
  const backend = args.options.backend!;
  if (!(TIMED_BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`gpu-check: --backend must be one of ${TIMED_BACKENDS.join(', ')} (cpu is the reference), got '${backend}'`);
  const ratio = args.options.ratio!;
  if (ratio !== 'none' && !(TIMED_BACKENDS as readonly string[]).includes(ratio)) throw new UsageError(`gpu-check: --ratio must be none or one of ${TIMED_BACKENDS.join(', ')}, got '${ratio}'`);
  const quick = args.flags.quick!;
  const smol = model === 'smollm2-135m';
  const plan: TimingPlan = smol ? (quick ? { warmup: 1, steps: 1, embedTexts: 32 } : { warmup: 2, steps: 5, embedTexts: SMOLLM2.embedTexts })
    : quick ? { warmup: 1, steps: 2, embedTexts: 256 } : { warmup: 3, steps: 10, embedTexts: 2048 };
  const ratioPlan: TimingPlan = quick ? plan : smol ? { warmup: 1, steps: 1, embedTexts: SMOLLM2.ratioEmbedTexts } : { warmup: 1, steps: 3, embedTexts: 256 };
  // SmolLM2: the project's trainer is left out (4 steps per design at full batch would not fit wasm's time)
  const parts = smol ? ['numerics', 'timing'] : ['numerics', 'timing', 'trainer'];
  const nshape = numericsShape(model);
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'gpu-check-'));
  const t0 = performance.now();
  const report: Record<string, unknown> = {
    tool: 'gpu-check', date: new Date().toISOString(), node: process.version, platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model, cpuCount: cpus().length, quick, designs, tolerances: TOLERANCES,
    numericsDesigns,
    settings: {
      model, profile: 'quick', batchSize: checkProfile(model, batch).batchSize, encodeBatchSize: checkProfile(model, batch).encodeBatchSize, tripleSources: TRIPLE_SOURCES,
      numericsTriples: nshape.triples, numericsMaxLen: nshape.maxLen, logitsSequences: nshape.logitsSequences, seed: SEED, plan, ratioPlan,
      ...(smol ? { weights: `SEEDED RANDOM WEIGHTS (seed ${SEED}, uniform with std ${SMOLLM2.weightStd}, norms 1), not the trained model: the real file cannot travel; architecture and tokenizer from its metadata`,
        trainer: 'left out for SmolLM2 (the timed steps are the trainer step unrolled)' } : {}),
    },
  };
  const write = (ok: boolean) => {
    report.ok = ok;
    report.seconds = (performance.now() - t0) / 1000;
    writeFileSync(join(out, 'gpu-check.json'), JSON.stringify(report, null, 1) + '\n');
    process.stderr.write(`[gpu-check] wrote ${join(out, 'gpu-check.json')} (${ok ? 'all comparisons within tolerance' : 'FAILED'})\n`);
  };
  try {
    if (smol) {
      const meta = await smolMeta(setup.metaDir);
      report.modelSource = { file: meta.source, sha256: meta.sourceSha256, config: meta.config };
    }
    const target = await runChild(backend, parts, designs, plan, work, forbid, setup);
    if (!target.result) { report.error = target.error; write(false); return 1; }
    const ref = await runChild('cpu', ['numerics'], designs, plan, work, forbid, setup);
    if (!ref.result) { report.error = ref.error; write(false); return 1; }
    const ratioRun = ratio !== 'none' && ratio !== backend ? await runChild(ratio, parts, designs, ratioPlan, work, forbid, setup) : undefined;
    if (ratioRun && !ratioRun.result) report.ratioError = ratioRun.error;
    const kernelsUsed = ref.result.kernelsUsed ?? [];
    const missing = (r?: ChildResult) => (r ? kernelsUsed.filter((k) => !r.kernelsRegistered.includes(k)) : undefined);
    const numerics = compareNumerics(target.result, target.dir, ref.result, ref.dir, numericsDesigns);
    const trainer = target.result.trainer ? compareTrainer(target.result.trainer, ratioRun?.result?.trainer) : undefined;
    Object.assign(report, {
      backend: target.result.backend,
      tfjsVersion: target.result.tfjsVersion,
      ratioBackend: ratioRun?.result?.backend ?? (ratio === backend ? target.result.backend : null),
      exitsByItself: { [backend]: target.exitsByItself, cpu: ref.exitsByItself, ...(ratioRun ? { [ratio]: ratioRun.exitsByItself } : {}) },
      kernels: { used: kernelsUsed, missingOnBackend: missing(target.result), missingOnRatio: missing(ratioRun?.result) },
      numerics,
      trainer,
      ratioNumerics: ratioRun?.result ? compareNumerics(ratioRun.result, ratioRun.dir, ref.result, ref.dir, numericsDesigns) : undefined,
      summary: speedups(target.result.timing, ratio === backend ? target.result.timing : ratioRun?.result?.timing),
      timing: { [backend]: target.result.timing, ...(ratioRun?.result ? { [ratio]: ratioRun.result.timing } : {}) },
      childSeconds: { [backend]: target.result.seconds, cpu: ref.result.seconds, ...(ratioRun?.result ? { [ratio]: ratioRun.result.seconds } : {}) },
    });
    printSummary(report);
    const ok = numerics.pass && (trainer?.pass ?? true);
    write(ok);
    return ok ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function printSummary(report: Record<string, unknown>): void {
  const n = report.numerics as ReturnType<typeof compareNumerics>;
  const lines = [`[gpu-check] ${(report.backend as { description: string }).description} vs cpu:`];
  for (const [m, d] of Object.entries(n.logits)) lines.push(`  logits ${m}: max |diff| ${d.maxAbs.toExponential(2)} (tol ${d.tolerance})`);
  const summary = (report.summary ?? {}) as Record<string, ReturnType<typeof speedups> extends infer S ? S extends Record<string, infer V> ? V : never : never>;
  for (const [d, e] of Object.entries(n.designs) as [string, { loss: { absDiff: number }; embeddings: Diff; weightsAfterStep: Diff & { wellConditioned: Diff; illConditioned: Diff }; gradients: Diff }][]) {
    const s = summary[d];
    const speed = s ? ` | step ${s.trainStepMs.toFixed(0)} ms${s.trainSpeedup ? ` (${s.trainSpeedup.toFixed(1)}× wasm)` : ''}, ${s.embedTextsPerSecond.toFixed(0)} texts/s${s.embedSpeedup ? ` (${s.embedSpeedup.toFixed(1)}×)` : ''}` : '';
    lines.push(`  ${d}: loss Δ ${e.loss.absDiff.toExponential(2)}, emb ${e.embeddings.maxAbs.toExponential(2)}, grad ${e.gradients.maxAbs.toExponential(2)}, weights ${e.weightsAfterStep.wellConditioned.maxAbs.toExponential(2)} (${e.weightsAfterStep.illConditioned.n} at |g| ≈ 0: ${e.weightsAfterStep.illConditioned.maxAbs.toExponential(2)})${speed}`);
  }
  for (const [d, s] of Object.entries(summary)) {
    if (!(d in n.designs)) lines.push(`  ${d}: (numerics not compared) | step ${s.trainStepMs.toFixed(0)} ms${s.trainSpeedup ? ` (${s.trainSpeedup.toFixed(1)}× wasm)` : ''}, ${s.embedTextsPerSecond.toFixed(1)} texts/s${s.embedSpeedup ? ` (${s.embedSpeedup.toFixed(1)}×)` : ''}`);
  }
  const t = report.trainer as ReturnType<typeof compareTrainer> | undefined;
  for (const [d, e] of Object.entries(t?.designs ?? {})) lines.push(`  ${d}: trainer ${t!.steps} steps ${e.seconds.toFixed(1)} s${e.ratioSeconds !== undefined ? ` (wasm ${e.ratioSeconds.toFixed(1)} s)` : ''}, losses vs wasm max |diff| ${e.maxAbsLossDiff?.toExponential(2) ?? '-'}`);
  process.stderr.write(lines.join('\n') + '\n');
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`gpu-check: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
