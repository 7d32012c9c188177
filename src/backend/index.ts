// Backend selection at start: the fastest TensorFlow.js backend that is installed and loads.
// Order: tfjs-node-gpu (CUDA), webgpu (Dawn/Vulkan, when its two packages are installed and an
// adapter is found), tfjs-node (libtensorflow CPU), wasm (SIMD, one thread), cpu (plain JS).
// `PA_BACKEND` forces one. Model code uses plain tf ops only, so results do not depend on the choice
// beyond float rounding.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { installWasmKernels } from './wasm-kernels.ts';
import { WebGpuUnavailable, describeAdapter, initWebGpu, type AdapterSummary } from './webgpu.ts';

export const BACKENDS = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export interface BackendInfo {
  name: BackendChoice;
  /** the WebGPU adapter, for webgpu */
  adapter?: AdapterSummary;
}

const require = createRequire(import.meta.url);

let chosen: BackendInfo | undefined;

/** Why a backend was not taken; `installed` false means its package is simply absent. */
interface Refusal { installed: boolean; reason: string }

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

async function tryBackend(name: BackendChoice, forced: boolean): Promise<BackendInfo | Refusal> {
  try {
    switch (name) {
      case 'tfjs-node-gpu':
      case 'tfjs-node': {
        // Not a dependency (its install downloads libtensorflow); present only where a user added it.
        // Both register the backend named 'tensorflow' on the shared engine.
        const pkg = `@tensorflow/${name}`;
        if (!installed(pkg)) return { installed: false, reason: `${pkg} is not installed (npm install --no-save ${pkg}@${tf.version.tfjs}; its install downloads libtensorflow)` };
        require(pkg);
        return (await tf.setBackend('tensorflow')) ? { name } : { installed: true, reason: `${pkg} failed to initialise` };
      }
      case 'webgpu':
        return { name, adapter: await initWebGpu({ allowFallbackAdapter: forced }) };
      case 'wasm':
        await import('@tensorflow/tfjs-backend-wasm');
        installWasmKernels();
        return (await tf.setBackend('wasm')) ? { name } : { installed: true, reason: 'tfjs-backend-wasm failed to initialise' };
      case 'cpu':
        return (await tf.setBackend('cpu')) ? { name } : { installed: true, reason: 'the cpu backend failed to initialise' };
    }
  } catch (e) {
    const installedFlag = e instanceof WebGpuUnavailable ? e.installed : true;
    return { installed: installedFlag, reason: e instanceof Error ? e.message : String(e) };
  }
}

function isRefusal(x: BackendInfo | Refusal): x is Refusal {
  return 'reason' in x;
}

/** "webgpu on NVIDIA hopper (…)", "wasm". */
export function describeBackend(info: BackendInfo): string {
  return info.adapter ? `${info.name} on ${describeAdapter(info.adapter)}` : info.name;
}

/**
 * Pick and initialise the backend once per process. `force` (or env PA_BACKEND) names one of BACKENDS;
 * a forced backend that fails to load is an error saying why, never a silent fallback.
 */
export async function initBackend(opts: { force?: string; quiet?: boolean } = {}): Promise<BackendChoice> {
  if (chosen) return chosen.name;
  const force = opts.force ?? process.env.PA_BACKEND;
  const skipped: string[] = [];
  if (force !== undefined && force !== '') {
    if (!(BACKENDS as readonly string[]).includes(force)) {
      throw new Error(`PA_BACKEND='${force}' is not a backend; valid: ${BACKENDS.join(', ')}`);
    }
    const r = await tryBackend(force as BackendChoice, true);
    if (isRefusal(r)) throw new Error(`backend '${force}' was forced (PA_BACKEND or --backend) but cannot be used: ${r.reason}`);
    chosen = r;
  } else {
    for (const name of BACKENDS) {
      const r = await tryBackend(name, false);
      if (!isRefusal(r)) { chosen = r; break; }
      // a package that is installed but unusable is worth a word; an absent one is the normal case
      if (r.installed) skipped.push(`${name}: ${r.reason}`);
    }
    if (!chosen) throw new Error(`no TensorFlow.js backend could be loaded (tried ${BACKENDS.join(', ')}): ${skipped.join('; ')}`);
  }
  await tf.ready();
  if (!opts.quiet && !process.env.PA_QUIET) {
    process.stderr.write(`[backend] ${describeBackend(chosen)}${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}\n`);
  }
  return chosen.name;
}

/** The backend in use, for logs and result files. */
export function backendName(): BackendChoice | undefined {
  return chosen?.name;
}

/** The backend in use with its adapter (WebGPU), for result files. */
export function backendInfo(): BackendInfo | undefined {
  return chosen;
}

