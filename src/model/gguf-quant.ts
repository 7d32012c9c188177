// GGML tensor types and their dequantisation to float32 (ggml/src/ggml-quants.c, dequantize_row_*).
// A quantised tensor is a run of fixed-size blocks; each block holds `blockSize` values as small
// integers with one or two float16 scales. Arithmetic is rounded to float32 at every step
// (Math.fround), in ggml's order, so the results equal ggml's and gguf-py's bit for bit.
import { halfBitsToFloatBits } from './float16.ts';

export interface GgmlType {
  name: string;
  /** values per block */
  blockSize: number;
  /** bytes per block */
  typeSize: number;
  /** absent: the type is known but this reader does not convert it */
  dequantize?: (src: Uint8Array, out: Float32Array) => void;
}

const QK = 32;
const QK_K = 256;
const K_SCALE_SIZE = 12;

/** ggml_type ids (ggml.h) → layout. Ids missing here are unknown types. */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map<number, GgmlType>([
  [0, { name: 'F32', blockSize: 1, typeSize: 4, dequantize: dequantF32 }],
  [1, { name: 'F16', blockSize: 1, typeSize: 2, dequantize: dequantF16 }],
  [2, { name: 'Q4_0', blockSize: QK, typeSize: 2 + QK / 2, dequantize: dequantQ4_0 }],
  [3, { name: 'Q4_1', blockSize: QK, typeSize: 4 + QK / 2, dequantize: dequantQ4_1 }],
  [6, { name: 'Q5_0', blockSize: QK, typeSize: 2 + 4 + QK / 2, dequantize: dequantQ5_0 }],
  [7, { name: 'Q5_1', blockSize: QK, typeSize: 4 + 4 + QK / 2, dequantize: dequantQ5_1 }],
  [8, { name: 'Q8_0', blockSize: QK, typeSize: 2 + QK, dequantize: dequantQ8_0 }],
  [9, { name: 'Q8_1', blockSize: QK, typeSize: 4 + QK }],
  [10, { name: 'Q2_K', blockSize: QK_K, typeSize: QK_K / 16 + QK_K / 4 + 4 }],
  [11, { name: 'Q3_K', blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 4 + 12 + 2 }],
  [12, { name: 'Q4_K', blockSize: QK_K, typeSize: 4 + K_SCALE_SIZE + QK_K / 2, dequantize: dequantQ4_K }],
  [13, { name: 'Q5_K', blockSize: QK_K, typeSize: 4 + K_SCALE_SIZE + QK_K / 8 + QK_K / 2, dequantize: dequantQ5_K }],
  [14, { name: 'Q6_K', blockSize: QK_K, typeSize: QK_K / 2 + QK_K / 4 + QK_K / 16 + 2, dequantize: dequantQ6_K }],
  [15, { name: 'Q8_K', blockSize: QK_K, typeSize: 4 + QK_K + (QK_K / 16) * 2 }],
  [16, { name: 'IQ2_XXS', blockSize: QK_K, typeSize: 2 + QK_K / 4 }],
  [17, { name: 'IQ2_XS', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 32 }],
  [18, { name: 'IQ3_XXS', blockSize: QK_K, typeSize: 2 + (3 * QK_K) / 8 }],
  [19, { name: 'IQ1_S', blockSize: QK_K, typeSize: 2 + QK_K / 8 + QK_K / 16 }],
  [20, { name: 'IQ4_NL', blockSize: QK, typeSize: 2 + QK / 2 }],
  [21, { name: 'IQ3_S', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4 }],
  [22, { name: 'IQ2_S', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 16 }],
  [23, { name: 'IQ4_XS', blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 64 }],
  [24, { name: 'I8', blockSize: 1, typeSize: 1 }],
  [25, { name: 'I16', blockSize: 1, typeSize: 2 }],
  [26, { name: 'I32', blockSize: 1, typeSize: 4 }],
  [27, { name: 'I64', blockSize: 1, typeSize: 8 }],
  [28, { name: 'F64', blockSize: 1, typeSize: 8 }],
  [29, { name: 'IQ1_M', blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 16 + QK_K / 32 }],
  [30, { name: 'BF16', blockSize: 1, typeSize: 2, dequantize: dequantBF16 }],
  [34, { name: 'TQ1_0', blockSize: QK_K, typeSize: 2 + 4 * 13 }],
  [35, { name: 'TQ2_0', blockSize: QK_K, typeSize: 2 + 64 }],
]);

