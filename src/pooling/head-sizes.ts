// Default sizes of the trainable heads, scaled from the authors' Mistral-7B head (d = 4096: 768
// latents, 32 heads of width 2048, GEGLU ×4) to the base model's width d, keeping the proportions
// that matter: latents = 0.1875·d (at least 8), head width = d/2, and heads = min(32, the base
// model's query heads), so the attention's inner width stays a small multiple of d. The authors' head
// is ~30× the LoRA adapters; the scaled head keeps the same order of magnitude relative to LoRA here.
import type { DecoderConfig } from '../model/config.ts';
import { numberOption } from './pooling.ts';

export interface HeadSizes { latents: number; heads: number; headDim: number; ffMult: number }

export function defaultHeadSizes(c: DecoderConfig): HeadSizes {
  return {
    latents: Math.max(8, Math.round(0.1875 * c.dim)),
    heads: Math.min(32, c.nHeads),
    headDim: Math.max(8, Math.round(c.dim / 2)),
    ffMult: 4,
  };
}

export function headSizes(c: DecoderConfig, options: Record<string, unknown>, pooling: string): HeadSizes {
  const d = defaultHeadSizes(c);
  return {
    latents: numberOption(options, 'latents', d.latents, pooling),
    heads: numberOption(options, 'heads', d.heads, pooling),
    headDim: numberOption(options, 'headDim', d.headDim, pooling),
    ffMult: numberOption(options, 'ffMult', d.ffMult, pooling),
  };
}
