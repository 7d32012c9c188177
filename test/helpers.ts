// Shared test helpers: the real stories260K model through the data layer, a Python reference runner,
// and seeded inputs run on the cpu (reference) and wasm backends.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/data/files.ts';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { mulberry32 } from '../src/util/random.ts';
import { loadModel, type LoadedModel } from '../src/model/load.ts';

let cached: Promise<LoadedModel> | undefined;

/** stories260K on the wasm backend, or the one PA_BACKEND names (loaded once per test file). */
export async function stories260K(): Promise<LoadedModel> {
  await initBackend({ force: process.env.PA_BACKEND || 'wasm', quiet: true });
  cached ??= loadModel('stories260K');
  return cached;
}

/** The project's Python virtual environment (made by the set-up): torch, transformers, gguf,
 *  sentence-transformers, mteb and the other PyPI references. */
export const VENV_PYTHON = join(projectRoot, '.venv', 'bin', 'python');

/** Debian's Python with python3-scipy 1.10: the reference of src/stats/wilcoxon.ts, which follows scipy
 *  1.10's code (scipy ≥ 1.13 treats zeros and ties exactly and returns (0, 1) for all-zero data). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Run the project's Python (VENV_PYTHON: scipy, scikit-learn, statsmodels, numpy, torch) on `code`,
 *  passing `input` as JSON on stdin; returns parsed stdout JSON. */
export function python<T = any>(code: string, input: unknown, interpreter = VENV_PYTHON): T {
  return JSON.parse(pythonText(code, { input: JSON.stringify(input), interpreter })) as T;
}

/** As python(), with command-line arguments (sys.argv[1:]) and raw stdin/stdout text. */
export function pythonText(code: string, opts: { args?: readonly string[]; input?: string; interpreter?: string } = {}): string {
  const interpreter = opts.interpreter ?? VENV_PYTHON;
  const r = spawnSync(interpreter, ['-c', code, ...(opts.args ?? [])], { input: opts.input ?? '', encoding: 'utf8', maxBuffer: 1 << 29 });
  if (r.error) throw new Error(`python reference: cannot run ${interpreter} (${r.error.message}): run 'bash scripts/setup.sh'`);
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr.slice(-3000)}`);
  return r.stdout;
}

/** n seeded uniform values in [-1, 1). */
export function randn(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** `f` on the cpu backend (plain JS, the reference), then on wasm; wasm stays selected. */
export async function onBoth<T>(f: () => T): Promise<{ cpu: T; wasm: T }> {
  await tf.setBackend('cpu');
  const cpu = f();
  await tf.setBackend('wasm');
  const wasm = f();
  return { cpu, wasm };
}
