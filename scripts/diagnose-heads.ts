// `node --import tsx scripts/diagnose-heads.ts --model smollm2-135m --out DIR [--profile smollm2]
//     [--texts 16] [--steps 6] [--grad-designs m1,m2,m3,m5] [--seed 1] [--variants JSON] [--grad-variants JSON]
//     [--skip-grads] [--checkpoint-layers] [--render]`
// Why do the trainable heads (m2, m3, m5) stay at chance on a real LLM? Measures, before any training
// budget is spent, with the project's own decoder, poolings and training step:
//  1. what enters each head, per layer and in both attention modes, over `--texts` unrelated e-SNLI
//     sentences (BOS + text + EOS, as the embedder builds them): hidden-state RMS and token norms (the
//     first token apart from the others), EOS-vector and masked-mean norms, the N(0, 1) layer embedding
//     of the multi-layer heads (norm ≈ √d), and the mean pairwise cosine between the texts' inputs
//     (EOS vectors; masked means with and without the first token), raw and after the head's pre-norm;
//  2. the head OUTPUT at initialisation for m1..m6 (and `--variants`, e.g. a head option under test):
//     mean pairwise cosine between the texts' embeddings, and the share of the output that is the same
//     for every text (the mean over N(0, 1) latents adds a constant);
//  3. for `--grad-designs`, the first `--steps` optimizer steps of the trainer's own step
//     (src/training/step.ts) with the profile's settings on the run's real triples: the loss, the
//     gradient norm and the relative update ‖ΔW‖/‖W‖ per parameter group, and the probe texts'
//     embedding cosine after each step.
// Writes DIR/diagnosis.json (every number) and DIR/diagnosis.md (tables).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseArgs, required, UsageError } from '../src/cli/args.ts';
import { initBackend, backendName } from '../src/backend/index.ts';
import { loadModel, type LoadedModel } from '../src/model/load.ts';
import { forward, type AttentionMode } from '../src/model/decoder.ts';
import { padBatch, type TokenBatch } from '../src/model/batch.ts';
import { DESIGNS, designByName, type Design } from '../src/designs.ts';
import { profileByName, type Profile } from '../src/training/profiles.ts';
import { createDesignPooling } from '../src/pooling/index.ts';
import { createEmbeddingModel, initSeeds, trainableVariables } from '../src/embedding/embedding-model.ts';
import { embedBatch, embeddingTokens } from '../src/embedding/embedder.ts';
import { trainStep, tripleBatch, type MicroBatch } from '../src/training/step.ts';
import { AdamW, linearWarmupDecay } from '../src/training/adamw.ts';
import { microBatchIndices } from '../src/training/trainer.ts';
import { loadTrainingTriples, type Triple } from '../src/training/triples.ts';

const log = (s: string) => process.stderr.write(s + '\n');
const MODES: AttentionMode[] = ['causal', 'bidirectional'];

interface Variant { name: string; design: string; head: Record<string, unknown> }

// ---------------------------------------------------------------------------------------------------
// small vector helpers (plain JS, float64 sums)

const dot = (a: Float32Array, b: Float32Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));
const cos = (a: Float32Array, b: Float32Array) => dot(a, b) / Math.max(norm(a) * norm(b), 1e-30);
/** what the head's LayerNorm makes of a vector at initialisation (gain 1, bias 0): centred, unit variance */
function layerNormed(a: Float32Array, eps = 1e-5): Float32Array {
  let m = 0; for (const x of a) m += x; m /= a.length;
  let v = 0; for (const x of a) v += (x - m) ** 2; v /= a.length;
  const s = 1 / Math.sqrt(v + eps);
  return Float32Array.from(a, (x) => (x - m) * s);
}
function meanPairwiseCos(vs: Float32Array[]): number {
  let s = 0, n = 0;
  for (let i = 0; i < vs.length; i++) for (let j = i + 1; j < vs.length; j++) { s += cos(vs[i]!, vs[j]!); n++; }
  return s / n;
}
function meanVec(vs: Float32Array[]): Float32Array {
  const out = new Float32Array(vs[0]!.length);
  for (const v of vs) for (let i = 0; i < v.length; i++) out[i]! += v[i]! / vs.length;
  return out;
}
const add = (a: Float32Array, b: Float32Array) => Float32Array.from(a, (x, i) => x + b[i]!);
const avg = (xs: number[]) => xs.reduce((p, x) => p + x, 0) / xs.length;
/** the share of the texts' mean squared norm that is their common mean vector (1 = every text the same) */
function commonShare(vs: Float32Array[]): number {
  const m = meanVec(vs);
  return dot(m, m) / avg(vs.map((v) => dot(v, v)));
}
const r = (x: number, d = 4) => (Number.isFinite(x) ? Number(x.toPrecision(d)) : x);

