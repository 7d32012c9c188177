// TensorFlow.js on WebGPU in Node: Dawn's Node binding (npm `webgpu`, which ships a prebuilt
// dawn.node and reaches the GPU through Vulkan) plus @tensorflow/tfjs-backend-webgpu. Neither package
// is a dependency, so CPU users install nothing extra; a GPU user adds both with WEBGPU_INSTALL.
// Recipe and measurements: ../shared/notes/gpu.md.
//
// One limit shapes the rest of the project: WebGPU has no synchronous read-back in Node (the backend's
// readSync goes through OffscreenCanvas, which Node lacks, and Dawn exposes no blocking map), so
// `dataSync()`/`arraySync()` of a tensor computed on the GPU cannot work; code that must run here
// reads with `await tensor.data()`.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';

/** The two packages, at the versions this project was checked with (tfjs-backend-webgpu must match @tensorflow/tfjs). */
export const WEBGPU_PACKAGES = { dawn: 'webgpu', tfjs: '@tensorflow/tfjs-backend-webgpu' } as const;
export const WEBGPU_INSTALL = 'npm install --no-save webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0';

/** What the adapter says about itself (empty strings where the driver says nothing). */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** WebGPU cannot be used here; `installed` tells a missing package from a missing GPU/driver. */
export class WebGpuUnavailable extends Error {
  constructor(message: string, readonly installed: boolean) {
    super(message);
  }
}

const require = createRequire(import.meta.url);

function resolvable(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** Both packages resolvable from this project (cheap; loads nothing). */
export function webgpuInstalled(): boolean {
  return resolvable(WEBGPU_PACKAGES.dawn) && resolvable(WEBGPU_PACKAGES.tfjs);
}

/** "vendor architecture (description)", whatever parts the driver fills in. */
export function describeAdapter(a: AdapterSummary): string {
  const head = [a.vendor, a.architecture].filter(Boolean).join(' ');
  const tail = [a.description, a.device].filter((s) => s && s !== head).join(', ');
  const text = head && tail ? `${head} (${tail})` : head || tail || 'unnamed adapter';
  return a.isFallbackAdapter ? `${text} [software fallback]` : text;
}

// Minimal shapes of the WebGPU objects used here (the packages' own types may be absent).
interface GpuAdapterLike {
  info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> }
interface DawnModule { create(flags: string[]): GpuLike; globals: Record<string, unknown> }

let initialised: AdapterSummary | undefined;

/**
 * Load Dawn, find an adapter, register and select tfjs's 'webgpu' backend. Throws WebGpuUnavailable
 * naming what is missing: a package, or an adapter (no Vulkan driver), or a software adapter when
 * `allowFallbackAdapter` is false (the automatic choice prefers wasm to a CPU emulation of a GPU).
 */
export async function initWebGpu(opts: { allowFallbackAdapter?: boolean } = {}): Promise<AdapterSummary> {
  if (initialised) {
    if (!(await tf.setBackend('webgpu'))) throw new WebGpuUnavailable('tfjs backend webgpu failed to initialise again', true);
    return initialised;
  }
  const missing = [WEBGPU_PACKAGES.dawn, WEBGPU_PACKAGES.tfjs].filter((p) => !resolvable(p));
  if (missing.length > 0) {
    throw new WebGpuUnavailable(`npm package${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(' and ')} not installed; a GPU user adds both with: ${WEBGPU_INSTALL}`, false);
  }
  const tfjsWebgpuVersion = (require(`${WEBGPU_PACKAGES.tfjs}/package.json`) as { version: string }).version;
  if (tfjsWebgpuVersion !== tf.version.tfjs) {
    throw new WebGpuUnavailable(`${WEBGPU_PACKAGES.tfjs} ${tfjsWebgpuVersion} does not match @tensorflow/tfjs ${tf.version.tfjs}; install the matching version: ${WEBGPU_INSTALL}`, true);
  }
  // A variable module name keeps `tsc --noEmit` passing where the optional packages are absent.
  const dawnName: string = WEBGPU_PACKAGES.dawn;
  const dawn = (await import(dawnName)) as DawnModule;
  // GPUBufferUsage, GPUMapMode, … are globals in a browser; tfjs-backend-webgpu expects them there.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(dawnFlags());
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailable(
      'no WebGPU adapter: Dawn found no usable Vulkan driver. It needs the Vulkan loader and glvnd libraries ' +
      '(Debian: libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libgles2 libopengl0) and the GPU vendor\'s ICD, ' +
      'named in VK_DRIVER_FILES if it is not in a standard place (see environment.md)', true);
  }
  const info = adapter.info ?? {};
  const summary: AdapterSummary = {
    vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
  if (summary.isFallbackAdapter && !opts.allowFallbackAdapter) {
    throw new WebGpuUnavailable(`the only WebGPU adapter is a software fallback (${describeAdapter(summary)}); force it with PA_BACKEND=webgpu`, true);
  }
  exposeGpu(gpu);
  // The backend registers itself at import time, and only if navigator.gpu exists: import it now.
  const tfjsName: string = WEBGPU_PACKAGES.tfjs;
  await import(tfjsName);
  if (!(await tf.setBackend('webgpu'))) {
    throw new WebGpuUnavailable(`${WEBGPU_PACKAGES.tfjs} failed to initialise on ${describeAdapter(summary)} (see the warning above)`, true);
  }
  explainSyncReads();
  initialised = summary;
  return summary;
}

/**
 * Options for Dawn's `create()` from PA_WEBGPU_FLAGS, separated by spaces (see the `webgpu` package's
 * README), e.g. `backend=vulkan`. `backend=null` gives Dawn's null adapter: every shader is compiled
 * and validated and nothing is computed, a test of the plumbing on a machine without a GPU.
 */
function dawnFlags(): string[] {
  return (process.env.PA_WEBGPU_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

/** navigator.gpu, as the backend looks for it; Node 21+ has a getter-only `navigator`, Node 20 none. */
function exposeGpu(gpu: GpuLike): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator && typeof g.navigator === 'object') {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
}

/**
 * The backend's readSync of a GPU-resident tensor fails in Node with "OffscreenCanvas is not
 * defined"; replace that with an error that says what to do instead. Reads of tensors whose values
 * are still on the CPU keep working.
 */
function explainSyncReads(): void {
  const backend = tf.backend() as tf.KernelBackend & { readSync(dataId: object): unknown };
  const original = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    try {
      return original(dataId);
    } catch (e) {
      if (e instanceof ReferenceError && /OffscreenCanvas/.test(e.message)) {
        throw new Error('dataSync()/arraySync() of a tensor on the GPU is impossible on WebGPU in Node (no synchronous read-back); use `await tensor.data()` or `await tensor.array()`');
      }
      throw e;
    }
  };
}
