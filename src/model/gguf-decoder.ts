// A Llama-architecture GGUF file (llama.cpp's convert_hf_to_gguf.py) as our Decoder. The
// hyperparameters come from the `llama.*` metadata; tensors are named blk.N.attn_q.weight etc. and
// stored with ne = [in, out], i.e. row-major [out, in] like PyTorch. llama.cpp's converter permutes
// the rows of q and k from Hugging Face's half-split RoPE pairs (i, i + headDim/2) to Meta's
// interleaved pairs (2i, 2i+1) (LlamaModel.permute); permuteRopeRows undoes exactly that, per head
// (kv heads for k), since our decoder uses the half-split layout.
import * as tf from '@tensorflow/tfjs';
import { GgufFile, metaFloat, metaInt, metaString, type GgufHeader } from './gguf.ts';
import { validateConfig, type DecoderConfig } from './config.ts';
import { permuteRopeRows, transposeMatrix, type Decoder, type LayerWeights } from './weights.ts';

/** The decoder hyperparameters a GGUF's metadata states; anything our decoder does not implement is an error. */
export function ggufDecoderConfig(h: GgufHeader): DecoderConfig {
  const arch = metaString(h, 'general.architecture');
  if (arch !== 'llama') throw new Error(`${h.file}: architecture ${JSON.stringify(arch)} is not supported (only "llama")`);
  const k = (name: string) => `${arch}.${name}`;
  const dim = metaInt(h, k('embedding_length'));
  const nHeads = metaInt(h, k('attention.head_count'));
  const nKvHeads = metaInt(h, k('attention.head_count_kv'), nHeads);
  if (nHeads <= 0 || dim % nHeads !== 0) throw new Error(`${h.file}: ${k('embedding_length')} ${dim} is not divisible by ${k('attention.head_count')} ${nHeads}`);
  const headDim = metaInt(h, k('attention.key_length'), dim / nHeads);
  if (metaInt(h, k('attention.value_length'), headDim) !== headDim) throw new Error(`${h.file}: ${k('attention.value_length')} differs from the key length ${headDim}; not supported`);
  const ropeDims = metaInt(h, k('rope.dimension_count'), headDim);
  if (ropeDims !== headDim) throw new Error(`${h.file}: ${k('rope.dimension_count')} ${ropeDims} rotates part of a ${headDim}-wide head; only full RoPE is supported`);
  const scaling = metaString(h, k('rope.scaling.type'), 'none');
  if (scaling !== 'none') throw new Error(`${h.file}: ${k('rope.scaling.type')} ${JSON.stringify(scaling)} is not supported (only plain RoPE)`);
  if (metaInt(h, k('expert_count'), 0) > 0) throw new Error(`${h.file}: mixture-of-experts (${k('expert_count')}) is not supported`);
  const embed = h.tensors.get('token_embd.weight');
  if (!embed) throw new Error(`${h.file}: tensor "token_embd.weight" is missing`);
  const vocabSize = metaInt(h, k('vocab_size'), embed.shape[0]);
  const config: DecoderConfig = {
    architecture: 'llama', dim, hiddenDim: metaInt(h, k('feed_forward_length')), nLayers: metaInt(h, k('block_count')),
    nHeads, nKvHeads, headDim, vocabSize, maxSeqLen: metaInt(h, k('context_length')),
    normEps: metaFloat(h, k('attention.layer_norm_rms_epsilon')), ropeTheta: metaFloat(h, k('rope.freq_base'), 10000),
    tieEmbeddings: !h.tensors.has('output.weight'), qkvBias: false,
    bosId: metaInt(h, 'tokenizer.ggml.bos_token_id', 1), eosId: metaInt(h, 'tokenizer.ggml.eos_token_id', 2),
  };
  validateConfig(config, h.file);
  if (!(config.normEps > 0 && config.normEps < 1)) throw new Error(`${h.file}: ${k('attention.layer_norm_rms_epsilon')} ${config.normEps} is not in (0, 1)`);
  if (!(config.ropeTheta > 0 && Number.isFinite(config.ropeTheta))) throw new Error(`${h.file}: ${k('rope.freq_base')} ${config.ropeTheta} is not a positive number`);
  return config;
}

/** Load every tensor of a Llama GGUF file, converted to float32, as a Decoder. */
export function loadGgufDecoder(path: string): Decoder {
  const g = GgufFile.open(path);
  try {
    return ggufDecoder(g);
  } finally {
    g.close();
  }
}

export function ggufDecoder(g: GgufFile): Decoder {
  const h = g.header;
  const config = ggufDecoderConfig(h);
  const { dim, hiddenDim, nHeads, nKvHeads, headDim, vocabSize } = config;
  const used = new Set<string>();
  const created: tf.Tensor[] = [];
  const get = (name: string, shape: number[]): Float32Array => {
    const t = h.tensors.get(name);
    if (!t) throw new Error(`${h.file}: tensor ${JSON.stringify(name)} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${h.file}: tensor ${JSON.stringify(name)} has shape [${t.shape}] (row-major), the metadata implies [${shape}]`);
    }
    used.add(name);
    return g.tensor(name);
  };
  const keep = <T extends tf.Tensor>(t: T): T => { created.push(t); return t; };
  // [out, in] → our [in, out]
  const linear = (w: Float32Array, out: number, inp: number) => keep(tf.tensor2d(transposeMatrix(w, out, inp), [inp, out]));
  const vector = (name: string, n: number) => keep(tf.tensor1d(get(name, [n])));
  try {
    const layers: LayerWeights[] = [];
    for (let i = 0; i < config.nLayers; i++) {
      const p = `blk.${i}.`;
      const q = permuteRopeRows(get(`${p}attn_q.weight`, [nHeads * headDim, dim]), nHeads, headDim, dim);
      const kk = permuteRopeRows(get(`${p}attn_k.weight`, [nKvHeads * headDim, dim]), nKvHeads, headDim, dim);
      layers.push({
        attnNorm: vector(`${p}attn_norm.weight`, dim),
        wq: linear(q, nHeads * headDim, dim),
        wk: linear(kk, nKvHeads * headDim, dim),
        wv: linear(get(`${p}attn_v.weight`, [nKvHeads * headDim, dim]), nKvHeads * headDim, dim),
        wo: linear(get(`${p}attn_output.weight`, [dim, nHeads * headDim]), dim, nHeads * headDim),
        mlpNorm: vector(`${p}ffn_norm.weight`, dim),
        wGate: linear(get(`${p}ffn_gate.weight`, [hiddenDim, dim]), hiddenDim, dim),
        wUp: linear(get(`${p}ffn_up.weight`, [hiddenDim, dim]), hiddenDim, dim),
        wDown: linear(get(`${p}ffn_down.weight`, [dim, hiddenDim]), dim, hiddenDim),
      });
    }
    const embed = keep(tf.tensor2d(get('token_embd.weight', [vocabSize, dim]), [vocabSize, dim]));
    const finalNorm = vector('output_norm.weight', dim);
    const lmHead = config.tieEmbeddings ? undefined : linear(get('output.weight', [vocabSize, dim]), vocabSize, dim);
    // llama.cpp writes rope_freqs only for scaled RoPE, which the config check already refused
    const unused = [...h.tensors.keys()].filter((n) => !used.has(n));
    if (unused.length > 0) {
      throw new Error(`${h.file}: ${unused.length} tensors are not used by a llama decoder, e.g. ${JSON.stringify(unused[0])} (biases or another architecture?)`);
    }
    return { config, source: h.file, weights: { embed, layers, finalNorm, lmHead } };
  } catch (err) {
    tf.dispose(created);
    throw err;
  }
}
