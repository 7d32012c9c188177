// Each pooling head's gradient against central finite differences, the registry, and masking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { createPooling, defaultHeadSizes, defaultLatentAttentionSizes, poolingNames, registerPooling, type PoolingInput } from '../src/pooling/index.ts';
import type { DecoderConfig } from '../src/model/config.ts';
import { mulberry32 } from '../src/util/random.ts';
import { assertHeadCheckpointCurrent } from '../src/pooling/head-checkpoint.ts';

// cpu: the plain JS reference kernels, unless PA_BACKEND asks for another (CI runs it on tfjs-node too)
await initBackend({ force: (process.env.PA_BACKEND as 'cpu' | undefined) || 'cpu', quiet: true });

const cfg: DecoderConfig = {
  architecture: 'llama', dim: 8, hiddenDim: 16, nLayers: 3, nHeads: 2, nKvHeads: 1, headDim: 4, vocabSize: 10,
  maxSeqLen: 16, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true, qkvBias: false, bosId: 1, eosId: 2,
};
const B = 3, T = 5;
const maskRows = [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 1, 1]]; // left padding

function inputs(attention: 'causal' | 'bidirectional', seed = 7): PoolingInput {
  const r = mulberry32(seed);
  const hs = Array.from({ length: cfg.nLayers + 1 }, () => tf.tensor3d(Float32Array.from({ length: B * T * cfg.dim }, () => r() * 2 - 1), [B, T, cfg.dim]));
  const last = maskRows.map((m, b) => b * T + m.lastIndexOf(1));
  return { hiddenStates: hs, mask: tf.tensor2d(maskRows), lastIndex: tf.tensor1d(last, 'int32'), attention, training: false };
}

const trainable = ['last-layer-trainable', 'multi-layer-trainable', 'latent-attention'];

for (const name of trainable) {
  for (const attention of ['causal', 'bidirectional'] as const) {
    test(`${name} (${attention}): gradients match central finite differences`, () => {
      const pooling = createPooling(name, cfg, { latents: 3, heads: 2, headDim: 4, ffMult: 2 }, 3);
      const input = inputs(attention);
      const r = mulberry32(11);
      const w = tf.tensor2d(Float32Array.from({ length: B * cfg.dim }, () => r() * 2 - 1), [B, cfg.dim]);
      const f = () => tf.sum(tf.mul(pooling.pool(input), w)) as tf.Scalar;
      const vars = Object.values(pooling.variables);
      const { grads } = tf.variableGrads(f, vars);
      const eps = 1e-2;
      let checked = 0;
      for (const v of vars) {
        const g = grads[v.name]!.dataSync();
        const values = v.dataSync().slice();
        for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
          const at = (delta: number) => { const x = values.slice(); x[i]! += delta; v.assign(tf.tensor(x, v.shape)); return f().dataSync()[0]!; };
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          v.assign(tf.tensor(values, v.shape));
          assert.ok(Math.abs(numeric - g[i]!) <= 2e-2 * Math.max(1, Math.abs(numeric)), `${v.name}[${i}]: analytic ${g[i]} vs numeric ${numeric}`);
          checked++;
        }
      }
      assert.ok(checked >= 3 * 10);
    });
  }
}

test('padding is masked: changing padded positions never changes a masked pooling', () => {
  for (const name of ['mean', 'eos-last', ...trainable]) {
    for (const attention of ['causal', 'bidirectional'] as const) {
      const pooling = createPooling(name, cfg, { latents: 3, heads: 2, headDim: 4, ffMult: 2 }, 3);
      const a = inputs(attention, 1);
      // same real tokens, different values at padded positions
      const b = { ...a, hiddenStates: a.hiddenStates.map((h) => tf.tidy(() => {
        const noise = tf.randomUniform(h.shape, -5, 5, 'float32', 9);
        return tf.add(tf.mul(h, a.mask.expandDims(2)), tf.mul(noise, tf.sub(1, a.mask).expandDims(2))) as tf.Tensor3D;
      })) };
      const x = pooling.pool(a).arraySync(), y = pooling.pool(b).arraySync();
      const d = Math.max(...x.flatMap((row, i) => row.map((v, j) => Math.abs(v - y[i]![j]!))));
      assert.ok(d < 1e-5, `${name} ${attention}: padding changed the output by ${d}`);
    }
  }
});

