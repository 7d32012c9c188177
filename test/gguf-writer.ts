// A small GGUF v3 writer for tests: builds valid files to parse, then to damage on purpose.
import { GgufValueType } from '../src/model/gguf.ts';

export type Kv =
  | [key: string, type: Exclude<GgufValueType, GgufValueType.ARRAY>, value: number | bigint | boolean | string]
  | [key: string, type: GgufValueType.ARRAY, value: unknown[], elementType: GgufValueType];

export interface TensorSpec { name: string; ne: number[]; type: number; data: Uint8Array }

class Bytes {
  private parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void { this.parts.push(b); this.length += b.length; }
  num(width: number, set: (v: DataView) => void): void {
    const b = new Uint8Array(width);
    set(new DataView(b.buffer));
    this.push(b);
  }
  u32(v: number): void { this.num(4, (d) => d.setUint32(0, v, true)); }
  u64(v: number | bigint): void { this.num(8, (d) => d.setBigUint64(0, BigInt(v), true)); }
  str(s: string): void { const b = new TextEncoder().encode(s); this.u64(b.length); this.push(b); }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  }
}

function value(w: Bytes, type: GgufValueType, v: unknown, elementType?: GgufValueType): void {
  switch (type) {
    case GgufValueType.UINT8: return w.num(1, (d) => d.setUint8(0, v as number));
    case GgufValueType.INT8: return w.num(1, (d) => d.setInt8(0, v as number));
    case GgufValueType.UINT16: return w.num(2, (d) => d.setUint16(0, v as number, true));
    case GgufValueType.INT16: return w.num(2, (d) => d.setInt16(0, v as number, true));
    case GgufValueType.UINT32: return w.u32(v as number);
    case GgufValueType.INT32: return w.num(4, (d) => d.setInt32(0, v as number, true));
    case GgufValueType.FLOAT32: return w.num(4, (d) => d.setFloat32(0, v as number, true));
    case GgufValueType.FLOAT64: return w.num(8, (d) => d.setFloat64(0, v as number, true));
    case GgufValueType.UINT64: return w.u64(v as bigint);
    case GgufValueType.INT64: return w.num(8, (d) => d.setBigInt64(0, BigInt(v as bigint), true));
    case GgufValueType.BOOL: return w.num(1, (d) => d.setUint8(0, v ? 1 : 0));
    case GgufValueType.STRING: return w.str(v as string);
    case GgufValueType.ARRAY: {
      const items = v as unknown[];
      w.u32(elementType!);
      w.u64(items.length);
      for (const x of items) {
        if (elementType === GgufValueType.ARRAY) {
          const [et, inner] = x as [GgufValueType, unknown[]];
          value(w, GgufValueType.ARRAY, inner, et);
        } else value(w, elementType!, x);
      }
      return;
    }
  }
}

/** GGUF v3 bytes: header, metadata, tensor index, padding, tensors each at an aligned offset. */
export function writeGguf(kvs: Kv[], tensors: TensorSpec[], alignment = 32): Uint8Array {
  const w = new Bytes();
  w.u32(0x46554747);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const kv of kvs) {
    w.str(kv[0]);
    w.u32(kv[1]);
    value(w, kv[1], kv[2], kv[3] as GgufValueType | undefined);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.ne.length);
    for (const d of t.ne) w.u64(d);
    w.u32(t.type);
    w.u64(offset);
    offsets.push(offset);
    offset = Math.ceil((offset + t.data.length) / alignment) * alignment;
  }
  const pad = (n: number) => w.push(new Uint8Array((alignment - (n % alignment)) % alignment));
  pad(w.length);
  const start = w.length;
  tensors.forEach((t, i) => {
    if (w.length - start !== offsets[i]) throw new Error('writeGguf: internal offset mismatch');
    w.push(t.data);
    pad(w.length - start);
  });
  return w.concat();
}

const f32bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

