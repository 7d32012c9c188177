// Building blocks of the trainable pooling heads, after the Perceiver-style block the authors used:
// multi-head cross-attention with pre-norm LayerNorms on queries and context, then a pre-norm GEGLU
// feed-forward with a residual. Weights are initialised from a seeded generator so the same seed
// gives the same head on every backend. LayerNorm, the attention core and the GEGLU gate are single
// ops with hand-written gradients (src/model/*-grad.ts): fewer, larger ops on wasm.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../util/random.ts';
import { layerNormOp } from '../model/kernels/layernorm-grad.ts';
import { gegluOp } from '../model/kernels/geglu-grad.ts';
import { packRows, unpackRows, type PackedRows } from '../model/packed-rows.ts';

let uid = 0; // tf.variable names must be unique per process

export class ParamFactory {
  readonly variables: Record<string, tf.Variable> = {};
  private readonly rand: () => number;
  /**
   * `lrScale` (default 1, the authors' head): each variable holds its parameter divided by lrScale and
   * the forward pass reads it multiplied back (`view`), so the head starts from the same weights but
   * AdamW, whose step does not depend on the gradient's scale, moves its parameters lrScale × the run's
   * learning rate (decoupled weight decay still at the run's rate). A per-group learning rate that
   * lives in the head's options, so the trainer and the checkpoint format stay as they are.
   */
  constructor(seed: number, readonly lrScale = 1) {
    if (!(lrScale > 0 && Number.isFinite(lrScale))) throw new Error(`ParamFactory: lrScale must be a positive number, got ${lrScale}`);
    this.rand = mulberry32(seed);
  }

  /**
   * The parameters as the forward pass reads them: the variables themselves when lrScale is 1; else
   * an object of the same shape whose variables read as variable × lrScale, recomputed at each read
   * (inside the caller's tidy or gradient tape) so the gradient reaches the variable.
   */
  view<T extends object>(params: T): T {
    if (this.lrScale === 1) return params;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) {
      if (v instanceof tf.Variable) Object.defineProperty(out, k, { get: () => tf.mul(v, this.lrScale), enumerable: true });
      else if (v !== null && typeof v === 'object' && !(v instanceof tf.Tensor)) out[k] = this.view(v as object);
      else out[k] = v;
    }
    return out as T;
  }

  /** PyTorch nn.Linear's default weight init (kaiming_uniform with a = √5): uniform(±1/sqrt(fanIn)). Stored [in, out]. */
  linear(name: string, fanIn: number, fanOut: number): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    return this.add(name, [fanIn, fanOut], () => (this.rand() * 2 - 1) * bound);
  }

  /** PyTorch nn.Linear's default bias init: uniform(±1/sqrt(fanIn)), fanIn of the layer's weight. */
  bias(name: string, fanIn: number, size: number): tf.Variable {
    const bound = 1 / Math.sqrt(fanIn);
    return this.add(name, [size], () => (this.rand() * 2 - 1) * bound);
  }

  normal(name: string, shape: number[], std: number): tf.Variable {
    // Box–Muller from the seeded uniform generator.
    return this.add(name, shape, () => Math.sqrt(-2 * Math.log(1 - this.rand())) * Math.cos(2 * Math.PI * this.rand()) * std);
  }

  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, shape, () => value);
  }

  private add(name: string, shape: number[], f: () => number): tf.Variable {
    if (this.variables[name]) throw new Error(`duplicate parameter ${name}`);
    const n = shape.reduce((p, d) => p * d, 1);
    const s = this.lrScale;
    const v = tf.variable(tf.tensor(Float32Array.from({ length: n }, s === 1 ? f : () => f() / s), shape), true, `${name}#${uid++}`);
    this.variables[name] = v;
    return v;
  }
}

export interface LayerNormParams { gamma: tf.Tensor; beta: tf.Tensor }

export function layerNormParams(p: ParamFactory, name: string, dim: number): LayerNormParams {
  return { gamma: p.constant(`${name}.weight`, [dim], 1), beta: p.constant(`${name}.bias`, [dim], 0) };
}