test("the authors' unmasked Model 4 variant does see padding", () => {
  const pooling = createPooling('last-layer-trainable', cfg, { latents: 3, heads: 2, headDim: 4, ffMult: 2, maskPadding: false }, 3);
  const a = inputs('bidirectional', 1);
  // random (not constant: LayerNorm removes a constant shift) values at padded positions
  const b = { ...a, hiddenStates: a.hiddenStates.map((h) => tf.add(h, tf.mul(tf.sub(1, a.mask).expandDims(2), tf.randomUniform(h.shape, -3, 3, 'float32', 5))) as tf.Tensor3D) };
  const d = tf.max(tf.abs(tf.sub(pooling.pool(a), pooling.pool(b)))).dataSync()[0]!;
  assert.ok(d > 1e-4);
});

test('a new pooling registers in a few lines, and unknown names list the valid ones', () => {
  registerPooling({
    name: 'max-test', description: 'max over real tokens',
    create: () => ({ name: 'max-test', options: {}, variables: {}, pool: ({ hiddenStates, mask }) =>
      tf.max(tf.add(hiddenStates.at(-1)!, tf.mul(tf.sub(1, mask), -1e9).expandDims(2)), 1) as tf.Tensor2D }),
  });
  assert.ok(poolingNames().includes('max-test'));
  assert.deepEqual(createPooling('max-test', cfg).pool(inputs('causal')).shape, [B, cfg.dim]);
  assert.throws(() => createPooling('nope', cfg), /unknown pooling 'nope'; registered: .*eos-last/);
  assert.throws(() => createPooling('latent-attention', cfg, { latents: -1 }), /option latents must be a positive number/);
});

test('a head saved before the feed-forward biases existed is refused with the reason, not loaded with zeros', () => {
  const pooling = createPooling('multi-layer-trainable', cfg, { latents: 3, heads: 2, headDim: 4, ffMult: 2 }, 3);
  const saved = new Map(Object.entries(pooling.variables).map(([k, v]) => [`head.${k}`, v]));
  assert.doesNotThrow(() => assertHeadCheckpointCurrent(pooling.variables, saved, 'ck', 'head.'));
  saved.delete('head.ff.b1');
  saved.delete('head.ff.b2');
  assert.throws(() => assertHeadCheckpointCurrent(pooling.variables, saved, 'run/m3/final/head.safetensors', 'head.'),
    /run\/m3\/final\/head\.safetensors: the pooling head was saved without the feed-forward biases \(head\.ff\.b1, head\.ff\.b2 missing\).*Retrain/);
});

test("default head sizes are the authors' fractions of d: at d = 4096 exactly their head and NV-Embed's", () => {
  const mistral: DecoderConfig = { ...cfg, architecture: 'mistral', dim: 4096, hiddenDim: 14336, nLayers: 32, nHeads: 32, nKvHeads: 8, headDim: 128 };
  assert.deepEqual(defaultHeadSizes(mistral), { latents: 768, heads: 32, headDim: 2048, ffMult: 4 }); // pooling_layers/*.py
  assert.deepEqual(defaultLatentAttentionSizes(mistral), { latents: 512, heads: 8, headDim: 4096, ffMult: 4 }); // NV-Embed
  // at stories260K's width the attention's inner width stays 16·d, whatever the model's head count
  const s = defaultHeadSizes({ ...cfg, dim: 64, nHeads: 8 });
  assert.equal(s.heads * s.headDim, 16 * 64);
  // the created head holds what the sizes say: ≈ 76·d² parameters plus biases, norms, layer embedding
  const d = 64, head = createPooling('multi-layer-trainable', { ...cfg, dim: d, nHeads: 8 }, {}, 1);
  const n = Object.values(head.variables).reduce((a, v) => a + v.size, 0);
  const inner = 16 * d, ff = 4 * d;
  assert.equal(n, s.latents * d + 3 * d * inner + inner * d + (d * 2 * ff + 2 * ff) + (ff * d + d) + 3 * 2 * d + cfg.nLayers * d);
});
