// Shared test helpers: the real stories260K model through the data layer, and a Python reference runner.
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/backend/index.ts';
import { loadModel, type LoadedModel } from '../src/model/load.ts';

let cached: Promise<LoadedModel> | undefined;

/** stories260K on the wasm backend (loaded once per test file). */
export async function stories260K(): Promise<LoadedModel> {
  await initBackend({ force: 'wasm', quiet: true });
  cached ??= loadModel('stories260K');
  return cached;
}

/** Run Debian's Python (scipy, sklearn, numpy) on `code`, passing `input` as JSON on stdin; returns parsed stdout JSON. */
export function python<T = unknown>(code: string, input: unknown): T {
  const r = spawnSync('/usr/bin/python3', ['-c', code], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