export function layerNorm(x: tf.Tensor, ln: LayerNormParams, eps = 1e-5): tf.Tensor {
  if (ln.gamma instanceof tf.Variable && ln.beta instanceof tf.Variable) return layerNormOp(x, ln.gamma as tf.Tensor1D, ln.beta as tf.Tensor1D, eps);
  // a gain computed in the forward pass (lrScale ≠ 1) would be gone before the fused op's backward
  // pass reads it: plain ops, differentiated by tf.js
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), ln.gamma), ln.beta);
}

/** x [..., in] · W [in, out] (+ b [out]) as one 2-D product. */
export function dense(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const inDim = shape[shape.length - 1]!;
  const xw = tf.matMul(x.reshape([-1, inDim]) as tf.Tensor2D, w as tf.Tensor2D);
  const y = b ? tf.add(xw, b) : xw;
  return y.reshape([...shape.slice(0, -1), w.shape[1]!]);
}

export interface CrossAttentionParams {
  heads: number;
  headDim: number;
  normQ: LayerNormParams;
  normKv: LayerNormParams;
  wq: tf.Tensor; // [qDim, heads·headDim]
  wk: tf.Tensor; // [kvDim, heads·headDim]
  wv: tf.Tensor;
  wo: tf.Tensor; // [heads·headDim, qDim]
}

export function crossAttentionParams(p: ParamFactory, name: string, qDim: number, kvDim: number, heads: number, headDim: number): CrossAttentionParams {
  const inner = heads * headDim;
  return p.view({
    heads, headDim,
    normQ: layerNormParams(p, `${name}.norm_q`, qDim),
    normKv: layerNormParams(p, `${name}.norm_kv`, kvDim),
    wq: p.linear(`${name}.to_q`, qDim, inner),
    wk: p.linear(`${name}.to_k`, kvDim, inner),
    wv: p.linear(`${name}.to_v`, kvDim, inner),
    wo: p.linear(`${name}.to_out`, inner, qDim),
  });
}

/**
 * Pre-norm multi-head cross-attention: queries q [B, Nq, qDim] attend over context c [B, Nc, kvDim];
 * `keyMask` [B, Nc] (1 = attend) hides padding. Returns [B, Nq, qDim] (without the residual).
 * One side is a 2-D array shared by every sequence (the trainable latents, [N, dim]): its LayerNorm
 * and projections run once instead of once per sequence (the same numbers).
 * `contextRows` (with keyMask, its ones): the context's keys and values are computed for these rows
 * only, zeros at the masked ones, which the mask hides (the same numbers, less work).
 */
