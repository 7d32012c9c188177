// The designs of the study as data, in one table of three kinds: trained (m1–m5, the paper's Models
// 1–5; m6, NV-Embed's latent attention), zero-shot (base-*: the untrained base model, reference rows)
// and outside encoders (use-lite, minilm: reference rows that are not our decoder). One resolver turns
// a `--designs` list into names. A notebook cell can add its own design (registerDesign in
// src/pooling/user-pooling.ts); its record carries its pooling's source, so the trainer writes it into
// the run's config.json and every later stage rebuilds it from the run folder alone. This file loads
// no TensorFlow.js (the eval command's parent process must stay free of it).
import { existsSync, readFileSync } from 'node:fs';
import type { AttentionMode } from './model/decoder.ts';
import { designDefinitionFile, finalConfigFile } from './run-folder.ts';

export interface Design {
  name: string;
  pooling: string;
  attention: AttentionMode;
  layers: 'last' | 'all';
  /** fine-tuned (false: the base model used zero-shot) */
  trained: boolean;
  description: string;
  /** a user design's pooling, as source, so that any process can rebuild it (absent for built-in poolings) */
  userPooling?: UserPoolingSource;
}

export interface UserPoolingSource {
  description: string;
  /** source text of the factory's `create(model, options, seed)`; may use `tf` and src/pooling's helpers */
  create: string;
}

const d = (name: string, pooling: string, attention: AttentionMode, layers: 'last' | 'all', trained: boolean, description: string): Design =>
  ({ name, pooling, attention, layers, trained, description });

export const DESIGNS: Record<string, Design> = {
  m1: d('m1', 'eos-last', 'causal', 'last', true, 'Model 1: EOS last token, causal'),
  m2: d('m2', 'last-layer-trainable', 'causal', 'last', true, 'Model 2: last-layer trainable pooling (EOS only), causal'),
  m3: d('m3', 'multi-layer-trainable', 'causal', 'all', true, 'Model 3: multi-layer trainable pooling (EOS per layer), causal'),
  m4: d('m4', 'last-layer-trainable', 'bidirectional', 'last', true, 'Model 4: last-layer trainable pooling (all tokens), bidirectional'),
  m5: d('m5', 'multi-layer-trainable', 'bidirectional', 'all', true, 'Model 5: multi-layer trainable pooling (mean per layer), bidirectional'),
  m6: d('m6', 'latent-attention', 'bidirectional', 'last', true, 'NV-Embed latent attention, bidirectional'),
  'base-mean': d('base-mean', 'mean', 'causal', 'last', false, 'base model, masked mean of the last layer'),
  'base-eos': d('base-eos', 'eos-last', 'causal', 'last', false, 'base model, EOS last token'),
};

export const TRAINED_DESIGNS = Object.values(DESIGNS).filter((x) => x.trained).map((x) => x.name);
/** The base model used zero-shot (reference rows). */
export const ZERO_SHOT_DESIGNS = Object.values(DESIGNS).filter((x) => !x.trained).map((x) => x.name);
/** Outside reference encoders (src/eval/use-lite.ts, src/eval/minilm.ts): evaluated, never trained, never tested. */
export const OUTSIDE_ENCODERS = ['use-lite', 'minilm'] as const;
/** Reference rows: shown with absolute scores, never tested; evaluated once (first seed). */
export const REFERENCE_ROWS: readonly string[] = [...ZERO_SHOT_DESIGNS, ...OUTSIDE_ENCODERS];
/** Every name `--designs` accepts, `all` aside. */
export const EVAL_DESIGNS: readonly string[] = [...Object.keys(DESIGNS), ...OUTSIDE_ENCODERS];

/** Designs added in this process (registerDesign from a notebook cell). */
const USER_DESIGNS = new Map<string, Design>();