/** The names of the types this module converts, for error messages. */
export function convertibleTypeNames(): string[] {
  return [...GGML_TYPES.values()].filter((t) => t.dequantize).map((t) => t.name);
}

/** float32 values of `count` elements stored as `type` in `src` (exactly count/blockSize blocks). */
export function dequantize(type: GgmlType, src: Uint8Array, count: number): Float32Array {
  if (!type.dequantize) throw new Error(`GGML type ${type.name} cannot be converted to float32 (supported: ${convertibleTypeNames().join(', ')})`);
  if (count % type.blockSize !== 0) throw new Error(`${count} values are not a whole number of ${type.name} blocks of ${type.blockSize}`);
  const need = (count / type.blockSize) * type.typeSize;
  if (src.length !== need) throw new Error(`${count} ${type.name} values need ${need} bytes, got ${src.length}`);
  const out = new Float32Array(count);
  type.dequantize(src, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// float16 / bfloat16

const F16: Float32Array = (() => {
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) bits[h] = halfBitsToFloatBits(h);
  return table;
})();

/** The float16 at byte `at` (little-endian) as a number. */
function half(src: Uint8Array, at: number): number {
  return F16[src[at]! | (src[at + 1]! << 8)]!;
}

const f = Math.fround;

function dequantF32(src: Uint8Array, out: Float32Array): void {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
}

function dequantF16(src: Uint8Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = half(src, 2 * i);
}

function dequantBF16(src: Uint8Array, out: Float32Array): void {
  // bfloat16 is the top half of a float32: a shift is exact
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < out.length; i++) bits[i] = ((src[2 * i]! | (src[2 * i + 1]! << 8)) << 16) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// 32-value blocks

function dequantQ4_0(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 18, o += QK) {
    const d = half(src, b);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 2 + j]!;
      out[o + j] = f(((q & 0xf) - 8) * d);
      out[o + j + 16] = f(((q >> 4) - 8) * d);
    }
  }
}

function dequantQ4_1(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 20, o += QK) {
    const d = half(src, b);
    const m = half(src, b + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[b + 4 + j]!;
      out[o + j] = f(f((q & 0xf) * d) + m);
      out[o + j + 16] = f(f((q >> 4) * d) + m);
    }
  }
}

function dequantQ5_0(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 22, o += QK) {
    const d = half(src, b);
    const qh = (src[b + 2]! | (src[b + 3]! << 8) | (src[b + 4]! << 16) | (src[b + 5]! << 24)) >>> 0;
    for (let j = 0; j < 16; j++) {
      const q = src[b + 6 + j]!;
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      out[o + j] = f((((q & 0xf) | h0) - 16) * d);
      out[o + j + 16] = f((((q >> 4) | h1) - 16) * d);
    }
  }
}

function dequantQ5_1(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 24, o += QK) {
    const d = half(src, b);
    const m = half(src, b + 2);
    const qh = (src[b + 4]! | (src[b + 5]! << 8) | (src[b + 6]! << 16) | (src[b + 7]! << 24)) >>> 0;
    for (let j = 0; j < 16; j++) {
      const q = src[b + 8 + j]!;
      const h0 = ((qh >>> j) << 4) & 0x10;
      const h1 = (qh >>> (j + 12)) & 0x10;
      out[o + j] = f(f(((q & 0xf) | h0) * d) + m);
      out[o + j + 16] = f(f(((q >> 4) | h1) * d) + m);
    }
  }
}

