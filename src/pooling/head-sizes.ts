// Default sizes of the trainable heads: the authors' Mistral-7B head (d = 4096: 768 latents, 32
// heads of width 2048, GEGLU ×4; `pooling_layers/*.py` defaults) with every size a fixed fraction of
// the base model's width d, so at d = 4096 the defaults ARE the authors' sizes:
//   latents = 0.1875·d (at least 8), heads = 32, head width = d/2, so the attention's inner width is
//   32 · d/2 = 16·d, as theirs (65,536 = 16 · 4096); FF inner width 4·d (GEGLU, 8·d before the gate).
// Parameters: ≈ 76·d² (q 16d², k and v 32d², out 16d², FF 12d², latents 0.19d²), plus biases, norms
// and, for m3/m5, the L × d layer embedding.
// What cannot be kept is the head's size relative to the LoRA adapters: the head grows as d², LoRA as
// layers · rank · d. Theirs: 1.278B vs 41.9M (r16 on Mistral-7B), 30×. Measured here (H5, issue 14):
//   stories260K (d 64, 5 layers): head 313K params (the base model has 260K) vs LoRA r8 46K (6.8×),
//     r16 92K (3.4×). The earlier default (heads = the model's 8, inner 4·d) had 116K (2.5× r8).
//   SmolLM2-135M (d 576, 30 layers): head 25.3M vs LoRA r8 2.4M (10×), r16 4.9M (5.2×); the earlier
//     default (9 heads, inner 4.5·d) 10.0M.
// Cost at stories260K, one head forward + backward over 96 sequences × 48 tokens (a quick-profile
// micro-batch), CPU time on wasm (shared machine, before the latents were projected once per batch):
//   m2 134 → 266 ms, m3 173 → 371 ms, m4 362 → 1233 ms, m5 161 → 300 ms (earlier default → these).
// m4 pays most: its keys/values are every token, 32·d² multiply-adds per token for k and v, about half
// the decoder's own per-token work at d = 64 (~8% at d = 4096).
// NV-Embed's latent attention (m6) likewise: 512 latents and 8 heads of width 4096 at d = 4096
// (`LatentAttentionConfig` defaults) → latents d/8 (at least 8), 8 heads of width d (inner 8·d).
import type { DecoderConfig } from '../model/config.ts';
import { numberOption } from './pooling.ts';

export interface HeadSizes { latents: number; heads: number; headDim: number; ffMult: number }

/** The authors' PerceiverResampler sizes as fractions of d (Models 2–5). */
export function defaultHeadSizes(c: DecoderConfig): HeadSizes {
  return { latents: Math.max(8, Math.round(0.1875 * c.dim)), heads: 32, headDim: Math.max(1, Math.round(c.dim / 2)), ffMult: 4 };
}

/** NV-Embed's latent-attention sizes as fractions of d (the sixth design). */
export function defaultLatentAttentionSizes(c: DecoderConfig): HeadSizes {
  return { latents: Math.max(8, Math.round(c.dim / 8)), heads: 8, headDim: c.dim, ffMult: 4 };
}

/** The defaults, each overridable by a pooling option of the same name. */
export function headSizes(c: DecoderConfig, options: Record<string, unknown>, pooling: string, defaults: HeadSizes = defaultHeadSizes(c)): HeadSizes {
  return {
    latents: numberOption(options, 'latents', defaults.latents, pooling),
    heads: numberOption(options, 'heads', defaults.heads, pooling),
    headDim: numberOption(options, 'headDim', defaults.headDim, pooling),
    ffMult: numberOption(options, 'ffMult', defaults.ffMult, pooling),
  };
}
