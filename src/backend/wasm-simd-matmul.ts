// Matrix products for many SMALL matrices, as a WebAssembly SIMD function that works in place on the
// wasm backend's own heap. tfjs-backend-wasm 4.22 sends every batched product (batch > 1) to a scalar
// triple loop (about 1 GFLOP/s), and attention over tiny heads is made of nothing else: [B·kvHeads]
// products of [group·T, headDim] × [headDim, T] and the like. Its 2-D products with transposeA (every
// weight gradient x^T·dy) pay a slow transpose of the tall operand before XNNPACK's product.
//
// The module is assembled here (./wasm-encoder.ts; no toolchain, no binary blob). It imports the
// backend's WebAssembly.Memory and exports one function over float32 arrays (byte addresses):
//   bmm(a, b, out, batch, M, K, N, aBatchBytes, bBatchBytes, aRowBytes, aKBytes)
//   out[n][i, j] = Σ_k a[n][i, k] · b[n][k, j]   for n < batch, i < M, j < N
// where a[n][i, k] sits at a + n·aBatchBytes + i·aRowBytes + k·aKBytes (so a stored K×M, i.e. a
// transposed operand, is read in place: aRowBytes = 4, aKBytes = 4M), b[n] is row-major K×N at
// b + n·bBatchBytes and out[n] row-major M×N. A batch stride of 0 broadcasts that operand. The output
// is computed in tiles of 4 rows × 8 columns (b's vectors loaded once per k for the four rows), then
// narrower tiles and a scalar tail, so any shape works; every output is summed over k in order, so a
// result does not depend on the batch size or on which tile computed it.

import { addMul, forLoop, op, wasmModule, I32, F32, V128, type Code } from './wasm-encoder.ts';

// parameters and locals of bmm
const A = 0, B = 1, OUT = 2, BATCH = 3, M = 4, K = 5, N = 6, AS = 7, BS = 8, AI = 9, AK = 10; // i32 params
const n = 11, i = 12, j = 13, k = 14, bp = 15, rowBytes = 16, bbase = 17, abase = 18, obase = 19; // i32 locals
const arow = [20, 21, 22, 23], ap = [24, 25, 26, 27], orow = [28, 29, 30, 31]; // i32 locals, one per tile row
const acc = [32, 33, 34, 35, 36, 37, 38, 39], bv = [40, 41, 42, 43], av = 44; // v128 locals
const sacc = [45, 46, 47, 48]; // f32 locals
const LOCAL_TYPES = [...new Array<number>(21).fill(I32), ...new Array<number>(13).fill(V128), ...new Array<number>(4).fill(F32)];

/** while (v + step <= limit) { body; v += step } */
function stepLoop(v: number, step: number, limit: number, body: Code): Code {
  return [...op.block, ...op.loop,
    ...op.get(v), ...op.i32(step), ...op.add, ...op.get(limit), ...op.gtU, ...op.brIf(1),
    ...body,
    ...op.get(v), ...op.i32(step), ...op.add, ...op.set(v), ...op.br(0), ...op.end, ...op.end];
}

const at = (base: number, index: number): Code => addMul(op.get(base), op.get(index), op.i32(4)); // base + 4·index

/**
 * One output tile: rows i..i+R-1, columns j..j+width-1 where width = 4·lanes (lanes > 0) or 1 (a
 * scalar column). acc[r][l] = Σ_k a[i+r, k] · b[k, j+4l ..]: per k, the `lanes` vectors of b are loaded
 * once and used for all R rows (register blocking), and a's R values are read through per-row pointers
 * that step by aKBytes.
 */
