// Weights on disk: safetensors files written atomically, each recorded with its sha256 in a JSON file
// written after it (the JSON is the commit point), so a half-written checkpoint is never taken for a
// good one and loading verifies every byte.
import * as tf from '@tensorflow/tfjs';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, serializeSafetensors } from '../model/safetensors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { sha256 } from '../io/sha256.ts';
import { readJsonFile, readJsonLines } from '../io/json-file.ts';

/** Write tensors as one safetensors file; returns its sha256. Reads are asynchronous (WebGPU). */
export async function saveTensors(path: string, tensors: Record<string, tf.Tensor>, metadata?: Record<string, string>): Promise<string> {
  const input: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [k, t] of Object.entries(tensors)) input[k] = { shape: t.shape, data: (await t.data()) as Float32Array };
  const bytes = serializeSafetensors(input, metadata);
  writeFileAtomic(path, bytes);
  return sha256(bytes);
}

/** Read a safetensors file whose sha256 was recorded; a mismatch names the file and both hashes. */
export function loadVerifiedTensors(path: string, expectedSha: string): Map<string, { shape: number[]; data: Float32Array }> {
  if (!existsSync(path)) throw new Error(`${path}: checkpoint file is missing`);
  const bytes = readFileSync(path);
  const actual = sha256(bytes);
  if (actual !== expectedSha) throw new Error(`${path}: sha256 ${actual} does not match ${expectedSha} recorded beside it (damaged or half-written checkpoint)`);
  return parseSafetensors(bytes, path).tensors;
}

/** Copy loaded values into variables; names and shapes must match exactly. */
export function assignTensors(vars: Record<string, tf.Variable>, loaded: Map<string, { shape: number[]; data: Float32Array }>, source: string, prefix = ''): void {
  for (const [k, v] of Object.entries(vars)) {
    const t = loaded.get(prefix + k);
    if (!t) throw new Error(`${source}: tensor '${prefix + k}' is missing`);
    if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`${source}: tensor '${prefix + k}' has shape [${t.shape}], expected [${v.shape}]`);
    v.assign(tf.tensor(t.data, t.shape));
  }
}


/** A checkpoint's state.json: { step, seed, sha256, … }; a truncated one names the file. */
export function readCheckpointState(ckDir: string): { step: number; sha256: string; seed: number } {
  const file = join(ckDir, 'state.json');
  const state = readJsonFile<{ step: number; sha256: string; seed: number }>(file, 'checkpoint state',
    `delete ${ckDir} to restart the design from step 0 (or rerun without --resume)`);
  if (!Number.isInteger(state.step) || state.step < 0 || typeof state.sha256 !== 'string') throw new Error(`${file}: checkpoint state lacks an integer "step" or a "sha256"`);
  return state;
}

/**
 * The loss log kept on resume: the records up to `step` (what the killed run logged after its last
 * checkpoint is dropped), as JSONL text. A partial last line (a crash in the middle of an append) is
 * dropped and reported, so it never blocks a resume.
 */
export function lossLogUpTo(file: string, step: number, log: (s: string) => void): string {
  if (!existsSync(file)) return '';
  const records = readJsonLines<{ step: number }>(readFileSync(file, 'utf8'), file, (line, content) =>
    log(`${file}:${line}: dropped a partial last record (${content.length} bytes, a crash in the middle of a write): ${JSON.stringify(content.slice(0, 60))}`));
  return records.filter((r) => r.step <= step).map((r) => JSON.stringify(r) + '\n').join('');
}