// ---------------------------------------------------------------------------------------------------

function probeTexts(triples: readonly Triple[], n: number): string[] {
  // unrelated sentences: queries of triples spread over the set, no two alike
  const out: string[] = [];
  const seen = new Set<string>();
  const stride = Math.max(1, Math.floor(triples.length / (n * 2)));
  for (let i = 0; i < triples.length && out.length < n; i += stride) {
    const q = triples[i]!.query;
    if (!seen.has(q)) { seen.add(q); out.push(q); }
  }
  return out;
}

interface LayerStats {
  layer: number;
  rmsAll: number; normFirst: number; normOthers: number; maxNormOthers: number;
  normEos: number; normMean: number; normMeanNoFirst: number;
  /** the first token's share of the masked mean: ‖x_first / n‖ / ‖mean‖ */
  firstShareOfMean: number;
  cosEos: number; cosMean: number; cosMeanNoFirst: number;
  /** after the head's pre-norm (LayerNorm at init) */
  cosEosLN: number; cosMeanLN: number; cosMeanNoFirstLN: number;
  /** the first token's largest coordinates: dims, values, their share of its squared norm */
  firstTopDims: number[]; firstTopValues: number[]; firstTopShare: number;
  /** share of the masked mean's squared norm in those dims */
  meanTopShare: number;
  /** common share (1 = all texts the same vector) */
  commonEos: number; commonMean: number; commonMeanNoFirst: number;
}

interface HiddenRead { states: Float32Array[]; B: number; T: number; d: number; mask: Uint8Array }

async function readHidden(base: LoadedModel, batch: TokenBatch, mode: AttentionMode): Promise<HiddenRead> {
  const out = forward(base.model, batch, { attention: mode });
  const states: Float32Array[] = [];
  for (const h of out.hiddenStates) states.push((await h.data()) as Float32Array);
  tf.dispose(out.hiddenStates);
  return { states, B: batch.batch, T: batch.seqLen, d: base.model.config.dim, mask: batch.mask };
}

/** tokens whose norm is over 10× the layer's median token norm: how many per text, where, which */
function massiveTokens(h: HiddenRead, layer: number, ids: Int32Array, decode: (ids: number[]) => string) {
  const { B, T, d, mask } = h;
  const x = h.states[layer]!;
  const norms: { b: number; k: number; t: number; n: number }[] = [];
  for (let b = 0; b < B; b++) {
    let k = 0;
    for (let t = 0; t < T; t++) if (mask[b * T + t]) norms.push({ b, k: k++, t, n: norm(x.subarray((b * T + t) * d, (b * T + t + 1) * d)) });
  }
  const sorted = norms.map((o) => o.n).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const big = norms.filter((o) => o.n > 10 * median);
  const lengths = [...Array(B).keys()].map((b) => norms.filter((o) => o.b === b).length);
  const perText = [...Array(B).keys()].map((b) => big.filter((o) => o.b === b).length);
  const where: Record<string, number> = {};
  for (const o of big) {
    const pos = o.k === 0 ? 'first (BOS)' : o.k === lengths[o.b]! - 1 ? 'last (EOS)' : `token ${JSON.stringify(decode([ids[o.b * T + o.t]!]))}`;
    where[pos] = (where[pos] ?? 0) + 1;
  }
  return { layer, medianNorm: r(median), threshold: r(10 * median), textsWithMassive: perText.filter((n) => n > 0).length, massivePerText: perText, where, meanMassiveNorm: r(big.length ? avg(big.map((o) => o.n)) : 0) };
}

