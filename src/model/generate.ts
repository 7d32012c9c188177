// Autoregressive generation with llama2.c's conventions (run.c `generate`): start from BOS, feed the
// prompt, then pick the argmax (or sample at a temperature); stop at `steps` positions or when the
// model emits BOS, which in llama2.c's training data separates stories. A tokenizer that adds no BOS
// (SmolLM2's, as transformers uses it) starts from the prompt itself (from BOS only when it is empty)
// and also stops at EOS.
import * as tf from '@tensorflow/tfjs';
import type { Decoder } from './weights.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { forward, logits } from './decoder.ts';
import { padBatch } from './batch.ts';
import { mulberry32 } from '../util/random.ts';

export interface GenerateOptions {
  steps: number;
  prompt?: string;
  /** 0 (default) = greedy */
  temperature?: number;
  seed?: number;
  /** called with each new token id as it is chosen */
  onToken?: (prev: number, token: number) => void;
}

/** Returns the token ids after BOS (if one was put in front): the prompt's and the generated ones. */
export async function generate(model: Decoder, tok: Tokenizer, opts: GenerateOptions): Promise<number[]> {
  const steps = Math.min(opts.steps, model.config.maxSeqLen);
  const withBos = tok.addBos !== false;
  const text = tok.encode(opts.prompt ?? '');
  const prompt = withBos || text.length === 0 ? [tok.bosId, ...text] : text;
  const skip = prompt.length - text.length; // 1 when BOS was put in front
  const temperature = opts.temperature ?? 0;
  const rand = mulberry32(opts.seed ?? 0);
  const seq = [prompt[0]!];
  if (skip === 0) opts.onToken?.(-1, seq[0]!); // the prompt's first token is text too
  for (let pos = 0; pos < steps; pos++) {
    let next: number;
    if (pos < prompt.length - 1) {
      next = prompt[pos + 1]!;
    } else {
      const last = tf.tidy(() => {
        const out = forward(model, padBatch([seq], 'right'), { attention: 'causal' });
        // only the last position's logits: the vocabulary projection is the largest matMul
        return logits(model, out.lastHidden.slice([0, seq.length - 1, 0], [1, 1, -1]));
      });
      const row = (await last.data()) as Float32Array; // asynchronous: WebGPU has no synchronous read
      last.dispose();
      next = temperature > 0 ? sample(row, temperature, rand) : argmax(row);
    }
    if (next === tok.bosId || (!withBos && next === tok.eosId)) break;
    opts.onToken?.(seq[seq.length - 1]!, next);
    seq.push(next);
  }
  return seq.slice(skip);
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

function sample(logit: Float32Array, temperature: number, rand: () => number): number {
  let max = -Infinity;
  for (const v of logit) max = Math.max(max, v);
  const p = Array.from(logit, (v) => Math.exp((v - max) / temperature));
  const total = p.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < p.length; i++) { r -= p[i]!; if (r <= 0) return i; }
  return p.length - 1;
}