function tile(R: number, lanes: number): Code {
  const width = lanes === 0 ? 1 : 4 * lanes;
  const init: Code = [];
  for (let r = 0; r < R; r++) {
    init.push(...op.get(arow[r]!), ...op.set(ap[r]!));
    if (lanes === 0) init.push(...op.f32zero, ...op.set(sacc[r]!));
    else for (let l = 0; l < lanes; l++) init.push(...op.vzero, ...op.set(acc[r * lanes + l]!));
  }
  init.push(...at(bbase, j), ...op.set(bp));
  const inner: Code = [];
  if (lanes === 0) {
    for (let r = 0; r < R; r++) {
      inner.push(...op.get(sacc[r]!), ...op.get(ap[r]!), ...op.f32load(0), ...op.get(bp), ...op.f32load(0), ...op.f32mul, ...op.f32add, ...op.set(sacc[r]!));
    }
  } else {
    for (let l = 0; l < lanes; l++) inner.push(...op.get(bp), ...op.vload(16 * l), ...op.set(bv[l]!));
    for (let r = 0; r < R; r++) {
      inner.push(...op.get(ap[r]!), ...op.f32load(0), ...op.splat, ...op.set(av));
      for (let l = 0; l < lanes; l++) {
        const x = acc[r * lanes + l]!;
        inner.push(...op.get(x), ...op.get(av), ...op.get(bv[l]!), ...op.vmul, ...op.vadd, ...op.set(x));
      }
    }
  }
  for (let r = 0; r < R; r++) inner.push(...op.get(ap[r]!), ...op.get(AK), ...op.add, ...op.set(ap[r]!));
  inner.push(...op.get(bp), ...op.get(rowBytes), ...op.add, ...op.set(bp));
  const store: Code = [];
  for (let r = 0; r < R; r++) {
    if (lanes === 0) store.push(...at(orow[r]!, j), ...op.get(sacc[r]!), ...op.f32store(0));
    else for (let l = 0; l < lanes; l++) store.push(...at(orow[r]!, j), ...op.get(acc[r * lanes + l]!), ...op.vstore(16 * l));
  }
  return stepLoop(j, width, N, [...init, ...forLoop(k, op.get(K), inner), ...store]);
}

/** Rows i..i+R-1 of batch item n: set the row pointers, then sweep the columns with `widths`. */
function rowBlock(R: number, lanesList: number[]): Code {
  const set: Code = [];
  for (let r = 0; r < R; r++) {
    // arow = abase + (i + r)·aRowBytes; orow = obase + (i + r)·N·4
    set.push(...addMul(op.get(abase), [...op.get(i), ...op.i32(r), ...op.add], op.get(AI)), ...op.set(arow[r]!));
    set.push(...addMul(op.get(obase), [...op.get(i), ...op.i32(r), ...op.add], op.get(rowBytes)), ...op.set(orow[r]!));
  }
  return stepLoop(i, R, M, [...set, ...op.i32(0), ...op.set(j), ...lanesList.flatMap((l) => tile(R, l))]);
}

function bmmCode(): Code {
  const item: Code = [
    // abase = a + n·aBatchBytes; bbase = b + n·bBatchBytes; obase = out + n·M·N·4
    ...addMul(op.get(A), op.get(n), op.get(AS)), ...op.set(abase),
    ...addMul(op.get(B), op.get(n), op.get(BS)), ...op.set(bbase),
    ...addMul(op.get(OUT), [...op.get(n), ...op.get(M), ...op.mul], op.get(rowBytes)), ...op.set(obase),
    ...op.i32(0), ...op.set(i),
    ...rowBlock(4, [2, 1, 0]), // 4-row tiles of 8, 4, 1 columns
    ...rowBlock(1, [4, 2, 1, 0]), // the last M mod 4 rows: tiles of 16, 8, 4, 1 columns
  ];
  return [...op.get(N), ...op.i32(4), ...op.mul, ...op.set(rowBytes), ...forLoop(n, op.get(BATCH), item)];
}

export type BmmFn = (a: number, b: number, out: number, batch: number, m: number, k: number, n: number,
  aBatchBytes: number, bBatchBytes: number, aRowBytes: number, aKBytes: number) => void;

/** Instantiate the kernel on `memory` (the wasm backend's heap). Synchronous: the module is tiny. */
export function simdBatchMatMul(memory: WebAssembly.Memory): BmmFn {
  const bytes = wasmModule([{ name: 'bmm', params: new Array<number>(11).fill(I32), locals: LOCAL_TYPES, code: bmmCode() }]);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return inst.exports.bmm as BmmFn;
}
