import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHfConfig, readHfConfig } from '../src/model/hf-config.ts';

// config.json files as published on the Hugging Face hub (TinyLlama-1.1B-Chat-v1.0, Qwen2-0.5B,
// Mistral-7B-v0.1).
const TINYLLAMA = {
  architectures: ['LlamaForCausalLM'], attention_bias: false, bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu',
  hidden_size: 2048, initializer_range: 0.02, intermediate_size: 5632, max_position_embeddings: 2048, model_type: 'llama',
  num_attention_heads: 32, num_hidden_layers: 22, num_key_value_heads: 4, pretraining_tp: 1, rms_norm_eps: 1e-5,
  rope_scaling: null, rope_theta: 10000.0, tie_word_embeddings: false, torch_dtype: 'bfloat16', transformers_version: '4.35.0',
  use_cache: true, vocab_size: 32000,
};
const QWEN2_05B = {
  architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643, hidden_act: 'silu',
  hidden_size: 896, initializer_range: 0.02, intermediate_size: 4864, max_position_embeddings: 131072, max_window_layers: 24,
  model_type: 'qwen2', num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6,
  rope_theta: 1000000.0, sliding_window: 131072, tie_word_embeddings: true, torch_dtype: 'bfloat16',
  transformers_version: '4.40.1', use_cache: true, use_sliding_window: false, vocab_size: 151936,
};
const MISTRAL_7B = {
  architectures: ['MistralForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 4096,
  initializer_range: 0.02, intermediate_size: 14336, max_position_embeddings: 32768, model_type: 'mistral',
  num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 10000.0,
  sliding_window: 4096, tie_word_embeddings: false, torch_dtype: 'bfloat16', transformers_version: '4.34.0.dev0',
  use_cache: true, vocab_size: 32000,
};

const F = 'models/x/config.json';
const without = (c: object, ...keys: string[]) => Object.fromEntries(Object.entries(c).filter(([k]) => !keys.includes(k)));
const rejects = (c: unknown, pattern: RegExp) =>
  assert.throws(() => parseHfConfig(c, F), (e: unknown) => {
    assert.ok(e instanceof Error && e.message.startsWith(`${F}: `), String(e));
    assert.match(e.message, pattern);
    return true;
  });

test('published Llama, Qwen2 and Mistral configs read as the decoder config', () => {
  assert.deepEqual(parseHfConfig(TINYLLAMA, F), {
    architecture: 'llama', dim: 2048, hiddenDim: 5632, nLayers: 22, nHeads: 32, nKvHeads: 4, vocabSize: 32000,
    maxSeqLen: 2048, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: false, qkvBias: false, oBias: false,
    headDim: 64, bosId: 1, eosId: 2,
  });
  assert.deepEqual(parseHfConfig(QWEN2_05B, F), {
    architecture: 'qwen2', dim: 896, hiddenDim: 4864, nLayers: 24, nHeads: 14, nKvHeads: 2, vocabSize: 151936,
    maxSeqLen: 131072, normEps: 1e-6, ropeTheta: 1e6, tieEmbeddings: true, qkvBias: true, oBias: false,
    headDim: 64, bosId: 151643, eosId: 151643,
  });
  const m = parseHfConfig(MISTRAL_7B, F);
  assert.equal(m.architecture, 'mistral');
  assert.equal(m.headDim, 128);
  assert.equal(m.nKvHeads, 8);
  // the sliding window (4096) caps the usable length (max_position_embeddings 32768)
  assert.equal(m.maxSeqLen, 4096);
  assert.equal(m.qkvBias, false);
  assert.equal(parseHfConfig({ ...MISTRAL_7B, sliding_window: null }, F).maxSeqLen, 32768);
  // MistralConfig's own default window applies when the field is absent.
  assert.equal(parseHfConfig(without(MISTRAL_7B, 'sliding_window'), F).maxSeqLen, 4096);
});

test('defaults: kv heads = heads, rope_theta 10000, untied embeddings, no biases, model_type fallback', () => {
  const bare = without(TINYLLAMA, 'num_key_value_heads', 'rope_theta', 'tie_word_embeddings', 'attention_bias', 'architectures', 'bos_token_id', 'eos_token_id');
  const c = parseHfConfig(bare, F);
  assert.equal(c.architecture, 'llama');
  assert.equal(c.nKvHeads, 32);
  assert.equal(c.ropeTheta, 10000);
  assert.equal(c.tieEmbeddings, false);
  assert.equal(c.qkvBias, false);
  // Llama's default token ids when the config names none
  assert.equal(c.bosId, 1);
  assert.equal(c.eosId, 2);
  assert.equal(parseHfConfig(without(QWEN2_05B, 'architectures', 'tie_word_embeddings'), F).tieEmbeddings, false);
  assert.equal(parseHfConfig({ ...QWEN2_05B, architectures: [] }, F).architecture, 'qwen2');
});

test('eos list, explicit head_dim, llama attention_bias', () => {
  const c = parseHfConfig({ ...TINYLLAMA, eos_token_id: [128001, 128008, 128009] }, F);
  assert.equal(c.eosId, 128001);
  // head_dim may differ from hidden_size / heads (e.g. Mistral-Nemo: 5120 / 32 heads, head_dim 128).
  const nemo = parseHfConfig({ ...MISTRAL_7B, hidden_size: 5120, head_dim: 128 }, F);
  assert.equal(nemo.headDim, 128);
  const biased = parseHfConfig({ ...TINYLLAMA, attention_bias: true }, F);
  assert.equal(biased.qkvBias, true);
  assert.equal(biased.oBias, true);
});

test('errors name the file and the field', () => {
  rejects({ ...TINYLLAMA, architectures: ['GPT2LMHeadModel'] }, /unsupported architecture "GPT2LMHeadModel"; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM/);
  rejects(without(TINYLLAMA, 'architectures', 'model_type'), /no "architectures" or "model_type".*LlamaForCausalLM/);
  rejects({ ...without(TINYLLAMA, 'architectures'), model_type: 'gemma' }, /unsupported model_type "gemma"/);
  rejects({ ...TINYLLAMA, architectures: 'LlamaForCausalLM' }, /"architectures" must be a list/);
  for (const field of ['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size', 'max_position_embeddings', 'rms_norm_eps']) {
    rejects(without(TINYLLAMA, field), new RegExp(`missing required field "${field}"`));
  }
  rejects({ ...TINYLLAMA, hidden_size: 2048.5 }, /"hidden_size" must be a positive integer, got 2048.5/);
  rejects({ ...TINYLLAMA, num_hidden_layers: '22' }, /"num_hidden_layers" must be a positive integer, got "22"/);
  rejects({ ...TINYLLAMA, vocab_size: 0 }, /"vocab_size" must be a positive integer/);
  rejects({ ...TINYLLAMA, rms_norm_eps: -1 }, /"rms_norm_eps" must be a positive number/);
  rejects({ ...TINYLLAMA, hidden_size: 2050 }, /"hidden_size" 2050 is not divisible by "num_attention_heads" 32/);
  rejects({ ...TINYLLAMA, num_key_value_heads: 5 }, /"num_attention_heads" 32 is not divisible by "num_key_value_heads" 5/);
  rejects({ ...TINYLLAMA, rope_scaling: { type: 'llama3', factor: 8 } }, /"rope_scaling" .*llama3.* is not supported/);
  rejects({ ...TINYLLAMA, hidden_act: 'gelu' }, /"hidden_act" "gelu" is not supported/);
  rejects({ ...TINYLLAMA, mlp_bias: true }, /"mlp_bias": true is not supported/);
  rejects({ ...QWEN2_05B, use_sliding_window: true }, /"use_sliding_window": true is not supported/);
  rejects({ ...TINYLLAMA, tie_word_embeddings: 'yes' }, /"tie_word_embeddings" must be true or false/);
  rejects({ ...TINYLLAMA, eos_token_id: [2, -1] }, /"eos_token_id" must be a non-negative integer/);
  rejects({ ...TINYLLAMA, head_dim: 63, hidden_size: 2016 }, /head dimension 63 is odd/);
  rejects([], /config is not a JSON object/);
});

test('readHfConfig reads a file or a folder and names the file on bad JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hfcfg-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(QWEN2_05B));
    assert.equal(readHfConfig(dir).dim, 896);
    assert.equal(readHfConfig(join(dir, 'config.json')).nKvHeads, 2);
    writeFileSync(join(dir, 'bad.json'), '{"hidden_size": 8,');
    assert.throws(() => readHfConfig(join(dir, 'bad.json')), /bad\.json: cannot read config/);
    assert.throws(() => readHfConfig(join(dir, 'missing.json')), /missing\.json: cannot read config/);
    writeFileSync(join(dir, 'gpt2.json'), JSON.stringify({ ...QWEN2_05B, architectures: ['GPT2LMHeadModel'] }));
    assert.throws(() => readHfConfig(join(dir, 'gpt2.json')), /gpt2\.json: unsupported architecture/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
