// Properties the decoder must have whatever its weights: padding never changes a real token's
// state, causal attention never looks ahead, bidirectional attention does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { stories260K } from './helpers.ts';
import { forward, type AttentionMode } from '../src/model/decoder.ts';
import { padBatch, type TokenBatch } from '../src/model/batch.ts';

const { model, tokenizer } = await stories260K();
const a = tokenizer.encode('The cat sat on the mat and looked at the bird.', { bos: true, eos: true });
const b = tokenizer.encode('Lily ran to the park.', { bos: true, eos: true });

/** Hidden states of every layer for the real tokens of row `row`, as plain arrays [layer][token][dim]. */
function realStates(batch: TokenBatch, row: number, mode: AttentionMode): number[][][] {
  return tf.tidy(() => {
    const out = forward(model, batch, { attention: mode });
    return out.hiddenStates.map((h) => {
      const rows = h.arraySync()[row]!;
      return rows.filter((_, t) => batch.mask[row * batch.seqLen + t] === 1);
    });
  });
}

function maxDiff(x: number[][][], y: number[][][]): number {
  let m = 0;
  x.forEach((l, i) => l.forEach((t, j) => t.forEach((v, k) => { m = Math.max(m, Math.abs(v - y[i]![j]![k]!)); })));
  return m;
}

for (const mode of ['causal', 'bidirectional'] as const) {
  test(`${mode}: left and right padding give the unpadded hidden states`, () => {
    const alone = realStates(padBatch([b], 'left'), 0, mode);
    const left = realStates(padBatch([a, b], 'left'), 1, mode);
    const right = realStates(padBatch([a, b], 'right'), 1, mode);
    assert.equal(alone.length, model.config.nLayers + 1);
    // float32 rounding differs with the padded shape (tfjs-node's kernels block differently, by CPU):
    // a bound relative to the states' size, ~20 ulps of the largest
    const tol = 2e-6 * Math.max(1, ...alone.flat(2).map(Math.abs));
    assert.ok(maxDiff(left, alone) < tol, `left padding changed states by ${maxDiff(left, alone)} (bound ${tol})`);
    assert.ok(maxDiff(right, alone) < tol, `right padding changed states by ${maxDiff(right, alone)} (bound ${tol})`);
  });
}

test('causal: changing a later token leaves earlier states unchanged; bidirectional: it changes them', () => {
  const changed = a.slice();
  changed[changed.length - 3] = tokenizer.encode('dog')[1]!;
  for (const mode of ['causal', 'bidirectional'] as const) {
    const x = realStates(padBatch([a], 'left'), 0, mode);
    const y = realStates(padBatch([changed], 'left'), 0, mode);
    const early = (s: number[][][]) => s.slice(1).map((l) => l.slice(0, 3)); // layers 1..L, first 3 tokens
    const d = maxDiff(early(x), early(y));
    if (mode === 'causal') assert.ok(d === 0, `causal: early states moved by ${d}`);
    else assert.ok(d > 1e-3, `bidirectional: early states did not move (${d})`);
  }
});

test('forward leaks no tensors inside tf.tidy', () => {
  const before = tf.memory().numTensors;
  tf.tidy(() => { forward(model, padBatch([a, b], 'left'), { attention: 'bidirectional' }); });
  assert.equal(tf.memory().numTensors, before);
});
