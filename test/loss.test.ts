// hardNegativeInfoNCE against an independent float64 computation on the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { hardNegativeInfoNCE } from '../src/training/loss.ts';
import { mulberry32 } from '../src/util/random.ts';

await initBackend({ force: 'wasm', quiet: true });

function reference(q: number[][], p: number[][], n: number[][], scale: number): number {
  const unit = (v: number[]) => { const s = Math.sqrt(v.reduce((a, x) => a + x * x, 0)); return v.map((x) => x / s); };
  const cands = [...p, ...n].map(unit);
  let total = 0;
  q.map(unit).forEach((qi, i) => {
    const logits = cands.map((c) => scale * c.reduce((a, x, k) => a + x * qi[k]!, 0));
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((a, l) => a + Math.exp(l - max), 0));
    total += lse - logits[i]!;
  });
  return total / q.length;
}

test('InfoNCE over every in-batch positive and hard negative matches float64 to 1e-5', () => {
  const r = mulberry32(42);
  for (const [B, d, scale] of [[1, 3, 20], [4, 8, 20], [16, 64, 20], [7, 5, 1]] as const) {
    const m = () => Array.from({ length: B }, () => Array.from({ length: d }, () => r() * 2 - 1));
    const q = m(), p = m(), n = m();
    const got = tf.tidy(() => hardNegativeInfoNCE(tf.tensor2d(q), tf.tensor2d(p), tf.tensor2d(n), scale).dataSync()[0]!);
    const want = reference(q, p, n, scale);
    assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `B=${B} d=${d}: ${got} vs ${want}`);
  }
});

test('a perfect batch (query = its positive, negatives orthogonal) has near-zero loss at scale 20', () => {
  const q = [[1, 0, 0, 0], [0, 1, 0, 0]];
  const n = [[0, 0, 1, 0], [0, 0, 0, 1]];
  const got = tf.tidy(() => hardNegativeInfoNCE(tf.tensor2d(q), tf.tensor2d(q), tf.tensor2d(n)).dataSync()[0]!);
  assert.ok(Math.abs(got - reference(q, q, n, 20)) < 1e-6);
  assert.ok(got < 1e-7 * 1e2);
});
