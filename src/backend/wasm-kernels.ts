// Four gaps of tfjs-backend-wasm 4.22 that training hits (see ../shared/notes/toolchain.md):
//  1. No `UnsortedSegmentSum` kernel, which is the gradient of `tf.gather` (embedding lookups).
//  2. `BatchMatMul` with transposeA/transposeB is 7–14× slower than an explicit transpose followed by
//     a plain product, and every backward matMul asks for a transposed product.
//  3. Every batched product (batch > 1) runs a scalar triple loop at about 1 GFLOP/s; attention over
//     small heads is all batched products. They go to a SIMD kernel (./wasm-simd-matmul.ts) instead,
//     5–30× faster on attention shapes; a batch broadcast against one matrix becomes one 2-D product.
//  4. `Identity` copies its input, and autodiff clones (Identity) every tensor it saves for the
//     backward pass: hundreds of full copies per training step. tfjs tensors are immutable, so the
//     copy can share the input's memory, as the cpu backend's Identity does.
// All are patched at the kernel level, so model code stays plain `tf.*` and backend-agnostic.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdBatchMatMul, type BmmFn } from './wasm-simd-matmul.ts';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type TensorInfo = tf.TensorInfo;

let installed = false;

/** Register the wasm fixes once; safe to call repeatedly. */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as KernelFunc });
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharedIdentity as KernelFunc });
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
      const temps: TensorInfo[] = [];
      const swapLast = (x: TensorInfo): TensorInfo => {
        const perm = x.shape.map((_, i) => i);
        const r = perm.length;
        [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
        const t = transposeFn({ inputs: { x }, backend, attrs: { perm } } as never) as TensorInfo;
        temps.push(t);
        return t;
      };
      try {
        const batched = batchedProduct(inputs.a, inputs.b, backend, attrs, swapLast, plain);
        if (batched) return batched;
        if (!attrs.transposeA && !attrs.transposeB) return plain(args as never);
        const a = attrs.transposeA ? swapLast(inputs.a) : inputs.a;
        const b = attrs.transposeB ? swapLast(inputs.b) : inputs.b;
        return plain({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as never) as TensorInfo;
      } finally {
        for (const t of temps) backend.disposeData(t.dataId);
      }
    }) as KernelFunc,
  });
}

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
const kernels = new WeakMap<object, BmmFn>();

function simd(backend: BackendWasm): BmmFn {
  let k = kernels.get(backend);
  if (!k) {
    // the Emscripten module's exports hold the heap's WebAssembly.Memory
    const memory = (backend.wasm as unknown as { asm?: { memory?: WebAssembly.Memory } }).asm?.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new Error('wasm backend: its WebAssembly.Memory is not reachable (tfjs-backend-wasm version changed?)');
    k = simdBatchMatMul(memory);
    kernels.set(backend, k);
  }
  return k;
}

/** Which products go to the SIMD kernels (exported for the benchmark's before/after runs). */
export const simdRouting = { batched: true, transposeA: true };

/**
 * Products the SIMD kernel or a folded 2-D product do better than the stock kernel: any product with
 * batch dimensions, and a^T·b. A single matrix `b` broadcast over `a`'s batch is one
 * tall 2-D XNNPACK product. Returns undefined for the rest (plain 2-D products, and batch shapes that
 * broadcast dimension by dimension), which take the stock path.
 */
function batchedProduct(
  a0: TensorInfo, b0: TensorInfo, backend: BackendWasm, attrs: { transposeA: boolean; transposeB: boolean },
  swapLast: (x: TensorInfo) => TensorInfo, plain: KernelFunc,
): TensorInfo | undefined {
  if (a0.dtype !== 'float32' || b0.dtype !== 'float32') return undefined;
  const batchA = size(a0.shape.slice(0, -2));
  const batchB = size(b0.shape.slice(0, -2));
  const batched = batchA > 1 || batchB > 1;
  // 2-D: a^T·b (weight gradients), where XNNPACK would first transpose `a` (slow on wasm) and pack `b`,
  // both fresh tensors in a backward pass. Plain 2-D products stay with XNNPACK, whose packed copy of a
  // constant weight is cached across calls.
  if (batched ? !simdRouting.batched : !(attrs.transposeA && simdRouting.transposeA)) return undefined;
  const outBatch = a0.shape.length >= b0.shape.length ? a0.shape.slice(0, -2) : b0.shape.slice(0, -2);
  if (batchA !== batchB && ((batchA !== 1 && batchB !== 1) || size(outBatch) !== Math.max(batchA, batchB))) return undefined;
  const b = attrs.transposeB ? swapLast(b0) : b0;
  const [K2, N] = b.shape.slice(-2) as [number, number];
  const [M, K] = attrs.transposeA ? [a0.shape.at(-1)!, a0.shape.at(-2)!] : [a0.shape.at(-2)!, a0.shape.at(-1)!];
  if (K !== K2) throw new Error(`matMul: inner dimensions ${K} and ${K2} of shapes [${a0.shape}] and [${b0.shape}] (transposeA=${attrs.transposeA}, transposeB=${attrs.transposeB}) differ`);
  const outShape = [...outBatch, M, N];
  if (batchB === 1 && batchA > 1 && !attrs.transposeA) {
    // every batch of `a` times the same matrix: one tall 2-D product
    const rows = { dataId: a0.dataId, shape: [batchA * M, K], dtype: a0.dtype };
    const flat = { dataId: b.dataId, shape: [K, N], dtype: b.dtype };
    const out = plain({ inputs: { a: rows, b: flat }, backend, attrs: { transposeA: false, transposeB: false } } as never) as TensorInfo;
    (out as { shape: number[] }).shape = outShape;
    return out;
  }
  const k = simd(backend);
  const out = backend.makeOutput(outShape, 'float32');
  const offset = (x: TensorInfo) => backend.getMemoryOffset(x.dataId);
  k(offset(a0), offset(b), offset(out), Math.max(batchA, batchB), M, K, N,
    batchA === 1 ? 0 : M * K * 4, batchB === 1 ? 0 : K * N * 4, attrs.transposeA ? 4 : K * 4, attrs.transposeA ? M * 4 : 4);
  return out;
}

/** Identity without a copy: the output shares the input's memory (reference-counted). */
function sharedIdentity(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
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
