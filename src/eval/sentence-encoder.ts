// What the evaluation runner needs from any text encoder: vectors for texts, and an identity that
// decides the vectors (model files, design, checkpoint, max length, backend) so cached vectors are
// reused only for the very same encoder. Our decoder designs and the outside USE-lite row both fit.
import { EVAL_DESIGNS, knownDesign } from '../designs.ts';

export interface EncodeResult {
  vectors: Float32Array[];
  /** Tokens fed to the model, padding excluded (for the tokens/s figure). */
  tokens: number;
}

export interface SentenceEncoder {
  /** The design name as it appears in results (`m1`, `base-mean`, `use-lite`, `minilm`). */
  name: string;
  /** Everything besides text and instruction that decides the vectors; hashed into the cache key. */
  identity: Record<string, unknown>;
  /** Shown in results: the numeric backend that computed the vectors. */
  backend: string;
  /** false: the encoder was not trained with instructions and gets none (USE-lite). */
  usesInstructions: boolean;
  /** Vectors in input order; `instruction` is glued to every text without a space. */
  encode(texts: readonly string[], instruction: string, onProgress?: (done: number, total: number) => void): Promise<EncodeResult>;
  /** Release model memory. */
  dispose?(): void;
}

export interface OpenEncoderOptions {
  /** Run folder holding <design>/final/ (trained designs). */
  runDir?: string;
  /** Base model for base-* designs (default: the run folder's, else stories260K; see embedding/embedding-model.ts). */
  model?: string;
  /** Max tokens per text for base-* designs (trained designs use their checkpoint's). */
  maxLen?: number;
  batchSize?: number;
}

/** Load the encoder for a design name. Each kind is imported only when asked for: USE-lite bundles
 *  its own TensorFlow.js and must not share a process with ours (see use-lite.ts). */
export async function openEncoder(name: string, opts: OpenEncoderOptions = {}): Promise<SentenceEncoder> {
  if (name === 'use-lite') return (await import('./use-lite.ts')).openUseLite({ batchSize: opts.batchSize });
  if (name === 'minilm') return (await import('./minilm.ts')).openMinilm({ batchSize: opts.batchSize });
  if (!knownDesign(name, opts.runDir)) throw new Error(`unknown design '${name}'; valid: ${EVAL_DESIGNS.join(', ')}${opts.runDir ? `, or a design trained in ${opts.runDir}` : ''}`);
  return (await import('./design-encoder.ts')).openDesignEncoder(name, opts);
}
