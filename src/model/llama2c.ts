// Reader for Karpathy's llama2.c checkpoint format (run.c): a header of seven int32
//   dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
// then float32 tensors in this order. vocab_size < 0 means the classifier is stored separately
// (unshared) at the end. The order of `fields` below *is* the file format.
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { validateConfig, type DecoderConfig } from './config.ts';
import { permuteRopeRows, transposeMatrix, type Decoder, type LayerWeights } from './weights.ts';

const HEADER_BYTES = 7 * 4;

export function parseLlama2c(bytes: Uint8Array, file: string): Decoder {
  if (bytes.byteLength < HEADER_BYTES) throw new Error(`${file}: ${bytes.byteLength} bytes is too short for a llama2.c header (${HEADER_BYTES} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, rawVocab, seqLen] = h as [number, number, number, number, number, number, number];
  const shared = rawVocab > 0;
  const vocabSize = Math.abs(rawVocab);
  const config: DecoderConfig = {
    architecture: 'llama', dim, hiddenDim, nLayers, nHeads, nKvHeads, headDim: nHeads > 0 ? dim / nHeads : 0,
    vocabSize, maxSeqLen: seqLen, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: shared, qkvBias: false,
    bosId: 1, eosId: 2,
  };
  if (!Number.isInteger(config.headDim)) throw new Error(`${file}: dim ${dim} is not divisible by n_heads ${nHeads}`);
  validateConfig(config, file);
  const hd = config.headDim;
  const kvDim = nKvHeads * hd;
  const L = nLayers;
  // [name, float count] in file order (run.c's memory_map_weights).
  const fields: [string, number][] = [
    ['token_embedding_table', vocabSize * dim],
    ['rms_att_weight', L * dim],
    ['wq', L * dim * nHeads * hd],
    ['wk', L * dim * kvDim],
    ['wv', L * dim * kvDim],
    ['wo', L * nHeads * hd * dim],
    ['rms_ffn_weight', L * dim],
    ['w1', L * dim * hiddenDim],
    ['w2', L * hiddenDim * dim],
    ['w3', L * dim * hiddenDim],
    ['rms_final_weight', dim],
    ['freq_cis_real', (seqLen * hd) / 2], // unused: RoPE is recomputed
    ['freq_cis_imag', (seqLen * hd) / 2],
  ];
  if (!shared) fields.push(['wcls', vocabSize * dim]);
  const floats = fields.reduce((s, [, n]) => s + n, 0);
  const expected = HEADER_BYTES + floats * 4;
  if (bytes.byteLength !== expected) {
    throw new Error(`${file}: size ${bytes.byteLength} bytes disagrees with its header (dim ${dim}, hidden ${hiddenDim}, layers ${nLayers}, heads ${nHeads}/${nKvHeads}, vocab ${rawVocab}, seq ${seqLen} → ${expected} bytes); truncated or not a llama2.c checkpoint`);
  }
  // Copy into an aligned buffer: the tensors start at byte 28, so views straight into `bytes` could be unaligned.
  const all = new Float32Array(floats);
  new Uint8Array(all.buffer).set(bytes.subarray(HEADER_BYTES));
  const parts = new Map<string, Float32Array>();
  let off = 0;
  for (const [name, n] of fields) { parts.set(name, all.subarray(off, off + n)); off += n; }
  const part = (name: string) => parts.get(name)!;
  const perLayer = (name: string, i: number, n: number) => part(name).subarray(i * n, (i + 1) * n);

  // PyTorch layout [out, in] → ours [in, out]; q and k rows reordered to the half-split RoPE layout.
  const linear = (w: Float32Array, out: number, inp: number) => tf.tensor2d(transposeMatrix(w, out, inp), [inp, out]);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < L; i++) {
    layers.push({
      attnNorm: tf.tensor1d(perLayer('rms_att_weight', i, dim)),
      wq: linear(permuteRopeRows(perLayer('wq', i, dim * dim), nHeads, hd, dim), nHeads * hd, dim),
      wk: linear(permuteRopeRows(perLayer('wk', i, kvDim * dim), nKvHeads, hd, dim), kvDim, dim),
      wv: linear(perLayer('wv', i, kvDim * dim), kvDim, dim),
      wo: linear(perLayer('wo', i, dim * nHeads * hd), dim, nHeads * hd),
      mlpNorm: tf.tensor1d(perLayer('rms_ffn_weight', i, dim)),
      wGate: linear(perLayer('w1', i, hiddenDim * dim), hiddenDim, dim),
      wDown: linear(perLayer('w2', i, dim * hiddenDim), dim, hiddenDim),
      wUp: linear(perLayer('w3', i, hiddenDim * dim), hiddenDim, dim),
    });
  }
  return {
    config,
    source: file,
    weights: {
      embed: tf.tensor2d(part('token_embedding_table').slice(), [vocabSize, dim]),
      layers,
      finalNorm: tf.tensor1d(part('rms_final_weight').slice()),
      lmHead: shared ? undefined : linear(part('wcls'), vocabSize, dim),
    },
  };
}

export async function loadLlama2c(path: string): Promise<Decoder> {
  return parseLlama2c(await readFile(path), path);
}