/** A tiny valid llama GGUF (dim 32, 4 heads / 2 kv heads, one layer, 5-token byte-level BPE) with F32, F16, Q8_0 and Q4_1 tensors. */
export function tinyLlamaGguf(rand: () => number, overrides: { kv?: Kv[]; tensors?: (t: TensorSpec[]) => TensorSpec[] } = {}): Uint8Array {
  const dim = 32, hidden = 64, heads = 4, kv = 2, hd = 8, vocab = 5;
  const f32 = (n: number) => ({ type: 0, data: f32bytes(Float32Array.from({ length: n }, () => rand() * 2 - 1)) });
  const f16 = (n: number) => {
    const b = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) { b[2 * i] = Math.floor(rand() * 256); b[2 * i + 1] = 0x38 + Math.floor(rand() * 4); } // ~0.5..1
    return { type: 1, data: b };
  };
  const q8 = (n: number) => {
    const b = new Uint8Array((n / 32) * 34);
    for (let k = 0; k < n / 32; k++) { b[34 * k] = 0x00; b[34 * k + 1] = 0x20; for (let j = 2; j < 34; j++) b[34 * k + j] = Math.floor(rand() * 256); } // d = 2^-7
    return { type: 8, data: b };
  };
  const q41 = (n: number) => {
    const b = new Uint8Array((n / 32) * 20);
    for (let k = 0; k < n / 32; k++) { b[20 * k + 1] = 0x24; b[20 * k + 3] = 0xa4; for (let j = 4; j < 20; j++) b[20 * k + j] = Math.floor(rand() * 256); }
    return { type: 3, data: b };
  };
  let tensors: TensorSpec[] = [
    { name: 'token_embd.weight', ne: [dim, vocab], ...f32(dim * vocab) },
    { name: 'blk.0.attn_norm.weight', ne: [dim], ...f16(dim) },
    { name: 'blk.0.attn_q.weight', ne: [dim, heads * hd], ...q8(dim * heads * hd) },
    { name: 'blk.0.attn_k.weight', ne: [dim, kv * hd], ...f32(dim * kv * hd) },
    { name: 'blk.0.attn_v.weight', ne: [dim, kv * hd], ...f32(dim * kv * hd) },
    { name: 'blk.0.attn_output.weight', ne: [heads * hd, dim], ...f32(dim * heads * hd) },
    { name: 'blk.0.ffn_norm.weight', ne: [dim], ...f32(dim) },
    { name: 'blk.0.ffn_gate.weight', ne: [dim, hidden], ...f32(dim * hidden) },
    { name: 'blk.0.ffn_up.weight', ne: [dim, hidden], ...q41(dim * hidden) },
    { name: 'blk.0.ffn_down.weight', ne: [hidden, dim], ...f32(dim * hidden) },
    { name: 'output_norm.weight', ne: [dim], ...f32(dim) },
  ];
  if (overrides.tensors) tensors = overrides.tensors(tensors);
  const base: Kv[] = [
    ['general.architecture', GgufValueType.STRING, 'llama'],
    ['general.name', GgufValueType.STRING, 'tiny'],
    ['llama.block_count', GgufValueType.UINT32, 1],
    ['llama.context_length', GgufValueType.UINT32, 64],
    ['llama.embedding_length', GgufValueType.UINT32, dim],
    ['llama.feed_forward_length', GgufValueType.UINT32, hidden],
    ['llama.attention.head_count', GgufValueType.UINT32, heads],
    ['llama.attention.head_count_kv', GgufValueType.UINT32, kv],
    ['llama.rope.freq_base', GgufValueType.FLOAT32, 10000],
    ['llama.attention.layer_norm_rms_epsilon', GgufValueType.FLOAT32, 1e-5],
    ['llama.vocab_size', GgufValueType.UINT32, vocab],
    ['general.tags', GgufValueType.ARRAY, [[GgufValueType.INT16, [1, -2]], [GgufValueType.STRING, ['x']]], GgufValueType.ARRAY],
    ['general.score', GgufValueType.FLOAT64, 0.25],
    ['general.big', GgufValueType.UINT64, 1n << 40n],
    ['tokenizer.ggml.model', GgufValueType.STRING, 'gpt2'],
    ['tokenizer.ggml.pre', GgufValueType.STRING, 'smollm'],
    ['tokenizer.ggml.tokens', GgufValueType.ARRAY, ['<|endoftext|>', 'a', 'b', 'ab', 'Ġ'], GgufValueType.STRING],
    ['tokenizer.ggml.token_type', GgufValueType.ARRAY, [3, 1, 1, 1, 1], GgufValueType.INT32],
    ['tokenizer.ggml.merges', GgufValueType.ARRAY, ['a b'], GgufValueType.STRING],
    ['tokenizer.ggml.bos_token_id', GgufValueType.UINT32, 0],
    ['tokenizer.ggml.eos_token_id', GgufValueType.UINT32, 0],
    ['tokenizer.ggml.add_bos_token', GgufValueType.BOOL, false],
  ];
  const kvs = base.filter(([k]) => !overrides.kv?.some(([o]) => o === k)).concat(overrides.kv ?? []);
  return writeGguf(kvs, tensors);
}