export function crossAttention(a: CrossAttentionParams, q: tf.Tensor3D | tf.Tensor2D, c: tf.Tensor3D | tf.Tensor2D, keyMask?: tf.Tensor2D, contextRows?: PackedRows): tf.Tensor3D {
  if (q.rank === c.rank) throw new Error('crossAttention: one of queries and context must be batched [B, n, dim], the other shared [n, dim]');
  const B = q.rank === 3 ? q.shape[0] : c.shape[0]!;
  if (keyMask && c.rank !== 3) throw new Error('crossAttention: a key mask needs a batched context');
  const Nq = q.shape[q.rank - 2]!, Nc = c.shape[c.rank - 2]!;
  const { heads: H, headDim: D } = a;
  const qn = layerNorm(q, a.normQ);
  if (contextRows && !keyMask) throw new Error('crossAttention: contextRows needs the key mask');
  const cRows = contextRows ? packRows(c.reshape([-1, c.shape[c.rank - 1]!]) as tf.Tensor2D, contextRows) : c;
  const cn = layerNorm(cRows, a.normKv);
  const project = (w: tf.Tensor) => (contextRows ? unpackRows(dense(cn, w) as tf.Tensor2D, contextRows).reshape([B, Nc, H * D]) : dense(cn, w));
  const Qf = tf.mul(dense(qn, a.wq), 1 / Math.sqrt(D)), Kf = project(a.wk), Vf = project(a.wv);
  const bias = keyMask ? tf.mul(tf.sub(1, keyMask), -1e9) as tf.Tensor2D : undefined;
  const wo = a.wo;
  const qDim = wo.shape[1]!;
  // The output projection goes into the values first: out·Wo = Σ_h P_h (V_h Wo_h),
  // the same numbers up to rounding, and it never forms the [rows, Nq, H·D] attention output: for a
  // latent-query head (Nq = 108 latents, H·D = 9,216 at SmolLM2's width, Nc ≤ 64) under half the
  // attention's multiply-adds of attending, then projecting (m5: ~6 against ~15 GMAC per batch of 24).
  const byHead = (x: tf.Tensor) => x.reshape([-1, H, D]).transpose([1, 0, 2]) as tf.Tensor3D; // [H, rows·n, D]
  const vw = tf.matMul(byHead(Vf), wo.reshape([H, D, qDim]) as tf.Tensor3D); // [H, rows·Nc, qDim]
  const scores = tf.matMul(byHead(Qf), byHead(Kf), false, true); // [H, rows·Nq, rows·Nc], one side's rows = 1
  if (q.rank === 2) {
    // shared queries (the latents) over each sequence's context: P [H, Nq, B, Nc]
    let s: tf.Tensor = scores.reshape([H, Nq, B, Nc]);
    if (bias) s = tf.add(s, bias.reshape([1, 1, B, Nc]));
    const p = tf.softmax(s, -1).transpose([2, 1, 0, 3]).reshape([B, Nq, H * Nc]) as tf.Tensor3D;
    const v = vw.reshape([H, B, Nc, qDim]).transpose([1, 0, 2, 3]).reshape([B, H * Nc, qDim]) as tf.Tensor3D;
    return tf.matMul(p, v);
  }
  // each sequence's queries over a shared context (NV-Embed's latent array): P [H, B·Nq, Nc]
  const p = tf.softmax(scores, -1).transpose([1, 0, 2]).reshape([B * Nq, H * Nc]) as tf.Tensor2D;
  return tf.matMul(p, vw.reshape([H * Nc, qDim]) as tf.Tensor2D).reshape([B, Nq, qDim]) as tf.Tensor3D;
}

/**
 * The authors' FeedForward (`pooling_layers/*.py`): Linear(dim → 2·mult·dim) → GEGLU → Linear(mult·dim → dim),
 * both Linear layers with PyTorch's default bias; the PreNorm LayerNorm in front. w1's first `inner`
 * columns are GEGLU's value, the last `inner` its gate (torch's `chunk(2, dim=-1)`).
 */
export interface FeedForwardParams { norm: LayerNormParams; w1: tf.Tensor; b1: tf.Tensor; w2: tf.Tensor; b2: tf.Tensor; inner: number }

export function feedForwardParams(p: ParamFactory, name: string, dim: number, mult: number): FeedForwardParams {
  const inner = Math.round(dim * mult);
  return p.view({
    norm: layerNormParams(p, `${name}.norm`, dim),
    w1: p.linear(`${name}.w1`, dim, 2 * inner), b1: p.bias(`${name}.b1`, dim, 2 * inner),
    w2: p.linear(`${name}.w2`, inner, dim), b2: p.bias(`${name}.b2`, inner, dim),
    inner,
  });
}

export function gelu(x: tf.Tensor): tf.Tensor {
  // exact erf form, as torch.nn.functional.gelu's default
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

export function feedForward(f: FeedForwardParams, x: tf.Tensor3D): tf.Tensor3D {
  const xn = layerNorm(x, f.norm);
  // value and gate from the two column halves of w1: two products instead of one and a split copy
  const w1 = f.w1, b1 = f.b1; // one read each (with lrScale, a read is a product)
  const d = w1.shape[0]!;
  const half = (start: number) => [tf.slice(w1, [0, start], [d, f.inner]), tf.slice(b1, [start], [f.inner])] as const;
  const [wv, bv] = half(0), [wg, bg] = half(f.inner);
  return dense(gegluOp(dense(xn, wv, bv), dense(xn, wg, bg)), f.w2, f.b2) as tf.Tensor3D;
}
