// WebGPU in Node has no synchronous read-back (src/backend/webgpu.ts), so the project's paths read
// tensors with `await tensor.data()`. These two functions let a CPU machine prove it, and let the few
// places that profit from a synchronous read on wasm/cpu ask whether they may.
import * as tf from '@tensorflow/tfjs';

let syncReadsForbidden = false;

/**
 * Make every synchronous read (dataSync/arraySync) throw, on any backend: what WebGPU in Node imposes.
 * On a CPU machine this proves that a code path reads only asynchronously (test/async-reads.test.ts,
 * `npm run gpu-check -- --forbid-sync-reads`).
 */
export function forbidSyncReads(): void {
  syncReadsForbidden = true;
  (tf.engine() as unknown as { readSync: () => never }).readSync = () => {
    throw new Error('synchronous read (dataSync/arraySync) while sync reads are forbidden: WebGPU in Node cannot do this; use `await tensor.data()`');
  };
}

/** Whether dataSync/arraySync work here: not on WebGPU in Node, nor after forbidSyncReads(). */
export function syncReadsWork(): boolean {
  return !syncReadsForbidden && tf.getBackend() !== 'webgpu';
}