function dequantQ8_0(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 34, o += QK) {
    const d = half(src, b);
    for (let j = 0; j < QK; j++) out[o + j] = f(((src[b + 2 + j]! << 24) >> 24) * d);
  }
}

// ---------------------------------------------------------------------------------------------
// 256-value super-blocks (k-quants)

/** The 6-bit scale and min of sub-block j from the 12 packed bytes at `s` (get_scale_min_k4). */
function scaleMinK4(src: Uint8Array, s: number, j: number): [number, number] {
  if (j < 4) return [src[s + j]! & 63, src[s + j + 4]! & 63];
  return [(src[s + j + 4]! & 0xf) | ((src[s + j - 4]! >> 6) << 4), (src[s + j + 4]! >> 4) | ((src[s + j]! >> 6) << 4)];
}

function dequantQ4_K(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 144, o += QK_K) {
    const d = half(src, b);
    const dmin = half(src, b + 2);
    const scales = b + 4;
    let q = b + 4 + K_SCALE_SIZE;
    let y = o;
    for (let is = 0; is < 8; is += 2) {
      const [sc1, m1] = scaleMinK4(src, scales, is);
      const [sc2, m2] = scaleMinK4(src, scales, is + 1);
      const d1 = f(d * sc1), min1 = f(dmin * m1);
      const d2 = f(d * sc2), min2 = f(dmin * m2);
      for (let l = 0; l < 32; l++) out[y + l] = f(f(d1 * (src[q + l]! & 0xf)) - min1);
      for (let l = 0; l < 32; l++) out[y + 32 + l] = f(f(d2 * (src[q + l]! >> 4)) - min2);
      q += 32;
      y += 64;
    }
  }
}

function dequantQ5_K(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 176, o += QK_K) {
    const d = half(src, b);
    const dmin = half(src, b + 2);
    const scales = b + 4;
    const qh = b + 4 + K_SCALE_SIZE;
    let ql = qh + QK_K / 8;
    let y = o;
    let u1 = 1, u2 = 2;
    for (let is = 0; is < 8; is += 2) {
      const [sc1, m1] = scaleMinK4(src, scales, is);
      const [sc2, m2] = scaleMinK4(src, scales, is + 1);
      const d1 = f(d * sc1), min1 = f(dmin * m1);
      const d2 = f(d * sc2), min2 = f(dmin * m2);
      for (let l = 0; l < 32; l++) out[y + l] = f(f(d1 * ((src[ql + l]! & 0xf) + (src[qh + l]! & u1 ? 16 : 0))) - min1);
      for (let l = 0; l < 32; l++) out[y + 32 + l] = f(f(d2 * ((src[ql + l]! >> 4) + (src[qh + l]! & u2 ? 16 : 0))) - min2);
      ql += 32;
      y += 64;
      u1 <<= 2;
      u2 <<= 2;
    }
  }
}

function dequantQ6_K(src: Uint8Array, out: Float32Array): void {
  for (let b = 0, o = 0; o < out.length; b += 210, o += QK_K) {
    let ql = b;
    let qh = b + QK_K / 2;
    let sc = b + QK_K / 2 + QK_K / 4;
    const d = half(src, b + 208);
    for (let n = 0; n < QK_K; n += 128) {
      const y = o + n;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = src[qh + l]!;
        const q1 = ((src[ql + l]! & 0xf) | ((h & 3) << 4)) - 32;
        const q2 = ((src[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((src[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((src[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
        const s = (i: number) => (src[sc + is + i]! << 24) >> 24;
        out[y + l] = f(f(d * s(0)) * q1);
        out[y + l + 32] = f(f(d * s(2)) * q2);
        out[y + l + 64] = f(f(d * s(4)) * q3);
        out[y + l + 96] = f(f(d * s(6)) * q4);
      }
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}
