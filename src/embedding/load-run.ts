// Rebuild an embedding model from a run folder (final/config.json + verified safetensors), or from
// the base model alone for the zero-shot reference designs. The run folder is the record of its base
// model: every trained design's final/config.json names it (with the sha256 of its files), and the
// zero-shot designs of a run use that same model unless one is given explicitly.
import { existsSync } from 'node:fs';
import { DEFAULT_BASE_MODEL, runBaseModel } from './run-model.ts';

export { DEFAULT_BASE_MODEL, runBaseModel };
import { join } from 'node:path';
import { designByName } from '../designs.ts';
import { loadModel, modelIdentity, requireModelSpec, type LoadedModel } from '../model/load.ts';
import { createDesignPooling, createPooling } from '../pooling/index.ts';
import { assertHeadCheckpointCurrent } from '../pooling/head-checkpoint.ts';
import { Lora } from '../training/lora.ts';
import { trainableDecoder } from '../training/full-finetune.ts';
import { assignTensors, loadVerifiedTensors } from '../training/checkpoint.ts';
import type { RunConfig } from '../training/trainer.ts';
import type { EmbeddingModel } from './embedder.ts';
import { readJsonFile } from '../io/json-file.ts';
import { finalConfigFile, finalDir } from '../run-folder.ts';

/** Throws unless the base model's files are those the run recorded (a changed file would silently mix models). */
export async function checkRunBaseModel(model: string, recorded: Record<string, string> | undefined, where: string): Promise<void> {
  if (!recorded) return; // written before the record existed
  const now = await modelIdentity(model);
  if (JSON.stringify(now) !== JSON.stringify(recorded)) {
    throw new Error(`${where}: the run was trained on base model '${model}' with files ${JSON.stringify(recorded)}, but '${model}' now resolves to ${JSON.stringify(now)}; use the same model files, or retrain`);
  }
}

export async function loadEmbeddingModel(runDir: string | undefined, designName: string, opts: { base?: LoadedModel; model?: string; maxLen?: number } = {}): Promise<EmbeddingModel> {
  // built in, or recorded in the run folder (a design registered from a notebook cell)
  let design = designByName(designName, runDir);
  if (!design.trained) {
    const model = opts.model ?? (runDir ? runBaseModel(runDir)?.model : undefined) ?? DEFAULT_BASE_MODEL;
    const base = opts.base ?? (await loadModel(requireModelSpec(model)));
    return { ...base, design, pooling: createPooling(design.pooling, base.model.config), maxLen: opts.maxLen ?? 128 };
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
  const pooling = createDesignPooling({ ...design, pooling: config.pooling.name }, base.model.config, config.pooling.options, config.seed * 1000 + 1);
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
    lora = new Lora(base.model, config.lora, config.seed * 1000 + 2);
    assignTensors(lora.variables, loadVerifiedTensors(join(dir, 'adapter.safetensors'), fileSha('adapter.safetensors')), join(dir, 'adapter.safetensors'));
  }
  if (config.finetune === 'full') {
    const full = trainableDecoder(base.model);
    const file = join(dir, 'decoder.safetensors');
    assignTensors(full.variables, loadVerifiedTensors(file, fileSha('decoder.safetensors')), file);
    return { ...base, model: full.model, design, pooling, maxLen: config.maxLen, decoderVariables: full.variables };
  }
  return { ...base, design, pooling, lora, maxLen: config.maxLen };
}