/** per text: the EOS vector, the masked mean, the masked mean without the first real token, the first token */
function perTextVectors(h: HiddenRead, layer: number) {
  const { B, T, d, mask } = h;
  const x = h.states[layer]!;
  const row = (b: number, t: number) => x.subarray((b * T + t) * d, (b * T + t + 1) * d);
  const eos: Float32Array[] = [], mean: Float32Array[] = [], meanNoFirst: Float32Array[] = [], first: Float32Array[] = [];
  const tokenNormsOthers: number[] = [];
  let sq = 0, count = 0;
  for (let b = 0; b < B; b++) {
    const real: number[] = [];
    for (let t = 0; t < T; t++) if (mask[b * T + t]) real.push(t);
    const m = new Float32Array(d), m1 = new Float32Array(d);
    real.forEach((t, k) => {
      const v = row(b, t);
      for (let i = 0; i < d; i++) { m[i]! += v[i]! / real.length; if (k > 0) m1[i]! += v[i]! / (real.length - 1); sq += v[i]! * v[i]!; }
      count += d;
      if (k > 0) tokenNormsOthers.push(norm(v));
    });
    eos.push(Float32Array.from(row(b, real.at(-1)!)));
    first.push(Float32Array.from(row(b, real[0]!)));
    mean.push(m); meanNoFirst.push(m1);
  }
  return { eos, mean, meanNoFirst, first, tokenNormsOthers, rmsAll: Math.sqrt(sq / count) };
}

function layerStats(h: HiddenRead, layer: number): LayerStats {
  const v = perTextVectors(h, layer);
  // the first token's largest coordinates (averaged over texts; it is the same BOS token everywhere)
  const f = meanVec(v.first.map((a) => Float32Array.from(a, Math.abs)));
  const top = [...f.keys()].sort((a, b) => f[b]! - f[a]!).slice(0, 3);
  const share = (vs: Float32Array[]) => avg(vs.map((a) => top.reduce((s, i) => s + a[i]! ** 2, 0) / Math.max(dot(a, a), 1e-30)));
  const lengths = v.mean.map((_, b) => { let n = 0; for (let t = 0; t < h.T; t++) n += h.mask[b * h.T + t]!; return n; });
  return {
    layer,
    rmsAll: r(v.rmsAll), normFirst: r(avg(v.first.map(norm))), normOthers: r(avg(v.tokenNormsOthers)), maxNormOthers: r(Math.max(...v.tokenNormsOthers)),
    normEos: r(avg(v.eos.map(norm))), normMean: r(avg(v.mean.map(norm))), normMeanNoFirst: r(avg(v.meanNoFirst.map(norm))),
    firstShareOfMean: r(avg(v.first.map((a, b) => norm(a) / lengths[b]! / Math.max(norm(v.mean[b]!), 1e-30)))),
    cosEos: r(meanPairwiseCos(v.eos)), cosMean: r(meanPairwiseCos(v.mean)), cosMeanNoFirst: r(meanPairwiseCos(v.meanNoFirst)),
    cosEosLN: r(meanPairwiseCos(v.eos.map((a) => layerNormed(a)))), cosMeanLN: r(meanPairwiseCos(v.mean.map((a) => layerNormed(a)))),
    cosMeanNoFirstLN: r(meanPairwiseCos(v.meanNoFirst.map((a) => layerNormed(a)))),
    firstTopDims: top, firstTopValues: top.map((i) => r(avg(v.first.map((a) => a[i]!)))), firstTopShare: r(share(v.first)),
    meanTopShare: r(share(v.mean)),
    commonEos: r(commonShare(v.eos)), commonMean: r(commonShare(v.mean)), commonMeanNoFirst: r(commonShare(v.meanNoFirst)),
  };
}

/** m3/m5's key/value inputs: per-layer vector + layer embedding, then the head's pre-norm, compared across texts */
function multiLayerInputs(h: HiddenRead, layerEmbedding: Float32Array, mode: AttentionMode, which: 'eos' | 'mean' | 'meanNoFirst') {
  const d = h.d;
  const L = h.states.length - 1;
  const rows = [];
  for (let l = 1; l <= L; l++) {
    const v = perTextVectors(h, l)[which];
    const e = layerEmbedding.subarray((l - 1) * d, l * d);
    const withEmb = v.map((a) => add(a, e));
    rows.push({
      layer: l, normInput: r(avg(v.map(norm))), normLayerEmbedding: r(norm(e)),
      cosInputEmbedding: r(avg(v.map((a) => cos(a, e)))),
      cosAfterAddLN: r(meanPairwiseCos(withEmb.map((a) => layerNormed(a)))),
      commonAfterAddLN: r(commonShare(withEmb.map((a) => layerNormed(a)))),
    });
  }
  void mode;
  return rows;
}

