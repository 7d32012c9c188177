// The wasm kernel replacements of src/backend/wasm-kernels.ts against the cpu backend's plain JS
// kernels: the SIMD batched product (every transpose, broadcast and tail shape), a^T·b in 2-D, the
// folded broadcast product, and the zero-copy Identity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { simdRouting } from '../src/backend/wasm-kernels.ts';
import { onBoth, randn } from './helpers.ts';

await initBackend({ force: 'wasm', quiet: true });

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

function worstRelative(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return worst;
}

test('SIMD routing is on by default (the other tests exercise it)', () => {
  assert.deepEqual(simdRouting, { batched: true, transposeA: true });
});

test('batched matMul on wasm equals cpu: transposes, broadcasts, odd and tail sizes', async () => {
  let seed = 1;
  let cases = 0;
  const dims: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 8, 8], [5, 3, 17], [9, 1, 20], [8, 16, 3], [13, 7, 33]];
  const batches: [number[], number[]][] = [[[3], [3]], [[2, 3], [2, 3]], [[4], [1]], [[1], [4]], [[2, 3], []], [[], [5]]];
  for (const [M, K, N] of dims) {
    for (const [ba, bb] of batches) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const aShape = [...ba, ...(ta ? [K, M] : [M, K])];
        const bShape = [...bb, ...(tb ? [N, K] : [K, N])];
        const a = randn(size(aShape), seed++);
        const b = randn(size(bShape), seed++);
        const { cpu, wasm } = await onBoth(() => tf.tidy(() => {
          const out = tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb);
          return { shape: out.shape, values: out.dataSync() as Float32Array };
        }));
        assert.deepEqual(wasm.shape, cpu.shape);
        const w = worstRelative(wasm.values, cpu.values);
        assert.ok(w <= 1e-5, `[${aShape}]${ta ? 'ᵀ' : ''} × [${bShape}]${tb ? 'ᵀ' : ''}: max relative difference ${w}`);
        cases++;
      }
    }
  }
  assert.equal(cases, dims.length * batches.length * 4);
});

test('2-D aᵀ·b (weight-gradient shapes) on wasm equals cpu', async () => {
  for (const [rows, m, n] of [[4608, 64, 8], [300, 8, 172], [257, 33, 65], [1, 5, 3]]) {
    const a = randn(rows * m, rows + m), b = randn(rows * n, rows + n);
    const { cpu, wasm } = await onBoth(() => tf.tidy(() =>
      tf.matMul(tf.tensor2d(a, [rows, m]), tf.tensor2d(b, [rows, n]), true, false).dataSync() as Float32Array));
    const w = worstRelative(wasm, cpu);
    assert.ok(w <= 1e-4, `[${rows},${m}]ᵀ × [${rows},${n}]: max relative difference ${w}`);
  }
});

test('a batched product row does not depend on the batch it is computed in (deterministic, order-fixed sums)', async () => {
  await tf.setBackend('wasm');
  const a = tf.tensor3d(randn(6 * 7 * 9, 3), [6, 7, 9]);
  const b = tf.tensor3d(randn(6 * 9 * 11, 4), [6, 9, 11]);
  const all = tf.matMul(a, b).dataSync();
  const again = tf.matMul(a, b).dataSync();
  assert.deepEqual(Array.from(again), Array.from(all));
  for (let n = 0; n < 6; n++) {
    const one = tf.matMul(a.slice([n, 0, 0], [1, 7, 9]).reshape([7, 9]).expandDims(0).tile([2, 1, 1]), b.slice([n, 0, 0], [1, 9, 11]).tile([2, 1, 1])).dataSync();
    assert.deepEqual(Array.from(one.slice(0, 77)), Array.from(all.slice(n * 77, (n + 1) * 77)), `batch item ${n}`);
  }
  tf.dispose([a, b]);
});

test('Identity (clone) shares memory on wasm and keeps its values after the source is disposed', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor2d(randn(12, 9), [3, 4]);
  const want = Array.from(x.dataSync());
  const dataIds = tf.backend().numDataIds();
  const y = x.clone();
  assert.equal(tf.backend().numDataIds(), dataIds, 'clone allocated new memory');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), want);
  const z = tf.add(y, 1);
  assert.deepEqual(Array.from(z.dataSync()), want.map((v) => Math.fround(v + 1)));
  tf.dispose([y, z]);
  assert.equal(tf.backend().numDataIds(), dataIds - 1);
});

test('matMul gradients through the SIMD routes leak no tensors', async () => {
  await tf.setBackend('wasm');
  const a = tf.tensor3d(randn(4 * 6 * 5, 6), [4, 6, 5]);
  const at = a.transpose([0, 2, 1]);
  const b = tf.tensor3d(randn(4 * 5 * 3, 7), [4, 5, 3]);
  const before = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, true, false)))([at, b]);
  tf.dispose(grads);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.backend().numDataIds(), dataIds);
  tf.dispose([a, at, b]);
});
