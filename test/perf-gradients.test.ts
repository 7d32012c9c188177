// Every hand-written gradient (src/model/*-grad.ts) against tf's autodiff of an independent reference
// built from plain ops, on the cpu and wasm backends: values and the gradient of a random weighted
// sum of the output with respect to every input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { mulberry32 } from '../src/util/random.ts';
import { rmsNorm } from '../src/model/kernels/rmsnorm-grad.ts';
import { swiGlu } from '../src/model/kernels/swiglu-grad.ts';
import { applyRope, ropeTables } from '../src/model/kernels/rope-grad.ts';
import { groupedAttention, softmaxAttention } from '../src/model/kernels/attention-grad.ts';
import { layerNormOp } from '../src/model/kernels/layernorm-grad.ts';
import { gegluOp } from '../src/model/kernels/geglu-grad.ts';

await initBackend({ force: 'wasm', quiet: true });

let seed = 100;
const randn = (shape: number[], scale = 1) => {
  const r = mulberry32(seed++);
  return tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => (r() * 2 - 1) * scale), shape);
};

/**
 * Compare op(...inputs) with ref(...inputs): values, and the gradients of sum(out ⊙ W) for a fixed
 * random W, for every input. `tol` is relative to 1 + |reference|.
 */
function compare(what: string, inputs: tf.Tensor[], op: (...x: tf.Tensor[]) => tf.Tensor, ref: (...x: tf.Tensor[]) => tf.Tensor, tol: number): void {
  tf.tidy(() => {
    const want = ref(...inputs);
    const got = op(...inputs);
    assert.deepEqual(got.shape, want.shape, `${what}: shape`);
    check(`${what}: value`, got, want, tol);
    const w = randn(want.shape);
    const loss = (f: (...x: tf.Tensor[]) => tf.Tensor) => (...x: tf.Tensor[]) => tf.sum(tf.mul(f(...x), w));
    const gRef = tf.grads(loss(ref))(inputs);
    const gOp = tf.grads(loss(op))(inputs);
    gRef.forEach((g, i) => check(`${what}: gradient of input ${i}`, gOp[i]!, g, tol));
  });
}

function check(what: string, got: tf.Tensor, want: tf.Tensor, tol: number): void {
  const a = got.dataSync(), b = want.dataSync();
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  assert.ok(Number.isFinite(worst) && worst <= tol, `${what} (${tf.getBackend()}): max relative difference ${worst} > ${tol}`);
}

