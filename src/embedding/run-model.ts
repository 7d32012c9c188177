// The base model a run folder records: light (no TensorFlow.js), so a CLI parent can read it.
import { existsSync, readdirSync } from 'node:fs';
import { readJsonFile } from '../io/json-file.ts';
import type { RunConfig } from './embedding-model.ts';
import { finalConfigFile } from '../run-folder.ts';

/** Fallback for a zero-shot design outside any run folder, with no model given (tests, notebooks). */
export const DEFAULT_BASE_MODEL = 'stories260K';

/**
 * The base model a run folder was trained on: the `model` (and `modelFiles`) every trained design's
 * final/config.json records; undefined when nothing is trained there yet. Designs that disagree are an error.
 */
export function runBaseModel(runDir: string): { model: string; modelFiles?: Record<string, string>; from: string } | undefined {
  if (!existsSync(runDir)) return undefined;
  let found: { model: string; modelFiles?: Record<string, string>; from: string } | undefined;
  for (const d of readdirSync(runDir, { withFileTypes: true })) {
    const file = finalConfigFile(runDir, d.name);
    if (!d.isDirectory() || !existsSync(file)) continue;
    const c = readJsonFile<RunConfig>(file, `the final config of design ${d.name}`, `retrain it: train --design ${d.name} --force`);
    if (typeof c.model !== 'string' || c.model === '') throw new Error(`${file}: no base model recorded ("model")`);
    if (!found) found = { model: c.model, modelFiles: c.modelFiles, from: file };
    else if (found.model !== c.model || (found.modelFiles && c.modelFiles && JSON.stringify(found.modelFiles) !== JSON.stringify(c.modelFiles))) {
      throw new Error(`${runDir}: designs were trained on different base models: '${found.model}' (${found.from}) and '${c.model}' (${file})`);
    }
  }
  return found;
}

