// The architecture hyperparameters of a Llama-family decoder, whatever file they came from.

export type Architecture = 'llama' | 'mistral' | 'qwen2';

export interface DecoderConfig {
  architecture: Architecture;
  /** model width (hidden_size) */
  dim: number;
  /** SwiGLU inner width (intermediate_size) */
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  /** key/value heads; nHeads / nKvHeads query heads share one (grouped-query attention) */
  nKvHeads: number;
  headDim: number;
  vocabSize: number;
  maxSeqLen: number;
  normEps: number;
  ropeTheta: number;
  /** output head shares the embedding matrix */
  tieEmbeddings: boolean;
  /** q/k/v projections carry a bias (Qwen2) */
  qkvBias: boolean;
  /** the attention output projection carries a bias (Llama's attention_bias); absent: none */
  oBias?: boolean;
  bosId: number;
  eosId: number;
}

/** Throw unless the sizes fit together; `source` names the file the config came from. */
export function validateConfig(c: DecoderConfig, source: string): void {
  const positive = ['dim', 'hiddenDim', 'nLayers', 'nHeads', 'nKvHeads', 'headDim', 'vocabSize', 'maxSeqLen'] as const;
  for (const k of positive) {
    const v = c[k];
    if (!Number.isInteger(v) || v <= 0 || v > 1 << 24) throw new Error(`${source}: ${k} must be a positive integer, got ${v}`);
  }
  if (c.nHeads % c.nKvHeads !== 0) throw new Error(`${source}: nHeads ${c.nHeads} is not a multiple of nKvHeads ${c.nKvHeads}`);
  if (c.headDim % 2 !== 0) throw new Error(`${source}: head dimension ${c.headDim} must be even for RoPE`);
}

/** The projection names LoRA adapts, in the order of the paper (q, k, v, o, gate, up, down).
 * Here, not in weights.ts, so that the training profiles name them without loading TensorFlow.js. */
export const PROJECTIONS = ['wq', 'wk', 'wv', 'wo', 'wGate', 'wUp', 'wDown'] as const;
export type Projection = (typeof PROJECTIONS)[number];
