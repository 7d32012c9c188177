// The two wasm fixes (UnsortedSegmentSum for gather's gradient; transposed BatchMatMul through an
// explicit transpose) must give the cpu backend's numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { onBoth, randn } from './helpers.ts';

await initBackend({ force: 'wasm', quiet: true });

function assertClose(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  assert.ok(worst <= tol, `${what}: max relative difference ${worst} > ${tol}`);
}

test('gather gradient (UnsortedSegmentSum) on wasm equals cpu, repeated and out-of-order ids included', async () => {
  const table = randn(37 * 11, 1);
  const ids = Int32Array.from([3, 0, 36, 3, 3, 17, 0, 5, 36, 12, 1, 3]);
  const upstream = randn(ids.length * 11, 2);
  const { cpu, wasm } = await onBoth(() => tf.tidy(() => {
    const t = tf.tensor2d(table, [37, 11]);
    const dy = tf.tensor2d(upstream, [ids.length, 11]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, tf.tensor1d(ids, 'int32')), dy)))(t);
    return g.dataSync() as Float32Array;
  }));
  assertClose(wasm, cpu, 1e-6, 'gather gradient');
  // and directly: the kernel through tf.unsortedSegmentSum, with a 3-D input
  const { cpu: c2, wasm: w2 } = await onBoth(() => tf.tidy(() =>
    tf.unsortedSegmentSum(tf.tensor3d(randn(12 * 4 * 3, 3), [12, 4, 3]), tf.tensor1d(ids, 'int32'), 40).dataSync() as Float32Array));
  assertClose(w2, c2, 1e-6, 'unsortedSegmentSum');
});

test('transposed BatchMatMul on wasm equals cpu for every transpose combination, 2-D and batched', async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    for (const batch of [[], [3], [2, 3]]) {
      const aShape = [...batch, ...(ta ? [5, 7] : [7, 5])];
      const bShape = [...batch, ...(tb ? [9, 5] : [5, 9])];
      const a = randn(aShape.reduce((p, d) => p * d, 1), 4);
      const b = randn(bShape.reduce((p, d) => p * d, 1), 5);
      const { cpu, wasm } = await onBoth(() => tf.tidy(() =>
        tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb).dataSync() as Float32Array));
      assertClose(wasm, cpu, 1e-5, `matMul transposeA=${ta} transposeB=${tb} batch=[${batch}]`);
    }
  }
});

test('a matMul gradient (transposed products) leaks no tensors on wasm', async () => {
  await tf.setBackend('wasm');
  const a = tf.tensor2d(randn(64 * 32, 6), [64, 32]);
  const b = tf.tensor2d(randn(32 * 16, 7), [32, 16]);
  const before = tf.memory().numTensors;
  const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b]);
  tf.dispose(grads);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([a, b]);
});
