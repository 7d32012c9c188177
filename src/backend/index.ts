// Backend selection at start: the fastest TensorFlow.js backend that is installed and loads.
// Order: tfjs-node-gpu (CUDA), webgpu (Dawn/Vulkan, when its two packages are installed and an
// adapter is found), tfjs-node (libtensorflow CPU, all cores, once scripts/setup-tfjs-node.sh built it),
// wasm (SIMD, one thread), cpu (plain JS).
// `PA_BACKEND` forces one. Model code uses plain tf ops only, so results do not depend on the choice
// beyond float rounding.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** Whether tfjs-node is installed with its addon, the one file the set-up (or tfjs-node's own install script) builds. */
export function tfjsNodeAddonBuilt(): boolean {
  if (!installed('@tensorflow/tfjs-node')) return false;
  const dir = dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
  return existsSync(join(dir, 'lib')) && readdirSync(join(dir, 'lib')).some((d) => existsSync(join(dir, 'lib', d, 'tfjs_binding.node')));
}

/**
 * Environment read by libtensorflow when it loads; a value the user set wins.
 * TF_DETERMINISTIC_OPS=1: kernels with a nondeterministic path take the deterministic one (or fail),
 * so the same seed on the same machine and thread count gives the same bits.
 * TF_ENABLE_ONEDNN_OPTS=0: Eigen's kernels, not oneDNN's. Measured here as fast for the matMul
 * shapes of both models, and oneDNN's blocking changes with the padded length: right padding moved
 * stories260K's hidden states by 1.1e-5 with it, under 1e-5 without (test/decoder.test.ts).
 * TF_CPP_MIN_LOG_LEVEL=2: no info or warning lines (CPU features, "allocation exceeds 10% of free
 * memory"); errors still show.
 * Threads: TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS (default: every core); results are
 * reproducible for a fixed thread count, not across thread counts.
 */
function setTensorFlowDefaults(): void {
  process.env.TF_DETERMINISTIC_OPS ??= '1';
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '0';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}

async function tryBackend(name: BackendChoice, forced: boolean): Promise<BackendInfo | Refusal> {
  try {
    switch (name) {
      case 'tfjs-node-gpu':
      case 'tfjs-node': {
        // tfjs-node is an optional dependency whose addon `scripts/setup-tfjs-node.sh` builds against
        // PyPI's libtensorflow; tfjs-node-gpu is present only where a user added it.
        // Both register the backend named 'tensorflow' on the shared engine.
        const pkg = `@tensorflow/${name}`;
        if (!installed(pkg)) return { installed: false, reason: `${pkg} is not installed (npm install --no-save ${pkg}@${tf.version.tfjs}; its install downloads libtensorflow)` };
        if (name === 'tfjs-node' && !tfjsNodeAddonBuilt()) return { installed: true, reason: `${pkg} is installed but its native addon is not built: run 'bash scripts/setup-tfjs-node.sh'` };
        setTensorFlowDefaults();
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

