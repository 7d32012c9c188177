// The head option `lrScale` (src/pooling/blocks.ts ParamFactory): the head starts from the same
// weights and outputs, AdamW moves its effective parameters lrScale × as far, the default (absent)
// is the authors' head, and the option is recorded so a saved head is rebuilt the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { createPooling, type PoolingInput } from '../src/pooling/index.ts';
import type { DecoderConfig } from '../src/model/config.ts';
import { AdamW } from '../src/training/adamw.ts';
import { mulberry32 } from '../src/util/random.ts';

await initBackend({ force: (process.env.PA_BACKEND as 'cpu' | undefined) || 'cpu', quiet: true });

const cfg: DecoderConfig = {
  architecture: 'llama', dim: 8, hiddenDim: 16, nLayers: 3, nHeads: 2, nKvHeads: 1, headDim: 4, vocabSize: 10,
  maxSeqLen: 16, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true, qkvBias: false, bosId: 1, eosId: 2,
};
const B = 3, T = 5;
const maskRows = [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 1, 1]];
const small = { latents: 3, heads: 2, headDim: 4, ffMult: 2 };

function inputs(attention: 'causal' | 'bidirectional'): PoolingInput {
  const r = mulberry32(7);
  const hs = Array.from({ length: cfg.nLayers + 1 }, () => tf.tensor3d(Float32Array.from({ length: B * T * cfg.dim }, () => r() * 2 - 1), [B, T, cfg.dim]));
  const last = maskRows.map((m, b) => b * T + m.lastIndexOf(1));
  return { hiddenStates: hs, mask: tf.tensor2d(maskRows), lastIndex: tf.tensor1d(last, 'int32'), attention, training: false };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };

const cases = [
  { pooling: 'last-layer-trainable', attention: 'causal' as const },
  { pooling: 'last-layer-trainable', attention: 'bidirectional' as const },
  { pooling: 'multi-layer-trainable', attention: 'causal' as const },
  { pooling: 'multi-layer-trainable', attention: 'bidirectional' as const },
  { pooling: 'latent-attention', attention: 'bidirectional' as const },
];

for (const { pooling: name, attention } of cases) {
  test(`${name} (${attention}): lrScale keeps the initial head and scales AdamW's step on it`, () => {
    const s = 0.1;
    const ref = createPooling(name, cfg, small, 3);
    const scaled = createPooling(name, cfg, { ...small, lrScale: s }, 3);
    // the default records no lrScale (the authors' head, config.json as before); a set one is recorded
    assert.equal('lrScale' in ref.options, false);
    assert.equal(scaled.options.lrScale, s);
    assert.deepEqual(Object.keys(scaled.variables), Object.keys(ref.variables));
    // the variables hold the parameters / lrScale
    for (const k of Object.keys(ref.variables)) {
      assert.ok(maxAbsDiff(tf.mul(scaled.variables[k]!, s).dataSync(), ref.variables[k]!.dataSync()) < 1e-6, k);
    }
    const input = inputs(attention);
    assert.ok(maxAbsDiff(scaled.pool(input).dataSync(), ref.pool(input).dataSync()) < 1e-5, 'same output at initialisation');
    // one AdamW step (no weight decay; eps negligible, which is what makes Adam's step independent of
    // the gradient's scale) on the same loss: the effective parameters move s × as far
    const r = mulberry32(11);
    const w = tf.tensor2d(Float32Array.from({ length: B * cfg.dim }, () => r() * 2 - 1), [B, cfg.dim]);
    const step = (p: typeof ref) => {
      const adam = new AdamW(p.variables, { beta1: 0.9, beta2: 0.999, eps: 1e-20, weightDecay: 0 });
      const before = Object.fromEntries(Object.entries(p.variables).map(([k, v]) => [k, v.dataSync().slice()]));
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(p.pool(input), w)) as tf.Scalar, Object.values(p.variables));
      adam.apply(Object.fromEntries(Object.entries(p.variables).map(([k, v]) => [k, grads[v.name]!])), 1e-2);
      return Object.fromEntries(Object.entries(p.variables).map(([k, v]) => [k, v.dataSync().map((x, i) => x - before[k]![i]!)]));
    };
    const dRef = step(ref), dScaled = step(scaled);
    let moved = 0;
    for (const k of Object.keys(dRef)) {
      const effective = dScaled[k]!.map((x) => x * s); // the change of lrScale × variable
      const expected = dRef[k]!.map((x) => x * s);
      // steps of lr·s = 1e-3; float32 differences of the 1/s-larger stored values cost up to ~4e-7
      assert.ok(maxAbsDiff(effective, expected) < 2e-6, `${k}: effective steps differ by up to ${maxAbsDiff(effective, expected)}`);
      if (maxAbsDiff(dRef[k]!, new Float32Array(dRef[k]!.length)) > 1e-4) moved++;
    }
    assert.ok(moved >= 5, 'the step moved the head');
  });
}

test('lrScale must be a positive number', () => {
  for (const bad of [0, -1, 'x', Number.NaN]) {
    assert.throws(() => createPooling('multi-layer-trainable', cfg, { ...small, lrScale: bad }, 3), /lrScale/);
  }
});

test('a head saved with lrScale is rebuilt from its recorded options to the same output', () => {
  const trained = createPooling('multi-layer-trainable', cfg, { ...small, lrScale: 0.25 }, 3);
  const input = inputs('bidirectional');
  // perturb as training would, then "save" (variable values) and "load" into a head built from the recorded options
  for (const v of Object.values(trained.variables)) v.assign(tf.add(v, 0.05));
  const rebuilt = createPooling('multi-layer-trainable', cfg, trained.options, 99);
  for (const [k, v] of Object.entries(trained.variables)) rebuilt.variables[k]!.assign(v);
  assert.ok(maxAbsDiff(rebuilt.pool(input).dataSync(), trained.pool(input).dataSync()) < 1e-6);
});
