// The embedding model of a design, in one place: created for training (LoRA adapters or the decoder,
// and the pooling head, initialised from the run's seed), saved as the run folder's final/ (weights and
// config.json), and loaded back from there, or from the base model alone for the zero-shot designs.
// The run folder is the record of its base model: every trained design's final/config.json names it
// (with the sha256 of its files), and the zero-shot designs of a run use that same model unless one is
// given explicitly.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { designByName, type Design } from '../designs.ts';
import { loadModel, modelIdentity, requireModelSpec, type LoadedModel } from '../model/load.ts';
import type { Decoder } from '../model/weights.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { createDesignPooling, createPooling } from '../pooling/index.ts';
import type { Pooling } from '../pooling/pooling.ts';
import { assertHeadCheckpointCurrent } from '../pooling/head-checkpoint.ts';
import { Lora, type LoraOptions } from '../model/lora.ts';
import { trainableDecoder } from '../model/full-finetune.ts';
import { assignTensors, loadVerifiedTensors, saveTensors } from '../io/tensors.ts';
import { ensureDir, writeJsonAtomic } from '../io/atomic.ts';
import { readJsonFile } from '../io/json-file.ts';
import { backendName } from '../backend/index.ts';
import { DEFAULT_BASE_MODEL, runBaseModel } from './run-model.ts';
import { readRunSpec } from '../run-spec.ts';
import { finalConfigFile, finalDir } from '../run-folder.ts';
import { attachPrefixCache, type FrozenPrefix } from './prefix-cache.ts';

export interface EmbeddingModel {
  model: Decoder;
  tokenizer: Tokenizer;
  design: Design;
  pooling: Pooling;
  lora?: Lora;
  maxLen: number;
  /** full fine-tuning: the decoder's weights as variables (then `model` holds them) */
  decoderVariables?: Record<string, tf.Variable>;
  /** LoRA on the top layers only: the frozen layers' outputs, cached (./prefix-cache.ts) */
  prefix?: FrozenPrefix;
}

/** What the embedding model reads of a run's profile: its base model, adapters, head and what
 *  final/config.json records. A training profile (src/training/profiles.ts, where each field is
 *  documented) is one; declared here so that this layer needs nothing from training. */
export interface EmbeddingProfile {
  name: string;
  model: string;
  maxLen: number;
  finetune: 'lora' | 'full';
  lora: LoraOptions;
  loraLayers?: number;
  head: Record<string, unknown>;
  checkpointLayers: boolean;
}

/** final/config.json: everything needed to rebuild the trained embedding model. */
export interface RunConfig {
  design: Design;
  profile: string;
  seed: number;
  model: string;
  /** sha256 of the base model's files (src/model/load.ts modelIdentity): later stages check them */
  modelFiles?: Record<string, string>;
  maxLen: number;
  finetune: 'lora' | 'full';
  lora: LoraOptions | null;
  /** present when LoRA adapts only the top `loraLayers` layers (profile loraLayers < the model's layers) */
  loraLayers?: number;
  pooling: { name: string; options: Record<string, unknown> };
  steps: number;
  backend: string | undefined;
  /** present (true) when trained with activation checkpointing: the same model up to float rounding */
  checkpointLayers?: true;
  files: Record<string, string>;
  /** what the weights were made from (src/freshness.ts trainingInputs); absent in runs before run.json */
  trained_from?: Record<string, unknown>;
}

/** The seeds the head's and the adapters' initial weights draw from: training creates and loading rebuilds with the same. */
export function initSeeds(seed: number): { head: number; lora: number } {
  return { head: seed * 1000 + 1, lora: seed * 1000 + 2 };
}

/** The trainable parts of a design on a base model: LoRA adapters (or the decoder) and the head. */
export function createEmbeddingModel(base: LoadedModel, design: Design, profile: EmbeddingProfile, seed: number): EmbeddingModel {
  const pooling = createDesignPooling(design, base.model.config, profile.head, initSeeds(seed).head);
  if (profile.loraLayers !== undefined && profile.finetune !== 'lora') throw new Error(`profile ${profile.name}: loraLayers (${profile.loraLayers}) applies to LoRA fine-tuning, not '${profile.finetune}'`);
  const lora = design.trained && profile.finetune === 'lora' ? new Lora(base.model, profile.lora, initSeeds(seed).lora, profile.loraLayers) : undefined;
  const full = design.trained && profile.finetune === 'full' ? trainableDecoder(base.model) : undefined;
  return { model: full?.model ?? base.model, tokenizer: base.tokenizer, design, pooling, lora, maxLen: profile.maxLen, decoderVariables: full?.variables };
}

/** Every trainable variable, under the names checkpoints use (head.*, lora.*, decoder.*). */
export function trainableVariables(em: EmbeddingModel): Record<string, tf.Variable> {
  const vars: Record<string, tf.Variable> = {};
  for (const [k, v] of Object.entries(em.pooling.variables)) vars[`head.${k}`] = v;
  for (const [k, v] of Object.entries(em.lora?.variables ?? {})) vars[`lora.${k}`] = v;
  for (const [k, v] of Object.entries(em.decoderVariables ?? {})) vars[`decoder.${k}`] = v;
  return vars;
}

