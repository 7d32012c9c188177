// Loader for Hugging Face checkpoints of Llama, Mistral and Qwen2: config.json plus model.safetensors
// (or a sharded model.safetensors.index.json), and tokenizer.json through @huggingface/tokenizers.
// HF stores linear weights [out, in] and already uses the half-split RoPE layout, so the only
// change is a transpose into our [in, out].
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import { parseHfConfig } from './hf-config.ts';
import { loadSafetensorsFolder } from './safetensors.ts';
import { transposeMatrix, type Decoder, type LayerWeights } from './weights.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { encodePrefix, prefixCutSafe } from '../tokenizer/hf-prefix-cut.ts';

export async function loadHfDecoder(dir: string): Promise<Decoder> {
  const configFile = join(dir, 'config.json');
  const config = parseHfConfig(JSON.parse(await readFile(configFile, 'utf8')), configFile);
  const { tensors } = await loadSafetensorsFolder(dir);
  const used = new Set<string>();
  const get = (name: string, shape: number[]): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new Error(`${dir}: tensor '${name}' is missing from the safetensors files`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${dir}: tensor '${name}' has shape [${t.shape}], config.json implies [${shape}]`);
    }
    used.add(name);
    return t.data;
  };
  const { dim, hiddenDim, nHeads, nKvHeads, headDim, vocabSize } = config;
  const linear = (name: string, out: number, inp: number) => tf.tensor2d(transposeMatrix(get(name, [out, inp]), out, inp), [inp, out]);
  const vector = (name: string, n: number) => tf.tensor1d(get(name, [n]));
  const layers: LayerWeights[] = [];
  for (let i = 0; i < config.nLayers; i++) {
    const p = `model.layers.${i}.`;
    layers.push({
      attnNorm: vector(`${p}input_layernorm.weight`, dim),
      wq: linear(`${p}self_attn.q_proj.weight`, nHeads * headDim, dim),
      wk: linear(`${p}self_attn.k_proj.weight`, nKvHeads * headDim, dim),
      wv: linear(`${p}self_attn.v_proj.weight`, nKvHeads * headDim, dim),
      wo: linear(`${p}self_attn.o_proj.weight`, dim, nHeads * headDim),
      ...(config.oBias ? { bo: vector(`${p}self_attn.o_proj.bias`, dim) } : {}),
      ...(config.qkvBias ? {
        bq: vector(`${p}self_attn.q_proj.bias`, nHeads * headDim),
        bk: vector(`${p}self_attn.k_proj.bias`, nKvHeads * headDim),
        bv: vector(`${p}self_attn.v_proj.bias`, nKvHeads * headDim),
      } : {}),
      mlpNorm: vector(`${p}post_attention_layernorm.weight`, dim),
      wGate: linear(`${p}mlp.gate_proj.weight`, hiddenDim, dim),
      wUp: linear(`${p}mlp.up_proj.weight`, hiddenDim, dim),
      wDown: linear(`${p}mlp.down_proj.weight`, dim, hiddenDim),
    });
  }
  const embed = tf.tensor2d(get('model.embed_tokens.weight', [vocabSize, dim]), [vocabSize, dim]);
  const finalNorm = vector('model.norm.weight', dim);
  // Some tied checkpoints still ship lm_head.weight; the config decides.
  const lmHead = config.tieEmbeddings ? undefined : linear('lm_head.weight', vocabSize, dim);
  if (config.tieEmbeddings) used.add('lm_head.weight');
  const unused = [...tensors.keys()].filter((k) => !used.has(k) && !k.endsWith('rotary_emb.inv_freq'));
  if (unused.length > 0) {
    tf.dispose([embed, finalNorm, ...(lmHead ? [lmHead] : []), ...layers.flatMap((l) => Object.values(l) as tf.Tensor[])]);
    throw new Error(`${dir}: ${unused.length} tensors not used by a ${config.architecture} decoder, e.g. '${unused[0]}' (wrong architecture in config.json?)`);
  }
  return { config, source: dir, weights: { embed, layers, finalNorm, lmHead } };
}

/** A tokenizer.json (+ tokenizer_config.json) through @huggingface/tokenizers. */
export class HfTokenizer implements Tokenizer {
  readonly padId: number;
  /** Whether a budgeted encode may tokenize a prefix only (src/tokenizer/hf-prefix-cut.ts says when that is exact). */
  readonly prefixCut: boolean;
  constructor(private readonly impl: HfTokenizerImpl, readonly vocabSize: number, readonly bosId: number, readonly eosId: number, padId?: number, json?: Record<string, unknown>) {
    this.padId = padId ?? eosId;
    this.prefixCut = json !== undefined && prefixCutSafe(json);
  }

  static async load(dir: string, ids: { vocabSize: number; bosId: number; eosId: number }): Promise<HfTokenizer> {
    const file = join(dir, 'tokenizer.json');
    if (!existsSync(file)) throw new Error(`${dir}: no tokenizer.json (a Hugging Face model folder needs one)`);
    const json = JSON.parse(await readFile(file, 'utf8'));
    const cfgFile = join(dir, 'tokenizer_config.json');
    const cfg = existsSync(cfgFile) ? JSON.parse(await readFile(cfgFile, 'utf8')) : {};
    return new HfTokenizer(new HfTokenizerImpl(json, cfg), ids.vocabSize, ids.bosId, ids.eosId, undefined, json);
  }

  encode(text: string, opts: { bos?: boolean; eos?: boolean; maxTokens?: number } = {}): number[] {
    const all = (s: string) => this.impl.encode(s, { add_special_tokens: false }).ids.map(Number);
    // with a budget, only a prefix ending at a safe cut is read (its tokens are the whole text's first ones)
    const ids = this.prefixCut && opts.maxTokens !== undefined && Number.isFinite(opts.maxTokens)
      ? encodePrefix(text, Math.max(1, opts.maxTokens), all, Math.max(64, 8 * opts.maxTokens))
      : all(text);
    return [...(opts.bos ? [this.bosId] : []), ...ids, ...(opts.eos ? [this.eosId] : [])];
  }

  decode(tokens: readonly number[]): string {
    return this.impl.decode([...tokens], { skip_special_tokens: true });
  }

  tokenBytes(prev: number, token: number): Uint8Array {
    // the difference of two decodes keeps the tokenizer's own spacing rules
    const before = prev >= 0 ? this.decode([prev]) : '';
    return Buffer.from(this.decode(prev >= 0 ? [prev, token] : [token]).slice(before.length));
  }
}