for (const backend of ['cpu', 'wasm']) {
  test(`${backend}: RMSNorm (frozen and trainable gain)`, async () => {
    await tf.setBackend(backend);
    const x = randn([37, 16], 2);
    const w = randn([16]);
    const ref = (xi: tf.Tensor, wi: tf.Tensor) => tf.mul(tf.mul(xi, tf.rsqrt(tf.add(tf.mean(tf.square(xi), -1, true), 1e-5))), wi);
    compare('rmsNorm, gain frozen', [x], (xi) => rmsNorm(xi as tf.Tensor2D, w as tf.Tensor1D, 1e-5), (xi) => ref(xi, w), 1e-5);
    const wv = tf.variable(w, true);
    tf.tidy(() => {
      const W = randn([37, 16]);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(rmsNorm(x as tf.Tensor2D, wv as unknown as tf.Tensor1D, 1e-5), W)), [wv]);
      const want = tf.grad((wi: tf.Tensor) => tf.sum(tf.mul(ref(x, wi), W)))(w);
      check('rmsNorm: gradient of a trainable gain', grads[wv.name]!, want, 1e-5);
    });
    tf.dispose([x, w, wv]);
  });

  test(`${backend}: SwiGLU and GEGLU gates`, async () => {
    await tf.setBackend(backend);
    const g = randn([23, 12], 3), u = randn([23, 12], 2);
    compare('swiGlu', [g, u], (a, b) => swiGlu(a as tf.Tensor2D, b as tf.Tensor2D), (a, b) => tf.mul(tf.mul(a, tf.sigmoid(a)), b), 1e-5);
    compare('geglu', [u, g], gegluOp, (v, x) => tf.mul(v, tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))))), 1e-5);
    tf.dispose([g, u]);
  });

  test(`${backend}: LayerNorm on a 3-D input (x, gain and bias gradients)`, async () => {
    await tf.setBackend(backend);
    const x = randn([3, 7, 10], 2), gamma = randn([10]), beta = randn([10]);
    const ref = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
      const mean = tf.mean(xi, -1, true);
      const variance = tf.mean(tf.square(tf.sub(xi, mean)), -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(xi, mean), tf.sqrt(tf.add(variance, 1e-5))), gi), bi);
    };
    compare('layerNorm', [x, gamma, beta], (a, b, c) => layerNormOp(a!, b as tf.Tensor1D, c as tf.Tensor1D), ref, 1e-4);
    tf.dispose([x, gamma, beta]);
  });

  test(`${backend}: RoPE (half-split pairs) against slice-and-concat rotation, with the score scale folded in`, async () => {
    await tf.setBackend(backend);
    const heads = 3, D = 8, rows = 11, half = D / 2, scale = 0.37;
    const positions = Int32Array.from({ length: rows }, (_, i) => (i * 5) % 13);
    const t = ropeTables(positions, heads, D, 10000, scale);
    // reference: angle p·theta^(-2i/D) per pair (i, i + D/2), computed here in float64
    const cos = new Float32Array(rows * half), sin = new Float32Array(rows * half);
    positions.forEach((p, n) => { for (let i = 0; i < half; i++) { const a = p * Math.pow(10000, (-2 * i) / D); cos[n * half + i] = Math.cos(a); sin[n * half + i] = Math.sin(a); } });
    const c = tf.tensor3d(cos, [rows, 1, half]), s = tf.tensor3d(sin, [rows, 1, half]);
    const ref = (x: tf.Tensor) => {
      const [x1, x2] = tf.split(x.reshape([rows, heads, D]), 2, 2) as [tf.Tensor, tf.Tensor];
      return tf.mul(tf.concat([tf.sub(tf.mul(x1, c), tf.mul(x2, s)), tf.add(tf.mul(x2, c), tf.mul(x1, s))], 2).reshape([rows, heads * D]), scale);
    };
    const x = randn([rows, heads * D], 2);
    compare('rope', [x], (xi) => applyRope(xi as tf.Tensor2D, t), ref, 2e-5);
    tf.dispose([x, c, s, t.cos, t.sin, t.swap]);
  });

  test(`${backend}: softmax attention with a per-sequence key mask shared by the heads`, async () => {
    await tf.setBackend(backend);
    const B = 2, H = 3, Lq = 5, Lk = 6, D = 4;
    const q = randn([B * H, Lq, D]), k = randn([B * H, Lk, D]), v = randn([B * H, Lk, 3]);
    const maskRows = [[0, 1, 1, 1, 1, 1], [1, 1, 1, 0, 1, 1]];
    const bias = tf.tensor4d(maskRows.flat().map((m) => (m ? 0 : -1e9)), [B, 1, 1, Lk]);
    const ref = (qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor) => {
      const s = tf.add(tf.matMul(qi as tf.Tensor3D, ki as tf.Tensor3D, false, true).reshape([B, H, Lq, Lk]), bias);
      return tf.matMul(tf.softmax(s, -1).reshape([B * H, Lq, Lk]) as tf.Tensor3D, vi as tf.Tensor3D);
    };
    compare('softmaxAttention', [q, k, v], (a, b, c) => softmaxAttention(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D, bias, H), ref, 1e-5);
    compare('softmaxAttention, no mask', [q, k, v], (a, b, c) => softmaxAttention(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D),
      (a, b, c) => tf.matMul(tf.softmax(tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true), -1) as tf.Tensor3D, c as tf.Tensor3D), 1e-5);
    tf.dispose([q, k, v, bias]);
  });

  test(`${backend}: grouped-query attention against per-head attention with repeated kv heads`, async () => {
    await tf.setBackend(backend);
    const B = 2, T = 5, H = 4, K = 2, D = 4, G = H / K;
    const q = randn([B * T, H * D]), k = randn([B * T, K * D]), v = randn([B * T, K * D]);
    // causal + left padding of 2 on the second sequence; rows of the bias are group-major (g·T + t)
    const mask = [[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]];
    const allowed = (b: number, t: number, s: number) => mask[b]![s] === 1 && s <= t;
    const biasRows: number[] = [];
    for (let b = 0; b < B; b++) for (let g = 0; g < G; g++) for (let t = 0; t < T; t++) for (let s = 0; s < T; s++) biasRows.push(allowed(b, t, s) ? 0 : -1e9);
    const bias = tf.tensor4d(biasRows, [B, 1, G * T, T]);
    const plain = tf.tensor3d(Array.from({ length: B * T * T }, (_, i) => { const b = Math.floor(i / (T * T)), t = Math.floor(i / T) % T, s = i % T; return allowed(b, t, s) ? 0 : -1e9; }), [B, T, T]);
    const ref = (qi: tf.Tensor, ki: tf.Tensor, vi: tf.Tensor) => {
      const outs: tf.Tensor[] = [];
      for (let h = 0; h < H; h++) {
        const j = Math.floor(h / G); // kv head of query head h
        const qh = qi.reshape([B, T, H, D]).slice([0, 0, h, 0], [B, T, 1, D]).reshape([B, T, D]);
        const kh = ki.reshape([B, T, K, D]).slice([0, 0, j, 0], [B, T, 1, D]).reshape([B, T, D]);
        const vh = vi.reshape([B, T, K, D]).slice([0, 0, j, 0], [B, T, 1, D]).reshape([B, T, D]);
        const p = tf.softmax(tf.add(tf.matMul(qh as tf.Tensor3D, kh as tf.Tensor3D, false, true), plain), -1);
        outs.push(tf.matMul(p as tf.Tensor3D, vh as tf.Tensor3D).reshape([B, T, 1, D]));
      }
      return tf.concat(outs, 2).reshape([B * T, H * D]);
    };
    compare('groupedAttention', [q, k, v], (a, b, c) => groupedAttention(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, bias, { batch: B, seqLen: T, heads: H, kvHeads: K, headDim: D }), ref, 1e-5);
    tf.dispose([q, k, v, bias, plain]);
  });
}

test('wasm: a custom op\'s gradient also matches central finite differences (attention, float32)', async () => {
  await tf.setBackend('wasm');
  const B = 1, H = 2, L = 3, D = 2;
  const q = randn([B * H, L, D]), k = randn([B * H, L, D]), v = randn([B * H, L, D]);
  const W = randn([B * H, L, D]);
  const f = (qi: tf.Tensor) => tf.sum(tf.mul(softmaxAttention(qi as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D), W));
  const g = tf.grad(f)(q).dataSync();
  const base = q.dataSync();
  const eps = 1e-2;
  for (let i = 0; i < base.length; i++) {
    const at = (d: number) => { const x = base.slice(); x[i]! += d; return f(tf.tensor(x, q.shape)).dataSync()[0]!; };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    assert.ok(Math.abs(numeric - g[i]!) <= 5e-3 * Math.max(1, Math.abs(numeric)), `q[${i}]: analytic ${g[i]} vs numeric ${numeric}`);
  }
  tf.dispose([q, k, v, W]);
});
