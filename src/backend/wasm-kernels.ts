// Two gaps of tfjs-backend-wasm 4.22 that training hits (see ../shared/notes/toolchain.md):
//  1. No `UnsortedSegmentSum` kernel, which is the gradient of `tf.gather` (embedding lookups).
//  2. `BatchMatMul` with transposeA/transposeB is 7–14× slower than an explicit transpose followed by
//     a plain product, and every backward matMul asks for a transposed product.
// Both are patched at the kernel level, so model code stays plain `tf.*` and backend-agnostic.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type TensorInfo = tf.TensorInfo;

let installed = false;

/** Register the wasm fixes once; safe to call repeatedly. */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as KernelFunc });
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (!original || !transposeKernel) throw new Error('wasm backend lacks BatchMatMul or Transpose kernels');
  const plain = original.kernelFunc;
  const transposeFn = transposeKernel.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc, // binds the wasm function the plain kernel calls
    kernelFunc: ((args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm; attrs: { transposeA: boolean; transposeB: boolean } }) => {
      const { inputs, backend, attrs } = args;
      if (!attrs.transposeA && !attrs.transposeB) return plain(args as never);
      const temps: TensorInfo[] = [];
      const swapLast = (x: TensorInfo): TensorInfo => {
        const perm = x.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
        const t = transposeFn({ inputs: { x }, backend, attrs: { perm } } as never) as TensorInfo;
        temps.push(t);
        return t;
      };
      const a = attrs.transposeA ? swapLast(inputs.a) : inputs.a;
      const b = attrs.transposeB ? swapLast(inputs.b) : inputs.b;
      const out = plain({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as never) as TensorInfo;
      for (const t of temps) backend.disposeData(t.dataId);
      return out;
    }) as KernelFunc,
  });
}

/** out[segmentIds[i], ...] += x[i, ...]; segments outside [0, numSegments) are dropped, as in TF. */
function unsortedSegmentSum(args: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  backend: BackendWasm;
  attrs: { numSegments: number };
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const n = segmentIds.shape.reduce((p, d) => p * d, 1);
  // segmentIds covers the leading dims of x; the rest is one row of `inner` values per id.
  const inner = x.shape.slice(segmentIds.shape.length).reduce((p, d) => p * d, 1);
  const outShape = [attrs.numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const ids = backend.readSync(segmentIds.dataId) as Int32Array;
  const xs = backend.readSync(x.dataId) as Float32Array;
  const out = backend.makeOutput(outShape, x.dtype);
  const values = backend.typedArrayFromHeap(out) as Float32Array;
  values.fill(0);
  for (let i = 0; i < n; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= attrs.numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) values[dst + j]! += xs[src + j]!;
  }
  return out;
}
