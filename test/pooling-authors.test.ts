// Each trainable TypeScript head (m2–m6) against an independent PyTorch port of the authors' modules
// (test/pooling-authors.py: PerceiverResampler, FeedForward with biases, nn.Embedding layer embedding;
// NV-Embed's LatentAttentionModel), on the same weights and inputs, with left padding present:
// outputs (before and after L2 normalisation) and every parameter's gradient agree to 1e-5; the
// freshly initialised heads have the authors' tensors, shapes and init distributions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { createPooling, type PoolingInput } from '../src/pooling/index.ts';
import type { DecoderConfig } from '../src/model/config.ts';
import { VENV_PYTHON, onBoth, randn } from './helpers.ts';

await initBackend({ force: 'wasm', quiet: true });

const PORT = fileURLToPath(new URL('./pooling-authors.py', import.meta.url));
const cfg: DecoderConfig = {
  architecture: 'llama', dim: 16, hiddenDim: 32, nLayers: 3, nHeads: 4, nKvHeads: 2, headDim: 4, vocabSize: 10,
  maxSeqLen: 16, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true, qkvBias: false, bosId: 1, eosId: 2,
};
const B = 3, T = 6;
// left padding, as the authors' tokenizer: position T-1 is every row's EOS
const maskRows = [[0, 0, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1]];

interface Case { name: string; design: string; pooling: string; attention: 'causal' | 'bidirectional'; options: Record<string, unknown> }
const small = { latents: 5, heads: 4, headDim: 6, ffMult: 4 };
const cases: Case[] = [
  { name: 'm2', design: 'm2', pooling: 'last-layer-trainable', attention: 'causal', options: small },
  { name: 'm3', design: 'm3', pooling: 'multi-layer-trainable', attention: 'causal', options: small },
  { name: 'm4', design: 'm4', pooling: 'last-layer-trainable', attention: 'bidirectional', options: small },
  { name: "m4 unmasked (the authors' Model 4)", design: 'm4', pooling: 'last-layer-trainable', attention: 'bidirectional', options: { ...small, maskPadding: false } },
  { name: 'm5', design: 'm5', pooling: 'multi-layer-trainable', attention: 'bidirectional', options: small },
  { name: 'm6', design: 'm6', pooling: 'latent-attention', attention: 'bidirectional', options: { latents: 7, heads: 2, headDim: 16, ffMult: 4 } },
  // the default sizes (src/pooling/head-sizes.ts), whatever they are
  { name: 'm3 default sizes', design: 'm3', pooling: 'multi-layer-trainable', attention: 'causal', options: {} },
  { name: 'm4 default sizes', design: 'm4', pooling: 'last-layer-trainable', attention: 'bidirectional', options: {} },
  { name: 'm6 default sizes', design: 'm6', pooling: 'latent-attention', attention: 'bidirectional', options: {} },
];

function input(attention: Case['attention']): PoolingInput {
  const hs = Array.from({ length: cfg.nLayers + 1 }, (_, l) => tf.tensor3d(randn(B * T * cfg.dim, 100 + l), [B, T, cfg.dim]));
  const last = maskRows.map((m, b) => b * T + m.lastIndexOf(1));
  return { hiddenStates: hs, mask: tf.tensor2d(maskRows), lastIndex: tf.tensor1d(last, 'int32'), attention, training: false };
}

const dump = (vars: Record<string, tf.Variable>) =>
  Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.dataSync()) }]));

interface PortResult {
  raw: number[]; normed: number[]; grads: Record<string, number[]>;
  init: Record<string, { constant: boolean; equal?: boolean; ks_p?: number; max_abs?: number; ref_max_abs?: number; std?: number; ref_std?: number }>;
}

const seed = 5;
const probe = randn(B * cfg.dim, 77);
const built = cases.map((c) => {
  const pooling = createPooling(c.pooling, cfg, c.options, seed);
  const init = dump(pooling.variables);
  // move the weights off their init (LayerNorm gains ≠ 1, biases ≠ 0) so every tensor matters
  let s = 1000;
  for (const v of Object.values(pooling.variables)) v.assign(tf.add(v, tf.tensor(randn(v.size, s++), v.shape).mul(0.3)));
  return { c, pooling, init };
});

