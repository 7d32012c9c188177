// The project's LoRA (src/model/lora.ts) against Hugging Face PEFT's LoRA layer (test/lora-peft.py:
// LoraConfig + get_peft_model on nn.Linear modules), at SmolLM2-135M's seven projection shapes (hidden
// 576, intermediate 1536, 9 heads and 3 kv heads of 64), with a nonzero B so that the low-rank term
// is not zero: the same base W, A and B; the output W·x + (α/r)·B·A·x and the gradients with respect to
// x, A and B agree to float32 rounding (max abs difference ≤ 5e-6 of the largest |value| of each
// tensor; measured ≤ 1e-6). Two (rank, α): the smollm2 profile's (8, 16) and (16, 24), a scale
// that is not 2. A second test checks α/r by hand, exactly: with small-integer x, A and B every
// product is an exact float32 integer, so the delta must be exactly 0.75·x·A·B for r 4, α 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { Lora } from '../src/model/lora.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { PROJECTIONS, type Projection } from '../src/model/config.ts';
import type { Decoder } from '../src/model/weights.ts';
import { mulberry32 } from '../src/util/random.ts';
import { VENV_PYTHON, randn } from './helpers.ts';
import { PEFT_HINT, requireVenvModules, skipWithoutVenv } from './venv-reference.ts';

await initBackend({ force: process.env.PA_BACKEND || 'wasm', quiet: true });

const REFERENCE = fileURLToPath(new URL('./lora-peft.py', import.meta.url));
/** max abs difference relative to the largest |value| of the reference tensor */
const TOL_RELATIVE = 5e-6;
const ROWS = 7;
// SmolLM2-135M: hidden 576, intermediate 1536, 9 × 64 query heads, 3 × 64 key/value heads; [in, out]
const D = 576, FF = 1536, KV = 3 * 64;
const SHAPES: Record<Projection, [number, number, string]> = {
  wq: [D, D, 'q_proj'], wk: [D, KV, 'k_proj'], wv: [D, KV, 'v_proj'], wo: [D, D, 'o_proj'],
  wGate: [D, FF, 'gate_proj'], wUp: [D, FF, 'up_proj'], wDown: [FF, D, 'down_proj'],
};

/** A one-layer stand-in for the decoder: Lora reads only each projection's [in, out] shape. */
function oneLayer(w: Record<Projection, tf.Tensor2D>): Decoder {
  return { weights: { layers: [w] } } as unknown as Decoder;
}

function scaled(n: number, seed: number, s: number): Float32Array {
  return randn(n, seed).map((v) => v * s);
}

