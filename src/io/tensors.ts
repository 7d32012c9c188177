// Weights on disk: safetensors files written atomically, each recorded with its sha256 in a JSON file
// written after it (the JSON is the commit point), so a half-written checkpoint is never taken for a
// good one and loading verifies every byte. (A training checkpoint's own state: src/training/checkpoint.ts.)
import * as tf from '@tensorflow/tfjs';
import { readFileSync, existsSync } from 'node:fs';
import { parseSafetensors, serializeSafetensors } from '../model/safetensors.ts';
import { writeFileAtomic } from './atomic.ts';
import { sha256 } from './sha256.ts';

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