const portInput = {
  cases: built.map(({ c, pooling, init }) => {
    const x = input(c.attention);
    return {
      name: c.name, pooling: c.pooling, attention: c.attention, options: pooling.options, dim: cfg.dim, nLayers: cfg.nLayers,
      batch: B, seqLen: T, seed, variables: dump(pooling.variables), init,
      hiddenStates: x.hiddenStates.map((h) => Array.from(h.dataSync())), mask: maskRows.flat(), probe: Array.from(probe),
    };
  }),
};
const r = spawnSync(VENV_PYTHON, [PORT], { input: JSON.stringify(portInput), encoding: 'utf8', maxBuffer: 1 << 28 });
if (r.status !== 0) throw new Error(`${PORT} failed (${r.status}): ${r.stderr}`);
const port = JSON.parse(r.stdout) as Record<string, PortResult>;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, relative = false): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (relative ? Math.max(1, Math.abs(b[i]!)) : 1));
  return m;
}

for (const { c, pooling } of built) {
  test(`${c.name}: output and gradients match the PyTorch port of the authors' module (cpu and wasm)`, async () => {
    const ref = port[c.name]!;
    const x = input(c.attention);
    const w = tf.tensor2d(probe, [B, cfg.dim]);
    const vars = pooling.variables;
    const run = () => {
      const raw = pooling.pool(x);
      const normed = tf.div(raw, tf.norm(raw, 2, -1, true));
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(pooling.pool(x), w)) as tf.Scalar, Object.values(vars));
      return { raw: raw.dataSync(), normed: normed.dataSync(), grads: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, grads[v.name]!.dataSync()])) };
    };
    const both = await onBoth(run);
    for (const [backend, got] of Object.entries(both)) {
      assert.ok(maxDiff(got.normed, ref.normed) < 1e-5, `${backend}: L2-normalised embedding differs by ${maxDiff(got.normed, ref.normed)}`);
      assert.ok(maxDiff(got.raw, ref.raw, true) < 1e-5, `${backend}: pooled vector differs by ${maxDiff(got.raw, ref.raw, true)} (relative)`);
      assert.deepEqual(Object.keys(got.grads).sort(), Object.keys(ref.grads).sort());
      for (const k of Object.keys(vars)) {
        const d = maxDiff(got.grads[k]!, ref.grads[k]!, true);
        assert.ok(d < 1e-5, `${backend}: gradient of ${k} differs by ${d} (relative)`);
      }
    }
  });

  test(`${c.name}: initialised like the authors' module (tensors, shapes, distributions)`, () => {
    const init = port[c.name]!.init;
    assert.ok(Object.keys(init).length >= (c.pooling === 'multi-layer-trainable' ? 15 : 14));
    for (const [k, s] of Object.entries(init)) {
      if (s.constant) { assert.ok(s.equal, `${k}: the authors' constant init differs`); continue; }
      // same distribution (two-sample KS between our tensor and a fresh PyTorch one), same bound for uniform ones
      assert.ok(s.ks_p! > 1e-3, `${k}: init distribution differs from PyTorch's (KS p = ${s.ks_p}, std ${s.std} vs ${s.ref_std})`);
    }
    // the layer embedding is nn.Embedding's N(0, 1) and FF biases exist (PyTorch's default bias=True)
    if (c.pooling === 'multi-layer-trainable') assert.ok(Math.abs(init['pos_emb.weight']!.std! - 1) < 0.35);
    assert.ok(init['cross_attend_blocks.1.fn.net.0.bias'] && init['cross_attend_blocks.1.fn.net.2.bias']);
  });
}

test('the port is strict: a head without the feed-forward biases is refused', () => {
  const { c, pooling } = built[0]!;
  const vars = dump(pooling.variables);
  delete vars['ff.b1'];
  const x = portInput.cases[0]!;
  const bad = spawnSync(VENV_PYTHON, [PORT], { input: JSON.stringify({ cases: [{ ...x, name: c.name, variables: vars, init: undefined }] }), encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /ff\.b1|Missing key/);
});
