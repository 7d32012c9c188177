// The study's designs (m1…m6 from a run folder, base-* zero-shot) as a SentenceEncoder. The
// identity names every byte that decides the vectors: the base model files (manifest sha256s), the
// checkpoint (sha256 of final/config.json, which records the sha256 of each weight file), the max
// length and how it treats the instruction, and the backend (float rounding differs between backends).
import { existsSync, readFileSync } from 'node:fs';
import { backendName, initBackend } from '../backend/index.ts';
import { designByName } from '../designs.ts';
import { encodeTexts } from '../embedding/embedder.ts';
import { loadEmbeddingModel, type EmbeddingModel } from '../embedding/embedding-model.ts';
import { DEFAULT_BASE_MODEL, runBaseModel } from '../embedding/run-model.ts';
import { readRunSpec } from '../run-spec.ts';
import { modelIdentity } from '../model/load.ts';
import { sha256 } from '../io/sha256.ts';
import type { OpenEncoderOptions, SentenceEncoder } from './sentence-encoder.ts';
import { parseJsonText } from '../io/json-file.ts';
import { finalConfigFile } from '../run-folder.ts';

/** How the max length treats the instruction (part of the cache identity). */
export const INSTRUCTION_BUDGET = 'max_len counts the text only: instruction tokens come on top';

export async function openDesignEncoder(name: string, opts: OpenEncoderOptions = {}): Promise<SentenceEncoder> {
  if ((globalThis as { __paUseLiteLoaded?: boolean }).__paUseLiteLoaded) {
    throw new Error(`design '${name}' cannot run in a process that loaded use-lite (it bundles another TensorFlow.js); run each design in its own process (eval CLI does)`);
  }
  const design = designByName(name, opts.runDir);
  await initBackend();
  const backend = backendName() ?? 'unknown';
  let identity: Record<string, unknown>;
  if (design.trained) {
    if (!opts.runDir) throw new Error(`design '${name}' is trained: give the run folder (--run DIR)`);
    const configFile = finalConfigFile(opts.runDir, name);
    if (!existsSync(configFile)) throw new Error(`${configFile} does not exist: design '${name}' has no final checkpoint in ${opts.runDir} (train it first)`);
    const configBytes = readFileSync(configFile);
    const config = parseJsonText<{ model: string; maxLen: number; files: Record<string, string> }>(configBytes.toString('utf8'), configFile, `the final config of design ${name}`, `retrain it: train --design ${name} --force`);
    identity = { kind: 'decoder', design: name, model: config.model, model_files: await modelIdentity(config.model), checkpoint: sha256(configBytes), files: config.files, max_len: config.maxLen, backend };
  } else {
    // the run's base model (recorded by its trained designs), unless one is given
    const spec = opts.runDir ? readRunSpec(opts.runDir) : undefined;
    const model = opts.model ?? spec?.profile.model ?? (opts.runDir ? runBaseModel(opts.runDir)?.model : undefined) ?? DEFAULT_BASE_MODEL;
    identity = { kind: 'decoder', design: name, model, model_files: await modelIdentity(model), checkpoint: null, max_len: opts.maxLen ?? spec?.profile.maxLen ?? 128, backend };
  }
  const em: EmbeddingModel = await loadEmbeddingModel(opts.runDir, name, { model: opts.model, maxLen: opts.maxLen });
  if (em.maxLen !== identity.max_len) throw new Error(`internal: encoder max length ${em.maxLen} differs from its cache identity ${String(identity.max_len)}`);
  return {
    // encoded from the cached frozen prefix (final/config.json's loraLayers): the same model at another
    // float rounding, as another backend would be (src/embedding/prefix-cache.ts; PA_PREFIX_CACHE=off: none)
    name, identity: { ...identity, ...(em.prefix ? { frozen_prefix: { frozen_layers: em.prefix.cache.frozen, compute: em.prefix.cache.identity.compute ?? 'alone' } } : {}), instruction_budget: INSTRUCTION_BUDGET }, backend, usesInstructions: true,
    async encode(texts, instruction, onProgress) {
      // embeddingTokens keeps the instruction from eating the text's budget (src/embedding/embedder.ts)
      const stats = { tokens: 0 };
      const vectors = await encodeTexts(em, texts, { instruction, batchSize: opts.batchSize, onProgress, stats });
      return { vectors, tokens: stats.tokens };
    },
  };
}
