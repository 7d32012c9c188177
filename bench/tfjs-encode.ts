// Encoding throughput on tfjs: a fixed sample of the evaluation suite's texts through design m1's
// embedding model (base weights plus the untrained adapters), as src/embedding/embedder.ts encodes
// them (tokenizing included), timed on a second pass; the first pass's rate is reported as 'cold'. Writes the embeddings (raw float32) and the padded batches it used, so the PyTorch peer
// encodes exactly the same batches and the two sets of vectors can be compared.
// Usage: node --import tsx bench/tfjs-encode.ts TEXTS SEED OUTDIR [MODEL MAXLEN]   → one JSON line on stdout
// LORA_LAYERS=k: LoRA on the top k layers and the frozen prefix cached (src/embedding/prefix-cache.ts,
// where PA_PREFIX_CACHE says): the first pass computes every text's prefix ('cold'), the second reads it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.ts';
import { loadModel } from '../src/model/load.ts';
import { designByName } from '../src/designs.ts';
import { PROFILES } from '../src/training/profiles.ts';
import { createEmbeddingModel } from '../src/embedding/embedding-model.ts';
import { attachPrefixCache } from '../src/embedding/prefix-cache.ts';
import { saveTensors } from '../src/io/tensors.ts';
import { embeddingTokens, encodeTexts } from '../src/embedding/embedder.ts';
import { evaluationTexts } from '../src/eval/tasks/decontamination.ts';
import { padBatch } from '../src/model/batch.ts';
import { mulberry32, shuffled } from '../src/util/random.ts';

const [countArg, seedArg, outDir, modelArg, maxLenArg] = process.argv.slice(2);
if (!countArg || !seedArg || !outDir) throw new Error('usage: tfjs-encode.ts TEXTS SEED OUTDIR');
const backend = await initBackend({ quiet: true });
const model = modelArg ?? 'stories260K';
const base = await loadModel(model);
const profile = { ...PROFILES.quick!, model, maxLen: maxLenArg ? Number(maxLenArg) : PROFILES.quick!.maxLen };
const design = designByName('m1');
const seed = Number(seedArg);
const all = await evaluationTexts();
const texts = shuffled(all, mulberry32(12345)).slice(0, Number(countArg));
const loraLayers = process.env.LORA_LAYERS ? Number(process.env.LORA_LAYERS) : undefined;
const em = createEmbeddingModel(base, design, { ...profile, loraLayers }, seed);
if (loraLayers !== undefined) await attachPrefixCache(em, model);
const initialWeights = join(outDir, `init-encode-${model}.safetensors`);
await saveTensors(initialWeights, Object.fromEntries(Object.entries(em.lora!.variables).map(([k, v]) => [`lora.${k}`, v])));

const batchSize = profile.encodeBatchSize;
// a first pass (every batch shape once: the wasm heap grows, kernels warm up), then the timed pass
const c0 = performance.now();
await encodeTexts(em, texts, { batchSize });
const coldSeconds = (performance.now() - c0) / 1000;
const t0 = performance.now();
const vectors = await encodeTexts(em, texts, { batchSize });
const seconds = (performance.now() - t0) / 1000;

// the batches encodeTexts formed: texts sorted by token count (stable), consecutive slices, left padding
const tokens = texts.map((t) => embeddingTokens(em.tokenizer, t, em.maxLen));
const order = tokens.map((_, i) => i).sort((a, b) => tokens[a]!.length - tokens[b]!.length || a - b);
const batches = [];
const sortedVectors = new Float32Array(texts.length * base.model.config.dim);
for (let s = 0; s < order.length; s += batchSize) {
  const idx = order.slice(s, s + batchSize);
  const b = padBatch(idx.map((i) => tokens[i]!), 'left', em.tokenizer.padId);
  batches.push({ batch: b.batch, seqLen: b.seqLen, ids: Array.from(b.ids), mask: Array.from(b.mask) });
  idx.forEach((i, k) => sortedVectors.set(vectors[i]!, (s + k) * base.model.config.dim));
}
const embeddingsFile = join(outDir, `tfjs-embeddings-${model}-${backend}-${process.env.TF_NUM_INTRAOP_THREADS ?? 'all'}.f32`);
writeFileSync(embeddingsFile, new Uint8Array(sortedVectors.buffer));
const batchesFile = join(outDir, `encode-batches-${model}.json`);
writeFileSync(batchesFile, JSON.stringify(batches));
console.log(JSON.stringify({
  model, backend, threads: process.env.TF_NUM_INTRAOP_THREADS ?? null, texts: texts.length, seconds, textsPerSecond: texts.length / seconds, coldTextsPerSecond: texts.length / coldSeconds, tokens: tokens.reduce((s, t) => s + t.length, 0),
  maxLen: em.maxLen, batchSize, initialWeights, embeddingsFile, batchesFile, loraLayers: loraLayers ?? null, prefixCache: em.prefix ? { ...em.prefix.cache.stats, frozen: em.prefix.cache.frozen } : null,
  design: { name: design.name, pooling: em.pooling.name, poolingOptions: em.pooling.options, attention: design.attention },
  peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
