// Skipping padding rows in the decoder's layers (src/model/decoder.ts skipPadding): on stories260K
// with LoRA (dropout on, B non-zero), the packed forward gives the padded forward's hidden states at
// every real token and zeros at padding, and the same gradients, causal and bidirectional, with and
// without activation checkpointing; a packed row gets the dropout mask it has in the padded batch;
// and the heads that skip padding (m4, m6) pool as they do over the padded batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { stories260K } from './helpers.ts';
import { forwardFrom, forwardPrefix, type AttentionMode } from '../src/model/decoder.ts';
import { Lora } from '../src/model/lora.ts';
import { padBatch } from '../src/model/batch.ts';
import { dropout, dropoutRows } from '../src/model/kernels/dropout.ts';
import { embeddingTokens } from '../src/embedding/embedder.ts';
import { createPooling } from '../src/pooling/index.ts';
import { packedRows } from '../src/model/packed-rows.ts';

const base = await stories260K();
const L = base.model.config.nLayers, F = 2;
const batch = padBatch(['Lily went to the park with her red ball.', 'The dog was happy.', 'It was a sunny day and the sun was out.', 'Tom ate.']
  .map((s) => embeddingTokens(base.tokenizer, s, 24)), 'left', base.tokenizer.padId);

test('dropoutRows gives each kept row the mask it has in the whole matrix', () => {
  const x = tf.randomNormal([10, 7], 0, 1, 'float32', 1) as tf.Tensor2D;
  const keep = Int32Array.from([1, 2, 5, 9]);
  const whole = dropout(x, 0.3, 42) as tf.Tensor2D;
  const rows = dropoutRows(tf.gather(x, Array.from(keep)) as tf.Tensor2D, 0.3, 42, keep, 10);
  assert.deepEqual(Array.from(rows.dataSync()), Array.from((tf.gather(whole, Array.from(keep))).dataSync()));
  assert.throws(() => dropoutRows(x, 0.3, 42, keep, 10), /10 rows but 4 row indices/);
});

for (const attention of ['causal', 'bidirectional'] as AttentionMode[]) {
  for (const checkpointLayers of [false, true]) {
    test(`skipPadding: the padded forward's states at real tokens, zeros at padding, the same gradients (${attention}${checkpointLayers ? ', checkpointed layers' : ''})`, () => {
      const lora = new Lora(base.model, { rank: 4, alpha: 8, dropout: 0.2, targets: ['wq', 'wk', 'wv', 'wo', 'wGate', 'wUp', 'wDown'] }, 7, L - F);
      for (const [k, v] of Object.entries(lora.variables)) if (k.endsWith('lora_B')) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 3));
      lora.training = true;
      const entering = tf.tidy(() => forwardPrefix(base.model, batch, F, attention)[F]!.reshape([-1, base.model.config.dim]) as tf.Tensor2D);
      const mask = tf.tensor(Array.from(batch.mask), [batch.batch, batch.seqLen, 1]);
      const run = (skipPadding: boolean) => {
        lora.beginStep(11);
        const vars = Object.values(lora.variables);
        const { value, grads } = tf.variableGrads(() => {
          const states = forwardFrom(base.model, batch, entering, F, { attention, adapter: lora, checkpointLayers, skipPadding });
          // a loss over every layer's real tokens
          return tf.addN(states.slice(1).map((s) => tf.sum(tf.mul(tf.sin(s), mask)))) as tf.Scalar;
        }, vars);
        lora.beginStep(11);
        const states = forwardFrom(base.model, batch, entering, F, { attention, adapter: lora, skipPadding }).map((s) => s.arraySync() as number[][][]);
        return { loss: value.dataSync()[0]!, grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())])), states };
      };
      const padded = run(false), packed = run(true);
      assert.ok(Math.abs(packed.loss - padded.loss) <= 1e-5 * Math.abs(padded.loss), `loss ${packed.loss} vs ${padded.loss}`);
      for (const [k, g] of Object.entries(padded.grads)) {
        const scale = Math.max(...g.map(Math.abs));
        const diff = Math.max(...g.map((x, i) => Math.abs(x - packed.grads[k]![i]!)));
        assert.ok(scale > 0 && diff <= 1e-4 * scale, `${k}: ${diff} of ${scale}`);
      }
      let worst = 0;
      for (let n = 1; n < padded.states.length; n++) {
        for (let b = 0; b < batch.batch; b++) {
          for (let t = 0; t < batch.seqLen; t++) {
            const a = padded.states[n]![b]![t]!, p = packed.states[n]![b]![t]!;
            if (batch.mask[b * batch.seqLen + t]) for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j]! - p[j]!));
            else assert.ok(p.every((v) => v === 0), `state ${n}, row ${b}, padded position ${t} is not zero`);
          }
        }
      }
      assert.ok(worst <= 1e-4, `largest difference at a real token ${worst}`);
      assert.ok(batch.mask.includes(0), 'the batch has padding');
    });
  }
}

// The heads whose per-token work skips padding (m4's keys and values, m6's tokens): the same pooled
// vectors and head gradients with the real rows given as without them.
test('heads that skip padding: m4 and m6 give the same vectors and gradients with PoolingInput.rows', () => {
  const cfg = { ...base.model.config, nLayers: 2 };
  const B = 3, T = 5, d = cfg.dim;
  const maskRows = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1];
  const hidden = Array.from({ length: cfg.nLayers + 1 }, (_, i) => tf.randomNormal([B, T, d], 0, 1, 'float32', 10 + i) as tf.Tensor3D);
  const lastIndex = tf.tensor1d([4, 9, 14], 'int32');
  for (const [name, options] of [['last-layer-trainable', {}], ['latent-attention', {}], ['last-layer-trainable', { maskPadding: false }]] as const) {
    const pooling = createPooling(name, cfg, { latents: 4, heads: 2, headDim: 8, ffMult: 2, ...options }, 5);
    const run = (withRows: boolean) => tf.tidy(() => {
      const input = { hiddenStates: hidden, mask: tf.tensor2d(maskRows, [B, T]), lastIndex, attention: 'bidirectional' as const, training: true, rows: withRows ? packedRows(maskRows) : undefined };
      const vars = Object.values(pooling.variables);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.sin(pooling.pool(input))) as tf.Scalar, vars);
      return { pooled: Array.from(pooling.pool(input).dataSync()), loss: value.dataSync()[0]!, grads: Object.values(grads).map((g) => Array.from(g.dataSync())) };
    });
    const full = run(false), packed = run(true);
    const worst = Math.max(...full.pooled.map((v, i) => Math.abs(v - packed.pooled[i]!)));
    assert.ok(worst <= 1e-5, `${name}: pooled vectors differ by ${worst}`);
    full.grads.forEach((g, k) => {
      const scale = Math.max(...g.map(Math.abs));
      const diff = Math.max(...g.map((x, i) => Math.abs(x - packed.grads[k]![i]!)));
      assert.ok(diff <= 1e-4 * Math.max(scale, 1e-6), `${name}: gradient ${k} differs by ${diff} of ${scale}`);
    });
  }
});
