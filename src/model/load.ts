// One entry point for every model the project can use: a known name (read through the verified data
// layer), a Hugging Face model folder, or a llama2.c .bin file.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dataFile } from '../data/files.ts';
import { loadLlama2c } from './llama2c.ts';
import { Llama2cTokenizer } from '../tokenizer/llama2c-tokenizer.ts';
import type { Decoder } from './weights.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';

export interface LoadedModel {
  model: Decoder;
  tokenizer: Tokenizer;
}

/** Models known by name: files in data/manifest.tsv, so they are verified and downloadable. */
export const KNOWN_MODELS: Record<string, { checkpoint: string; tokenizer: string }> = {
  stories260K: { checkpoint: 'models/stories260K/stories260K.bin', tokenizer: 'models/stories260K/tok512.bin' },
};

export async function loadModel(spec: string, opts: { tokenizer?: string } = {}): Promise<LoadedModel> {
  const known = KNOWN_MODELS[spec];
  if (known) {
    const model = await loadLlama2c(await dataFile(known.checkpoint));
    const tokenizer = await Llama2cTokenizer.load(await dataFile(known.tokenizer), model.config.vocabSize);
    return { model, tokenizer };
  }
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    if (!existsSync(join(spec, 'config.json'))) throw new Error(`${spec}: a model folder needs config.json (Hugging Face layout)`);
    const { HfTokenizer, loadHfDecoder } = await import('./hf.ts'); // only Hugging Face users pay for its imports
    const model = await loadHfDecoder(spec);
    const tokenizer = await HfTokenizer.load(spec, model.config);
    return { model, tokenizer };
  }
  if (existsSync(spec) && spec.endsWith('.bin')) {
    const model = await loadLlama2c(spec);
    const tokPath = opts.tokenizer ?? join(dirname(spec), 'tokenizer.bin');
    if (!existsSync(tokPath)) throw new Error(`${spec}: no tokenizer given and ${tokPath} does not exist (pass --tokenizer)`);
    return { model, tokenizer: await Llama2cTokenizer.load(tokPath, model.config.vocabSize) };
  }
  throw new Error(`unknown model '${spec}': not a known name (${Object.keys(KNOWN_MODELS).join(', ')}), nor a Hugging Face model folder, nor a llama2.c .bin file`);
}
