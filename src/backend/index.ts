// Backend selection at start: the fastest TensorFlow.js backend that is installed and loads.
// Order: tfjs-node-gpu (CUDA), tfjs-node (libtensorflow CPU), wasm (SIMD, one thread), cpu (plain JS).
// `PA_BACKEND` forces one. Model code uses plain tf ops only, so results do not depend on the choice
// beyond float rounding.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { installWasmKernels } from './wasm-kernels.ts';

export const BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

const require = createRequire(import.meta.url);

let chosen: BackendChoice | undefined;

async function tryBackend(name: BackendChoice): Promise<boolean> {
  try {
    switch (name) {
      case 'tfjs-node-gpu':
      case 'tfjs-node':
        // Not a dependency (its install downloads libtensorflow); present only where a user added it.
        // Both register the backend named 'tensorflow' on the shared engine.
        require(`@tensorflow/${name}`);
        return await tf.setBackend('tensorflow');
      case 'wasm':
        await import('@tensorflow/tfjs-backend-wasm');
        installWasmKernels();
        return await tf.setBackend('wasm');
      case 'cpu':
        return await tf.setBackend('cpu');
    }
  } catch {
    return false;
  }
}

/**
 * Pick and initialise the backend once per process. `force` (or env PA_BACKEND) names one of BACKENDS;
 * a forced backend that fails to load is an error, never a silent fallback.
 */
export async function initBackend(opts: { force?: string; quiet?: boolean } = {}): Promise<BackendChoice> {
  if (chosen) return chosen;
  const force = opts.force ?? process.env.PA_BACKEND;
  if (force !== undefined && force !== '') {
    if (!(BACKENDS as readonly string[]).includes(force)) {
      throw new Error(`PA_BACKEND='${force}' is not a backend; valid: ${BACKENDS.join(', ')}`);
    }
    if (!(await tryBackend(force as BackendChoice))) {
      throw new Error(`backend '${force}' was forced (PA_BACKEND) but failed to load; is @tensorflow/${force === 'cpu' ? 'tfjs' : force} installed?`);
    }
    chosen = force as BackendChoice;
  } else {
    for (const name of BACKENDS) {
      if (await tryBackend(name)) { chosen = name; break; }
    }
    if (!chosen) throw new Error(`no TensorFlow.js backend could be loaded (tried ${BACKENDS.join(', ')})`);
  }
  await tf.ready();
  if (!opts.quiet && !process.env.PA_QUIET) process.stderr.write(`[backend] ${chosen}\n`);
  return chosen;
}

/** The backend in use, for logs and result files. */
export function backendName(): BackendChoice | undefined {
  return chosen;
}