/** Add (or replace) a user design in this process. The built-in names are reserved. */
export function addUserDesign(design: Design): void {
  if (DESIGNS[design.name]) throw new Error(`design '${design.name}' is built in (${Object.keys(DESIGNS).join(', ')}): give your design another name, e.g. m7`);
  if (!/^[A-Za-z0-9][\w.-]*$/.test(design.name) || (OUTSIDE_ENCODERS as readonly string[]).includes(design.name) || design.name === 'all') {
    throw new Error(`design name '${design.name}' is not usable: letters, digits, '_', '-' and '.' (it names a folder and a results file), not 'all', 'use-lite' or 'minilm'`);
  }
  USER_DESIGNS.set(design.name, design);
}

export function userDesigns(): Design[] {
  return [...USER_DESIGNS.values()];
}


function readJson(file: string): unknown {
  try { return JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new Error(`${file}: cannot read it as JSON (${(e as Error).message})`); }
}

/** A design record read from a file, checked enough that a broken file is named. */
function designFromFile(file: string, name: string, record: unknown): Design {
  const d = record as Partial<Design> | undefined;
  if (!d || typeof d !== 'object' || d.name !== name || typeof d.pooling !== 'string' || (d.attention !== 'causal' && d.attention !== 'bidirectional')) {
    throw new Error(`${file}: no valid record of design '${name}' (name, pooling, attention)`);
  }
  return { layers: 'last', trained: true, description: '', ...d } as Design;
}

/**
 * A design by name: built in, added in this process, or recorded in the run folder — the design
 * written into `<runDir>/<name>/final/config.json` by training, else the definition in
 * `<runDir>/designs/<name>.json` (written before training).
 */
export function designByName(name: string, runDir?: string): Design {
  const found = DESIGNS[name] ?? USER_DESIGNS.get(name);
  if (found) return found;
  if (runDir) {
    const config = finalConfigFile(runDir, name);
    if (existsSync(config)) return designFromFile(config, name, (readJson(config) as { design?: unknown }).design);
    const def = designDefinitionFile(runDir, name);
    if (existsSync(def)) return designFromFile(def, name, readJson(def));
  }
  const user = USER_DESIGNS.size ? `, ${[...USER_DESIGNS.keys()].join(', ')}` : '';
  throw new Error(`unknown design '${name}'; valid: ${Object.keys(DESIGNS).join(', ')}${user}` +
    (runDir ? ` (and none is recorded in ${runDir}: neither ${finalConfigFile(runDir, name)} nor ${designDefinitionFile(runDir, name)})` : ''));
}

/** A name of EVAL_DESIGNS, or a user design recorded in `runDir` (see designByName). */
export function knownDesign(name: string, runDir?: string): boolean {
  if (EVAL_DESIGNS.includes(name)) return true;
  try { designByName(name, runDir); return true; } catch { return false; }
}

/** `all` → the trained designs m1…m6; otherwise a comma-separated list of EVAL_DESIGNS (or user designs recorded in `runDir`), each checked. */
export function resolveDesigns(spec: string, runDir?: string): string[] {
  // `all` stands for every trained design, alone or in a list (`all,base-mean`)
  const names = spec.split(',').map((s) => s.trim()).filter((s) => s !== '').flatMap((s) => (s === 'all' ? [...TRAINED_DESIGNS] : [s]));
  if (names.length === 0) throw new Error(`--designs is empty; valid: all, ${EVAL_DESIGNS.join(', ')}`);
  for (const n of names) {
    if (!knownDesign(n, runDir)) throw new Error(`unknown design '${n}'; valid: all, ${EVAL_DESIGNS.join(', ')}${runDir ? `, or a design trained in ${runDir}` : ''}`);
  }
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`design '${dup}' is listed twice in --designs`);
  return names;
}

/** resolveDesigns, as decoder design records (an outside encoder is refused: it has none). */
export function parseDesignList(spec: string, runDir?: string): Design[] {
  return resolveDesigns(spec, runDir).map((n) => designByName(n, runDir));
}