/** The trained weights (adapters and head) and everything needed to rebuild the embedding model. */
export async function saveEmbeddingModel(runDir: string, em: EmbeddingModel, profile: EmbeddingProfile, seed: number, steps: number, trainedFrom?: Record<string, unknown>): Promise<void> {
  const dir = ensureDir(finalDir(runDir, em.design.name));
  const files: Record<string, string> = {};
  if (em.lora) files['adapter.safetensors'] = await saveTensors(join(dir, 'adapter.safetensors'), em.lora.variables);
  if (em.decoderVariables) files['decoder.safetensors'] = await saveTensors(join(dir, 'decoder.safetensors'), em.decoderVariables);
  if (Object.keys(em.pooling.variables).length > 0) files['head.safetensors'] = await saveTensors(join(dir, 'head.safetensors'), em.pooling.variables);
  const config: RunConfig = {
    design: em.design, profile: profile.name, seed, model: profile.model, modelFiles: await modelIdentity(profile.model), maxLen: profile.maxLen, finetune: profile.finetune,
    lora: em.lora ? profile.lora : null, pooling: { name: em.pooling.name, options: em.pooling.options }, steps,
    backend: backendName(), ...(profile.checkpointLayers ? { checkpointLayers: true as const } : {}), files,
    ...(em.lora && em.lora.firstLayer > 0 ? { loraLayers: em.model.config.nLayers - em.lora.firstLayer } : {}),
    ...(trainedFrom ? { trained_from: trainedFrom } : {}),
  };
  writeJsonAtomic(finalConfigFile(runDir, em.design.name), config);
}

/** Throws unless the base model's files are those the run recorded (a changed file would silently mix models). */
export async function checkRunBaseModel(model: string, recorded: Record<string, string> | undefined, where: string): Promise<void> {
  if (!recorded) return; // written before the record existed
  const now = await modelIdentity(model);
  if (JSON.stringify(now) !== JSON.stringify(recorded)) {
    throw new Error(`${where}: the run was trained on base model '${model}' with files ${JSON.stringify(recorded)}, but '${model}' now resolves to ${JSON.stringify(now)}; use the same model files, or retrain`);
  }
}

/**
 * The embedding model of a design: a trained one from its run folder (final/config.json, which records
 * the design, seed and base model, and the verified safetensors), a zero-shot one from the base model.
 */
export async function loadEmbeddingModel(runDir: string | undefined, designName: string, opts: { base?: LoadedModel; model?: string; maxLen?: number } = {}): Promise<EmbeddingModel> {
  // built in, or recorded in the run folder (a design registered from a notebook cell)
  let design = designByName(designName, runDir);
  if (!design.trained) {
    // the run's base model and length (its run.json; a run from before run.json: its trained designs' model)
    const spec = runDir ? readRunSpec(runDir) : undefined;
    const model = opts.model ?? spec?.profile.model ?? (runDir ? runBaseModel(runDir)?.model : undefined) ?? DEFAULT_BASE_MODEL;
    const base = opts.base ?? (await loadModel(requireModelSpec(model)));
    const em: EmbeddingModel = { ...base, design, pooling: createPooling(design.pooling, base.model.config), maxLen: opts.maxLen ?? spec?.profile.maxLen ?? 128 };
    // every layer is frozen: in a run whose LoRA adapts the top loraLayers, the layers below them are
    // read from the prefix cache the trained designs fill (the same model, at another float rounding)
    const k = spec?.profile.loraLayers;
    if (k !== undefined && k < base.model.config.nLayers && model === spec!.profile.model) await attachPrefixCache(em, model, undefined, base.model.config.nLayers - k);
    return em;
  }
  if (!runDir) throw new Error(`design '${designName}' is trained: give the run folder (--run DIR)`);
  const dir = finalDir(runDir, designName);
  const configFile = finalConfigFile(runDir, designName);
  if (!existsSync(configFile)) throw new Error(`${configFile} does not exist: design '${designName}' has no final checkpoint in ${runDir} (train it first)`);
  const config = readJsonFile<RunConfig>(configFile, `the final config of design ${designName}`, `retrain it: train --design ${designName} --force`);
  await checkRunBaseModel(config.model, config.modelFiles, configFile);
  const base = opts.base ?? (await loadModel(config.model));
  // the design as trained is the one written into config.json (with a user pooling's source)
  if (config.design?.name === designName) design = config.design;
  const pooling = createDesignPooling({ ...design, pooling: config.pooling.name }, base.model.config, config.pooling.options, initSeeds(config.seed).head);
  const fileSha = (name: string) => {
    const sha = config.files[name];
    if (!sha) throw new Error(`${configFile}: no sha256 recorded for ${name}`);
    return sha;
  };
  if (Object.keys(pooling.variables).length > 0) {
    const headFile = join(dir, 'head.safetensors');
    const head = loadVerifiedTensors(headFile, fileSha('head.safetensors'));
    assertHeadCheckpointCurrent(pooling.variables, head, headFile);
    assignTensors(pooling.variables, head, headFile);
  }
  let lora: Lora | undefined;
  if (config.lora) {
    lora = new Lora(base.model, config.lora, initSeeds(config.seed).lora, config.loraLayers);
    assignTensors(lora.variables, loadVerifiedTensors(join(dir, 'adapter.safetensors'), fileSha('adapter.safetensors')), join(dir, 'adapter.safetensors'));
  }
  if (config.finetune === 'full') {
    const full = trainableDecoder(base.model);
    const file = join(dir, 'decoder.safetensors');
    assignTensors(full.variables, loadVerifiedTensors(file, fileSha('decoder.safetensors')), file);
    return { ...base, model: full.model, design, pooling, maxLen: config.maxLen, decoderVariables: full.variables };
  }
  const em: EmbeddingModel = { ...base, design, pooling, lora, maxLen: config.maxLen };
  await attachPrefixCache(em, config.model); // LoRA on the top layers only: encode from the cached frozen prefix
  return em;
}