function maxRelDiff(got: Float32Array, want: Float32Array): { diff: number; scale: number } {
  assert.equal(got.length, want.length);
  let diff = 0, scale = 0;
  for (let i = 0; i < got.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return { diff: diff / scale, scale };
}

for (const [rank, alpha] of [[PROFILES.smollm2!.lora.rank, PROFILES.smollm2!.lora.alpha], [16, 24]] as const) {
  test(`LoRA r${rank} α${alpha} at SmolLM2-135M's projection shapes: outputs and gradients equal PEFT's`, { skip: skipWithoutVenv, timeout: 300_000 }, (t) => {
    requireVenvModules(['torch', 'peft'], PEFT_HINT);
    const dir = mkdtempSync(join(tmpdir(), 'pa-lora-peft-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const put = (name: string, a: Float32Array) => writeFileSync(join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const get = (name: string) => { const b = readFileSync(join(dir, name)); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };

    const dropout = 0.1; // inactive: both sides evaluate outside training
    const weights = {} as Record<Projection, tf.Tensor2D>;
    PROJECTIONS.forEach((p, k) => {
      const [i, o] = SHAPES[p];
      const w = scaled(i * o, 1000 + k, 1 / Math.sqrt(i));
      put(`${p}.W.f32`, w);
      weights[p] = tf.tensor2d(w, [i, o]);
    });
    const lora = new Lora(oneLayer(weights), { rank, alpha, dropout, targets: PROJECTIONS }, 7);
    const inputs = PROJECTIONS.map((p, k) => {
      const [i, o] = SHAPES[p];
      const a = lora.variables[`layers.0.${p}.lora_A`]!;
      const b = lora.variables[`layers.0.${p}.lora_B`]!;
      // B starts at zero (as PEFT's); give it values so that the low-rank term is as large as W·x
      b.assign(tf.tensor2d(scaled(rank * o, 2000 + k, 1), [rank, o]));
      put(`${p}.A.f32`, a.dataSync() as Float32Array);
      put(`${p}.B.f32`, b.dataSync() as Float32Array);
      const x = randn(ROWS * i, 3000 + k), g = randn(ROWS * o, 4000 + k);
      put(`${p}.x.f32`, x);
      put(`${p}.g.f32`, g);
      return { p, a, b, x, g, i, o };
    });
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ rank, alpha, dropout, projections: Object.fromEntries(PROJECTIONS.map((p) => [p, [SHAPES[p][2], SHAPES[p][0], SHAPES[p][1]]])) }));
    const py = spawnSync(VENV_PYTHON, [REFERENCE, dir], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } });
    assert.equal(py.status, 0, `${REFERENCE} failed: ${py.error?.message ?? ''} ${py.stderr.slice(-3000)}`);
    const ref = JSON.parse(py.stdout) as { peft: string; scaling: Record<string, number> };

    const worst = { y: 0, dx: 0, dA: 0, dB: 0, deltaOverBase: Infinity };
    for (const { p, a, b, x, g, i, o } of inputs) {
      assert.equal(ref.scaling[p], alpha / rank, `${p}: PEFT's scaling`);
      const xv = tf.variable(tf.tensor2d(x, [ROWS, i]), true);
      let y!: Float32Array, deltaNorm = 0, baseNorm = 0;
      const { grads, value } = tf.variableGrads(() => {
        const base = tf.matMul(xv, weights[p]);
        const delta = lora.delta(xv as tf.Tensor2D, 0, p)!;
        deltaNorm = tf.norm(delta).dataSync()[0]!;
        baseNorm = tf.norm(base).dataSync()[0]!;
        const out = tf.add(base, delta);
        y = out.dataSync() as Float32Array;
        return tf.sum(tf.mul(out, tf.tensor2d(g, [ROWS, o]))) as tf.Scalar;
      }, [xv, a, b]);
      worst.deltaOverBase = Math.min(worst.deltaOverBase, deltaNorm / baseNorm);
      const check = (what: keyof typeof worst, got: Float32Array, file: string) => {
        const { diff, scale } = maxRelDiff(got, get(file));
        worst[what] = Math.max(worst[what], diff);
        assert.ok(diff <= TOL_RELATIVE, `${p} ${what}: max abs difference from PEFT ${(diff * scale).toExponential(2)}, ${diff.toExponential(2)} of its largest |value| ${scale.toExponential(2)}`);
      };
      check('y', y, `${p}.y.f32`);
      check('dx', grads[xv.name]!.dataSync() as Float32Array, `${p}.dx.f32`);
      check('dA', grads[a.name]!.dataSync() as Float32Array, `${p}.dA.f32`);
      check('dB', grads[b.name]!.dataSync() as Float32Array, `${p}.dB.f32`);
      tf.dispose([xv, value, ...Object.values(grads)]);
    }
    // the low-rank term must matter: a wrong scale has to move the output by far more than rounding
    assert.ok(worst.deltaOverBase > 0.3, `|delta| / |W·x| is only ${worst.deltaOverBase}`);
    t.diagnostic(`peft ${ref.peft}, r ${rank}, α ${alpha}: max abs difference / largest |value|: y ${worst.y.toExponential(2)}, dx ${worst.dx.toExponential(2)}, dA ${worst.dA.toExponential(2)}, dB ${worst.dB.toExponential(2)} (|delta| / |W·x| ≥ ${worst.deltaOverBase.toFixed(2)})`);
    tf.dispose([...Object.values(weights), ...Object.values(lora.variables)]);
  });
}

test('LoRA delta is exactly (α/r)·x·A·B: small integers, r 4, α 3, at the q projection shape', () => {
  const rank = 4, alpha = 3, [i, o] = SHAPES.wq;
  const w = { wq: tf.zeros([i, o]) } as unknown as Record<Projection, tf.Tensor2D>;
  const lora = new Lora(oneLayer(w), { rank, alpha, dropout: 0, targets: ['wq'] }, 1);
  const rand = mulberry32(11);
  const int = (n: number) => Float64Array.from({ length: n }, () => Math.floor(rand() * 5) - 2); // -2..2
  const x = int(3 * i), a = int(i * rank), b = int(rank * o);
  lora.variables['layers.0.wq.lora_A']!.assign(tf.tensor2d(Float32Array.from(a), [i, rank]));
  lora.variables['layers.0.wq.lora_B']!.assign(tf.tensor2d(Float32Array.from(b), [rank, o]));
  const got = tf.tidy(() => lora.delta(tf.tensor2d(Float32Array.from(x), [3, i]), 0, 'wq')!.dataSync() as Float32Array);
  let nonzero = 0;
  for (let r = 0; r < 3; r++) {
    const xa = Array.from({ length: rank }, (_, k) => { let s = 0; for (let j = 0; j < i; j++) s += x[r * i + j]! * a[j * rank + k]!; return s; });
    for (let c = 0; c < o; c++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += xa[k]! * b[k * o + c]!;
      const want = 0.75 * s; // α/r = 3/4, exact in binary; |s| < 2^24, so exact in float32 too
      if (want !== 0) nonzero++;
      assert.equal(got[r * o + c], want, `row ${r}, column ${c}: delta ${got[r * o + c]}, want 0.75 × ${s}`);
    }
  }
  assert.ok(nonzero > o, 'the check needs nonzero deltas');
  assert.equal(lora.delta(tf.zeros([1, i]) as tf.Tensor2D, 0, 'wk'), undefined, 'a projection outside targets has no delta');
  tf.dispose([...Object.values(w), ...Object.values(lora.variables)]);
});
