// src/model/kernels/dropout.ts must give tf.dropout's numbers bit for bit (it is a faster drop-in for LoRA's
// dropout): the same kept elements, scale and gradient, for any size (its generator is split into
// chunks that jump ahead), rate and seed, on both backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { dropout, dropoutMultipliers } from '../src/model/kernels/dropout.ts';

await initBackend({ force: 'wasm', quiet: true });

const cases: [number[], number, number][] = [
  [[1], 0.1, 1], [[3], 0.5, 5], [[4], 0.1, 2], [[5], 0.1, 9], [[7, 3], 0.3, 42], [[1001], 0.05, 1], [[64, 17], 0.9, 0],
  // LoRA's seeds: dropoutSeed·7919 + call, dropoutSeed = seed·1000003 + micro-batch
  [[96 * 48, 64], 0.1, (1 * 1_000_003 + 0) * 7919 + 0], [[96 * 48, 172], 0.1, (3 * 1_000_003 + 17) * 7919 + 34],
];

for (const backend of ['wasm', 'cpu']) {
  test(`${backend}: same values and gradient as tf.dropout`, async () => {
    await tf.setBackend(backend);
    for (const [shape, rate, seed] of cases) {
      tf.tidy(() => {
        const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
        const want = tf.dropout(x, rate, undefined, seed).dataSync();
        const got = dropout(x, rate, seed).dataSync();
        let differing = 0;
        for (let i = 0; i < want.length; i++) if (!Object.is(want[i], got[i])) differing++;
        assert.equal(differing, 0, `[${shape}] rate ${rate} seed ${seed}: ${differing} of ${want.length} values differ`);
        const dy = tf.randomNormal(shape, 0, 1, 'float32', 4);
        const gWant = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.dropout(t, rate, undefined, seed), dy)))(x).dataSync();
        const gGot = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(dropout(t, rate, seed), dy)))(x).dataSync();
        assert.deepEqual(Array.from(gGot), Array.from(gWant), `[${shape}] gradient`);
      });
    }
  });
}

test('the kept share matches the rate, and rate 0 keeps everything', () => {
  const m = dropoutMultipliers(200_000, 0.25, 11);
  const kept = m.reduce((s, v) => s + (v > 0 ? 1 : 0), 0) / m.length;
  assert.ok(Math.abs(kept - 0.75) < 0.005, `kept share ${kept}`);
  assert.ok(m.every((v) => v === 0 || v === Math.fround(1 / Math.fround(0.75))));
  tf.tidy(() => {
    const x = tf.tensor1d([1, -2, 3]);
    assert.deepEqual(Array.from(dropout(x, 0, 5).dataSync()), [1, -2, 3]);
  });
  assert.throws(() => dropoutMultipliers(3, 1, 0), /rate must be in \[0, 1\)/);
});

test('wasm: the multipliers written into the backend heap leak nothing', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([100, 7]);
  const before = [tf.memory().numTensors, tf.backend().numDataIds()];
  tf.tidy(() => {
    dropout(x, 0.1, 3);
    tf.grad((t: tf.Tensor) => tf.sum(dropout(t, 0.2, 4)))(x);
  });
  assert.deepEqual([tf.memory().numTensors, tf.backend().numDataIds()], before);
  x.dispose();
});