// ---------------------------------------------------------------------------------------------------

interface OutputStats { name: string; design: string; attention: AttentionMode; head: Record<string, unknown>; cos: number; common: number; outputNorm: number; latentsMeanNorm: number | null }

async function headOutputs(base: LoadedModel, hidden: Record<AttentionMode, { batch: TokenBatch }>, profile: Profile, seed: number, variants: Variant[]): Promise<OutputStats[]> {
  const rows: OutputStats[] = [];
  for (const v of variants) {
    const design = designByName(v.design);
    const pooling = createDesignPooling(design, base.model.config, v.head, initSeeds(seed).head);
    const { batch } = hidden[design.attention];
    const T = batch.seqLen;
    const out = tf.tidy(() => {
      const fw = forward(base.model, batch, { attention: design.attention });
      const last = new Int32Array(batch.batch);
      for (let b = 0; b < batch.batch; b++) for (let t = 0; t < T; t++) if (batch.mask[b * T + t]) last[b] = b * T + t;
      return pooling.pool({ hiddenStates: fw.hiddenStates, mask: tf.tensor2d(Float32Array.from(batch.mask), [batch.batch, T]), lastIndex: tf.tensor1d(last, 'int32'), attention: design.attention, training: false });
    });
    const data = (await out.data()) as Float32Array;
    const d = out.shape[1];
    out.dispose();
    const vs = [...Array(batch.batch).keys()].map((b) => data.slice(b * d, (b + 1) * d));
    let latentsMeanNorm: number | null = null;
    const lat = pooling.variables.latents;
    if (lat && (design.pooling === 'last-layer-trainable' || design.pooling === 'multi-layer-trainable')) {
      const m = tf.tidy(() => tf.norm(tf.mean(lat, 0)));
      latentsMeanNorm = r((await m.data())[0]!);
      m.dispose();
    }
    rows.push({ name: v.name, design: v.design, attention: design.attention, head: v.head, cos: r(meanPairwiseCos(vs)), common: r(commonShare(vs)), outputNorm: r(avg(vs.map(norm))), latentsMeanNorm });
    tf.dispose(Object.values(pooling.variables));
    log(`  output ${v.name}: mean pairwise cosine ${r(meanPairwiseCos(vs))}, common share ${r(commonShare(vs))}, norm ${r(avg(vs.map(norm)))}${latentsMeanNorm !== null ? `, ‖mean of latents‖ ${latentsMeanNorm}` : ''}`);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------

/** parameter group of a trainable variable's name */
export function paramGroup(name: string): string {
  if (name.startsWith('lora.')) return name.endsWith('lora_A') ? 'LoRA A' : 'LoRA B';
  const k = name.replace(/^head\./, '');
  if (k === 'latents') return 'head latents';
  if (k === 'layer_embedding') return 'layer embedding';
  if (/norm/.test(k)) return 'head norms';
  if (k.startsWith('cross_attn.to_q')) return 'attn q';
  if (k.startsWith('cross_attn.to_k')) return 'attn k';
  if (k.startsWith('cross_attn.to_v')) return 'attn v';
  if (k.startsWith('cross_attn.to_out')) return 'attn out';
  if (k.startsWith('ff.')) return 'head FF';
  return k;
}

interface StepRecord { step: number; lr: number; loss: number; gradNorm: number; groups: Record<string, { grad: number; weight: number; update: number }>; probeCos: number }

async function sumSquaresByGroup(ts: Record<string, tf.Tensor>): Promise<Record<string, number>> {
  const keys = Object.keys(ts);
  const sq = tf.tidy(() => tf.stack(keys.map((k) => tf.sum(tf.square(ts[k]!)))));
  const vals = await sq.data();
  sq.dispose();
  const out: Record<string, number> = {};
  keys.forEach((k, i) => { const g = paramGroup(k); out[g] = (out[g] ?? 0) + vals[i]!; });
  return out;
}

async function gradientSteps(base: LoadedModel, designName: string, head: Record<string, unknown>, profile: Profile, triples: readonly Triple[], probe: TokenBatch, seed: number, steps: number, totalSteps: number): Promise<StepRecord[]> {
  const design = designByName(designName);
  const em = createEmbeddingModel(base, design, { ...profile, head }, seed);
  const vars = trainableVariables(em);
  const adam = new AdamW(vars, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: profile.weightDecay });
  const tok = base.tokenizer;
  const cache = new Map<number, number[][]>();
  const encode = (i: number) => {
    let s = cache.get(i);
    if (!s) cache.set(i, (s = [triples[i]!.query, triples[i]!.positive, triples[i]!.negative].map((x) => embeddingTokens(tok, x, profile.maxLen))));
    return s;
  };
  const probeCos = async () => {
    const e = tf.tidy(() => embedBatch(em, probe));
    const data = (await e.data()) as Float32Array;
    const d = e.shape[1];
    e.dispose();
    return meanPairwiseCos([...Array(probe.batch).keys()].map((b) => data.slice(b * d, (b + 1) * d)));
  };
  const records: StepRecord[] = [];
  log(`  ${designName}${Object.keys(head).length ? ' ' + JSON.stringify(head) : ''}: probe cosine at init ${r(await probeCos())}`);
  for (let step = 0; step < steps; step++) {
    const lr = linearWarmupDecay(step, profile.lr, profile.warmupSteps, totalSteps);
    let gradSq: Record<string, number> = {};
    const before = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.clone()]));
    const microBatch = (m: number): MicroBatch => {
      const g = step * profile.gradAccum + m;
      const idx = microBatchIndices(g, profile.batchSize, triples.length, seed);
      return { batch: tripleBatch(idx.map(encode), tok.padId), triples: idx.length, dropoutSeed: seed * 1_000_003 + g, label: `step ${step + 1}` };
    };
    const t0 = Date.now();
    const { loss, norm: gradNorm } = await trainStep(em, vars, adam, microBatch, {
      scale: profile.scale, clipNorm: profile.clipNorm, lr, gradAccum: profile.gradAccum, checkpointLayers: profile.checkpointLayers, label: `step ${step + 1}`,
      fail: (what) => new Error(`[diagnose ${designName}] ${what}`),
      onGradients: async (grads) => {
        const s = await sumSquaresByGroup(grads);
        for (const [g, x] of Object.entries(s)) gradSq[g] = (gradSq[g] ?? 0) + x / profile.gradAccum ** 2;
      },
    });
    const deltas = tf.tidy(() => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, tf.sub(v, before[k]!)])));
    const updSq = await sumSquaresByGroup(deltas);
    // against the larger of the weights before and after (LoRA B starts at 0)
    const wBefore = await sumSquaresByGroup(before), wAfter = await sumSquaresByGroup(vars);
    const wSq = Object.fromEntries(Object.keys(wBefore).map((g) => [g, Math.max(wBefore[g]!, wAfter[g]!)]));
    tf.dispose([...Object.values(deltas), ...Object.values(before)]);
    const groups: StepRecord['groups'] = {};
    for (const g of Object.keys(wSq)) groups[g] = { grad: r(Math.sqrt(gradSq[g] ?? 0)), weight: r(Math.sqrt(wSq[g]!)), update: r(Math.sqrt(updSq[g]!) / Math.max(Math.sqrt(wSq[g]!), 1e-30)) };
    const pc = await probeCos();
    records.push({ step: step + 1, lr: r(lr), loss: r(loss), gradNorm: r(gradNorm), groups, probeCos: r(pc) });
    log(`  ${designName} step ${step + 1}: loss ${loss.toFixed(4)} grad norm ${gradNorm.toPrecision(3)} probe cosine ${pc.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    gradSq = {};
  }
  tf.dispose(Object.values(vars));
  tf.dispose([...Object.values(adam.m), ...Object.values(adam.v)]);
  return records;
}

// ---------------------------------------------------------------------------------------------------

function table(header: string[], rows: (string | number)[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function markdown(j: any): string {
  const out: string[] = [];
  out.push(`# Why the trainable heads stay at chance: inputs, outputs and gradients at initialisation`);
  out.push('');
  out.push(`Model ${j.model} (d = ${j.dim}, ${j.layers} layers), profile ${j.profile} (lr ${j.lr}, LoRA r${j.loraRank}, ${j.batchSize} triples per step), seed ${j.seed}, backend ${j.backend}. ` +
    `${j.checkpointLayers ? 'Training steps with activation checkpointing (the same gradients up to rounding; checked on one SmolLM2 micro-batch against the plain backward pass and a directional derivative). ' : ''}` +
    `${j.texts.length} unrelated e-SNLI sentences as the embedder builds them (BOS + text + EOS, left padding). Generated by \`scripts/diagnose-heads.ts\`. ` +
    `Layer 0 = the token embeddings; layer ${j.layers} is after the final RMSNorm (what m1, m2, m4 and m6 read). ` +
    `The N(0, 1) layer embedding of m3/m5 has row norms ≈ √d = ${Math.sqrt(j.dim).toFixed(1)} (measured mean ${j.layerEmbeddingRowNorm}).`);
  for (const mode of MODES) {
    out.push('', `## Hidden states, ${mode} attention`, '');
    out.push(table(['layer', 'RMS all', '‖first‖', '‖other‖ mean', '‖other‖ max', '‖EOS‖', '‖mean‖', '‖mean w/o first‖', 'first/n share of mean', 'cos EOS', 'cos mean', 'cos mean w/o first', 'cos EOS (LN)', 'cos mean (LN)', 'cos mean w/o first (LN)', 'first top dims (value)'],
      j.hidden[mode].map((s: LayerStats) => [s.layer, s.rmsAll, s.normFirst, s.normOthers, s.maxNormOthers, s.normEos, s.normMean, s.normMeanNoFirst, s.firstShareOfMean, s.cosEos, s.cosMean, s.cosMeanNoFirst, s.cosEosLN, s.cosMeanLN, s.cosMeanNoFirstLN,
        s.firstTopDims.map((d, i) => `${d} (${s.firstTopValues[i]})`).join(', ')])));
  }
  out.push('', `## Massive activations: tokens whose norm is over 10× the layer's median token norm`, '');
  out.push(table(['attention', 'layer', 'median token norm', 'texts with one', 'mean norm of those tokens', 'where'],
    MODES.flatMap((mode) => j.massiveTokens[mode].map((m: any) => [mode, m.layer, m.medianNorm, `${m.textsWithMassive}/${j.texts.length}`, m.meanMassiveNorm, Object.entries(m.where).map(([k, n]) => `${k} ×${n}`).join(', ')]))));
  out.push('', `## What the multi-layer heads' keys/values see: per-layer vector + layer embedding, after the pre-norm`, '');
  out.push(`cos(input, emb): the per-layer vector against that layer's embedding row; cos after +emb, LN: the mean pairwise cosine across texts of what the head's LayerNorm hands to the keys and values.`, '');
  const ml = j.multiLayerInputs;
  out.push(table(['layer', 'm3 ‖EOS‖', 'm3 cos after +emb, LN', 'm5 ‖mean‖', 'm5 cos after +emb, LN', 'm5 w/o first ‖mean‖', 'm5 w/o first cos after +emb, LN', '‖emb row‖'],
    ml.m3.map((a: any, i: number) => [a.layer, a.normInput, a.cosAfterAddLN, ml.m5[i].normInput, ml.m5[i].cosAfterAddLN, ml.m5NoFirst[i].normInput, ml.m5NoFirst[i].cosAfterAddLN, a.normLayerEmbedding])));
  out.push('', `## Head outputs at initialisation`, '');
  out.push(`Mean pairwise cosine of the ${j.texts.length} texts' pooled embeddings (before L2 normalisation, which does not change a cosine); common share = ‖mean over texts‖² / mean ‖e‖² (1: the same vector for every text); ‖mean of latents‖: the constant the mean over N(0, 1) latents adds to every output.`, '');
  out.push(table(['variant', 'design', 'attention', 'head options', 'output cos', 'common share', '‖output‖', '‖mean of latents‖'],
    j.outputs.map((o: OutputStats) => [o.name, o.design, o.attention, Object.keys(o.head).length ? '`' + JSON.stringify(o.head) + '`' : '(authors\')', o.cos, o.common, o.outputNorm, o.latentsMeanNorm ?? '—'])));
  if (j.gradients && Object.keys(j.gradients).length) {
    out.push('', `## The first training steps (src/training/step.ts, profile ${j.profile}, lr schedule of ${j.scheduleSteps} steps)`, '');
    out.push(`grad: the group's gradient norm (before clipping to ${j.clipNorm}, global); upd: ‖ΔW‖/‖W‖ of the step, against the larger of the weights before and after (LoRA B starts at 0); probe cos: the probe texts' embedding cosine after the step.`, '');
    for (const [name, recs] of Object.entries(j.gradients) as [string, StepRecord[]][]) {
      const groups = Object.keys(recs[0]!.groups);
      out.push(`### ${name}`, '');
      out.push(table(['step', 'lr', 'loss', 'global grad', 'probe cos', ...groups.map((g) => `${g} grad / upd`)],
        recs.map((x) => [x.step, x.lr, x.loss, x.gradNorm, x.probeCos, ...groups.map((g) => `${x.groups[g]!.grad} / ${x.groups[g]!.update}`)])));
      out.push('');
    }
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<void> {
  const cmd = 'diagnose-heads';
  const args = parseArgs(process.argv.slice(2), {
    model: { default: 'smollm2-135m' }, out: {}, profile: { default: 'smollm2' }, texts: { default: '16' }, steps: { default: '6' },
    'grad-designs': { default: 'm1,m2,m3,m5' }, seed: { default: '1' },
    variants: { help: 'JSON list of {name, design, head} measured beside the designs (head options under test)' },
    'grad-variants': { help: 'JSON list of {name, design, head} whose first steps are measured too' },
    'skip-grads': { flag: true },
    render: { flag: true, help: 'only write DIR/diagnosis.md again from DIR/diagnosis.json' },
    'checkpoint-layers': { flag: true, help: 'recompute decoder layers in the backward pass (~2 GB instead of 7–12 GB; same numbers up to rounding)' },
  }, cmd);
  const out = required(args, 'out', cmd);
  if (args.flags.render) {
    writeFileSync(join(out, 'diagnosis.md'), markdown(JSON.parse(readFileSync(join(out, 'diagnosis.json'), 'utf8'))));
    return;
  }
  const profile: Profile = { ...profileByName(args.options.profile!), model: args.options.model! };
  if (args.flags['checkpoint-layers']) profile.checkpointLayers = true;
  const seed = Number(args.options.seed);
  const nTexts = Number(args.options.texts);
  const steps = Number(args.options.steps);
  const variants: Variant[] = args.options.variants ? JSON.parse(args.options.variants) : [];
  const gradVariants: Variant[] = args.options['grad-variants'] ? JSON.parse(args.options['grad-variants']) : [];
  if (!Number.isInteger(nTexts) || nTexts < 3) throw new UsageError(`${cmd}: --texts must be an integer >= 3`);
  mkdirSync(out, { recursive: true });
  await initBackend();
  const t0 = Date.now();
  log(`[diagnose] loading ${profile.model}`);
  const base = await loadModel(profile.model);
  const c = base.model.config;
  log(`[diagnose] training triples (${profile.trainingSources.join(', ')}, ≤ ${profile.triplesPerSource} per source)`);
  const { triples } = await loadTrainingTriples({ seed: 0, limit: profile.triplesPerSource, sources: profile.trainingSources, instructQueries: profile.instructions.train === 'queries' });
  const texts = probeTexts(triples, nTexts);
  const probe = padBatch(texts.map((t) => embeddingTokens(base.tokenizer, t, profile.maxLen)), 'left', base.tokenizer.padId);
  log(`[diagnose] ${texts.length} probe texts, ${probe.seqLen} tokens at most`);

  // 1. hidden states per layer, both modes
  const hidden = {} as Record<AttentionMode, LayerStats[]>;
  const massive = {} as Record<AttentionMode, ReturnType<typeof massiveTokens>[]>;
  const reads = {} as Record<AttentionMode, HiddenRead>;
  for (const mode of MODES) {
    log(`[diagnose] hidden states, ${mode}`);
    reads[mode] = await readHidden(base, probe, mode);
    hidden[mode] = reads[mode].states.map((_, l) => layerStats(reads[mode], l));
    massive[mode] = [1, Math.round(c.nLayers / 4), Math.round(c.nLayers / 2), Math.round((3 * c.nLayers) / 4), c.nLayers - 1].map((l) => massiveTokens(reads[mode], l, probe.ids, (ids) => base.tokenizer.decode(ids)));
    for (const m of massive[mode]) log(`  massive tokens at layer ${m.layer} (> ${m.threshold}): in ${m.textsWithMassive}/${texts.length} texts, ${JSON.stringify(m.where)}`);
    for (const s of hidden[mode]) if (s.layer % 5 === 0 || s.layer === c.nLayers) log(`  layer ${s.layer}: ‖first‖ ${s.normFirst} ‖other‖ ${s.normOthers} ‖EOS‖ ${s.normEos} ‖mean‖ ${s.normMean} cos EOS ${s.cosEos} mean ${s.cosMean} mean w/o first ${s.cosMeanNoFirst} (LN: ${s.cosEosLN} / ${s.cosMeanLN} / ${s.cosMeanNoFirstLN})`);
  }
  // the multi-layer heads' layer embedding, as the trainer initialises it
  const m3 = createDesignPooling(DESIGNS.m3!, c, profile.head, initSeeds(seed).head);
  const emb = (await m3.variables.layer_embedding!.data()) as Float32Array;
  tf.dispose(Object.values(m3.variables));
  const embRows = [...Array(c.nLayers).keys()].map((l) => norm(emb.subarray(l * c.dim, (l + 1) * c.dim)));
  const multi = {
    m3: multiLayerInputs(reads.causal, emb, 'causal', 'eos'),
    m5: multiLayerInputs(reads.bidirectional, emb, 'bidirectional', 'mean'),
    m5NoFirst: multiLayerInputs(reads.bidirectional, emb, 'bidirectional', 'meanNoFirst'),
  };

  // 2. head outputs at init
  log(`[diagnose] head outputs at initialisation`);
  const designVariants: Variant[] = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'base-mean'].map((d) => ({ name: d, design: d, head: d === 'base-mean' || d === 'm1' ? {} : profile.head }));
  const outputs = await headOutputs(base, { causal: { batch: probe }, bidirectional: { batch: probe } }, profile, seed, [...designVariants, ...variants]);

  // 3. gradients over the first steps
  const gradients: Record<string, StepRecord[]> = {};
  if (!args.flags['skip-grads']) {
    const gradList: Variant[] = [...args.options['grad-designs']!.split(',').filter(Boolean).map((d) => ({ name: d, design: d, head: profile.head })), ...gradVariants];
    for (const v of gradList) {
      log(`[diagnose] first ${steps} steps of ${v.name}`);
      gradients[v.name] = await gradientSteps(base, v.design, v.head, profile, triples, probe, seed, steps, profile.steps);
    }
  }

  const result = {
    model: profile.model, dim: c.dim, layers: c.nLayers, profile: profile.name, lr: profile.lr, loraRank: profile.lora.rank, batchSize: profile.batchSize,
    clipNorm: profile.clipNorm, scheduleSteps: profile.steps, checkpointLayers: profile.checkpointLayers, seed, backend: backendName(), seconds: Math.round((Date.now() - t0) / 1000),
    texts, tokens: probe.seqLen,
    layerEmbeddingRowNorm: r(avg(embRows)),
    hidden, massiveTokens: massive, multiLayerInputs: multi, outputs, gradients,
  };
  writeFileSync(join(out, 'diagnosis.json'), JSON.stringify(result, null, 1) + '\n');
  writeFileSync(join(out, 'diagnosis.md'), markdown(result));
  log(`[diagnose] wrote ${join(out, 'diagnosis.json')} and diagnosis.md in ${result.seconds} s`);
}

main().catch((e) => { log(e instanceof Error ? e.stack ?? e.message : String(e)); process.exit(1); });
