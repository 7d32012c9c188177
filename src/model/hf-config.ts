// A Hugging Face `config.json` for a Llama-family decoder (Llama, Mistral, Qwen2) read as our
// DecoderConfig. Anything that would change the forward pass and that the decoder does not
// implement (rope_scaling, non-SiLU activations, MLP biases, Qwen2's per-layer sliding window) is an
// error, so a checkpoint never runs with silently different maths.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig, type Architecture, type DecoderConfig } from './config.ts';

const ARCHITECTURES: Record<string, Architecture> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  Qwen2ForCausalLM: 'qwen2',
};
const MODEL_TYPES: Architecture[] = ['llama', 'mistral', 'qwen2'];

/** Reads `path`, or `path/config.json` when path is a folder. */
export function readHfConfig(path: string): DecoderConfig {
  let file = path;
  let json: unknown;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'config.json');
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read config: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseHfConfig(json, file);
}

/** The decoder a config.json describes, checked by validateConfig like every format's. */
export function parseHfConfig(json: unknown, fileName: string): DecoderConfig {
  const fail = (msg: string): never => { throw new Error(`${fileName}: ${msg}`); };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('config is not a JSON object');
  const c = json as Record<string, unknown>;
  const has = (k: string) => Object.hasOwn(c, k) && c[k] !== null && c[k] !== undefined;

  const architecture = resolveArchitecture(c, fail);

  const positiveInt = (k: string): number => {
    if (!has(k)) return fail(`missing required field "${k}"`);
    const v = c[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      return fail(`field "${k}" must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const positiveNumber = (k: string, fallback?: number): number => {
    if (!has(k)) return fallback ?? fail(`missing required field "${k}"`);
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      return fail(`field "${k}" must be a positive number, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const bool = (k: string, fallback: boolean): boolean => {
    if (!has(k)) return fallback;
    if (typeof c[k] !== 'boolean') return fail(`field "${k}" must be true or false, got ${JSON.stringify(c[k])}`);
    return c[k] as boolean;
  };
  const tokenId = (v: unknown, k: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      return fail(`field "${k}" must be a non-negative integer token id, got ${JSON.stringify(v)}`);
    }
    return v;
  };

  if (has('rope_scaling')) {
    fail(`"rope_scaling" ${JSON.stringify(c.rope_scaling)} is not supported (only plain RoPE is implemented)`);
  }
  if (has('hidden_act') && c.hidden_act !== 'silu') {
    fail(`"hidden_act" ${JSON.stringify(c.hidden_act)} is not supported (only "silu")`);
  }
  if (architecture === 'llama' && bool('mlp_bias', false)) fail('"mlp_bias": true is not supported');
  if (architecture === 'qwen2' && bool('use_sliding_window', false)) {
    fail('"use_sliding_window": true is not supported (Qwen2 applies it to a subset of layers)');
  }

  const dim = positiveInt('hidden_size');
  const hiddenDim = positiveInt('intermediate_size');
  const nLayers = positiveInt('num_hidden_layers');
  const nHeads = positiveInt('num_attention_heads');
  const nKvHeads = has('num_key_value_heads') ? positiveInt('num_key_value_heads') : nHeads;
  const vocabSize = positiveInt('vocab_size');
  const maxSeqLen = positiveInt('max_position_embeddings');
  const normEps = positiveNumber('rms_norm_eps');
  const ropeTheta = positiveNumber('rope_theta', 10000);

  if (nHeads % nKvHeads !== 0) {
    fail(`"num_attention_heads" ${nHeads} is not divisible by "num_key_value_heads" ${nKvHeads}`);
  }
  let headDim: number;
  if (has('head_dim')) {
    headDim = positiveInt('head_dim');
  } else {
    if (dim % nHeads !== 0) fail(`"hidden_size" ${dim} is not divisible by "num_attention_heads" ${nHeads}`);
    headDim = dim / nHeads;
  }
  // RoPE rotates pairs of channels.
  if (headDim % 2 !== 0) fail(`head dimension ${headDim} is odd; RoPE needs an even head dimension`);

  // MistralConfig's default window is 4096 when the field is absent; null means full attention.
  let slidingWindow: number | null = null;
  if (architecture === 'mistral') {
    if (!Object.hasOwn(c, 'sliding_window')) slidingWindow = 4096;
    else if (has('sliding_window')) slidingWindow = positiveInt('sliding_window');
  }

  const bosId = has('bos_token_id') ? tokenId(c.bos_token_id, 'bos_token_id') : null;
  let eosIds: number[] = [];
  if (has('eos_token_id')) {
    const e = c.eos_token_id;
    eosIds = Array.isArray(e) ? e.map((v) => tokenId(v, 'eos_token_id')) : [tokenId(e, 'eos_token_id')];
  }

  const attentionBias = architecture === 'llama' && bool('attention_bias', false);
  const config: DecoderConfig = {
    architecture, dim, hiddenDim, nLayers, nHeads, nKvHeads, headDim, vocabSize,
    // Mistral's sliding window only matters past its length; refuse to be silently wrong beyond it.
    maxSeqLen: slidingWindow !== null && slidingWindow < maxSeqLen ? slidingWindow : maxSeqLen,
    normEps, ropeTheta,
    // transformers' default is false for all three (Qwen2 small models set true)
    tieEmbeddings: bool('tie_word_embeddings', false),
    // biases on q/k/v: always for qwen2, attention_bias for llama; on o: attention_bias for llama only
    qkvBias: architecture === 'qwen2' || attentionBias,
    oBias: attentionBias,
    // Llama's and Mistral's defaults; Qwen2 configs name both ids. eos_token_id may be a list: its first.
    bosId: bosId ?? 1, eosId: eosIds.length > 0 ? eosIds[0]! : 2,
  };
  validateConfig(config, fileName);
  return config;
}

function resolveArchitecture(c: Record<string, unknown>, fail: (msg: string) => never): Architecture {
  const supported = `supported: ${Object.keys(ARCHITECTURES).join(', ')} (model_type ${MODEL_TYPES.join(', ')})`;
  const archs = c.architectures;
  if (archs !== undefined && archs !== null) {
    if (!Array.isArray(archs) || archs.some((a) => typeof a !== 'string')) {
      return fail(`"architectures" must be a list of strings, got ${JSON.stringify(archs)}`);
    }
    if (archs.length > 0) {
      const name = archs[0] as string;
      if (!Object.hasOwn(ARCHITECTURES, name)) return fail(`unsupported architecture ${JSON.stringify(name)}; ${supported}`);
      return ARCHITECTURES[name];
    }
  }
  const mt = c.model_type;
  if (typeof mt === 'string' && (MODEL_TYPES as string[]).includes(mt)) return mt as Architecture;
  if (mt === undefined) return fail(`no "architectures" or "model_type" field; ${supported}`);
  return fail(`unsupported model_type ${JSON.stringify(mt)}; ${supported}`);
}
