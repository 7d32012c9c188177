// Hostile GGUF files: the reader, the llama mapping and the tokenizer builder on random, truncated,
// byte-flipped and crafted inputs (fixed seed, bounded count). Every case must end in a plain Error
// naming the file (and, where one is at fault, the tensor) — or, for a flip that leaves a valid file,
// a clean load — never a RangeError/TypeError, a hang, or an allocation beyond the file's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { GgufFile, GgufValueType, parseGgufHeader } from '../src/model/gguf.ts';
import { ggufDecoder } from '../src/model/gguf-decoder.ts';
import { disposeWeights } from '../src/model/weights.ts';
import { GgufTokenizer } from '../src/tokenizer/gguf-tokenizer.ts';
import { initBackend } from '../src/backend/index.ts';
import { mulberry32 } from '../src/util/random.ts';
import { tinyLlamaGguf, writeGguf } from './gguf-writer.ts';

await initBackend({ force: 'cpu', quiet: true });
const rand = mulberry32(20261201);
const int = (n: number) => Math.floor(rand() * n);
const NAME = 'fuzz.gguf';
const good = tinyLlamaGguf(mulberry32(7));

type Outcome = 'rejected' | 'accepted';
/** Parse, map and tokenize `bytes`; every tensor is converted. */
function load(bytes: Uint8Array): void {
  const g = GgufFile.fromBytes(bytes, NAME);
  new GgufTokenizer(g.header).encode('ab ba');
  const m = ggufDecoder(g);
  disposeWeights(m.weights);
}

function run(what: string, bytes: Uint8Array): { outcome: Outcome; message: string } {
  const heapBefore = process.memoryUsage().arrayBuffers;
  try {
    load(bytes);
    return { outcome: 'accepted', message: '' };
  } catch (e) {
    assert.ok(e instanceof Error && e.constructor === Error, `${what}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.ok((e as Error).message.includes(NAME), `${what}: message does not name the file: ${(e as Error).message}`);
    assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 64 * Math.max(bytes.length, 4096) + (8 << 20), `${what}: allocated too much before rejecting`);
    return { outcome: 'rejected', message: (e as Error).message };
  }
}

test('the tiny valid file loads: config, tensor shapes and tokenizer as written', () => {
  const g = GgufFile.fromBytes(good, NAME);
  const m = ggufDecoder(g);
  assert.deepEqual([m.config.dim, m.config.nHeads, m.config.nKvHeads, m.config.headDim, m.config.hiddenDim, m.config.vocabSize, m.config.tieEmbeddings], [32, 4, 2, 8, 64, 5, true]);
  assert.deepEqual(m.weights.layers[0]!.wq.shape, [32, 32]);
  assert.deepEqual(m.weights.layers[0]!.wk.shape, [32, 16]);
  const tags = g.header.metadata.get('general.tags')!;
  assert.equal(tags.type, GgufValueType.ARRAY);
  assert.equal(g.header.metadata.get('general.big')!.value, 1n << 40n);
  const tok = new GgufTokenizer(g.header);
  assert.deepEqual(tok.encode('ab'), [3]);
  assert.deepEqual(tok.encode('a b'), [1, 4, 2]);
  assert.deepEqual(tok.encode('<|endoftext|>ab'), [0, 3]);
  disposeWeights(m.weights);
});

test('GGUF reader survives random, truncated and byte-flipped inputs', () => {
  const before = tf.memory().numTensors;
  const counts: Record<string, Record<Outcome, number>> = {};
  const record = (cls: string, o: Outcome) => { (counts[cls] ??= { rejected: 0, accepted: 0 })[o]++; };
  for (let i = 0; i < 200; i++) {
    const random = Uint8Array.from({ length: int(2048) }, () => int(256));
    if (i % 2 === 0 && random.length >= 8) random.set([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]); // valid magic and version
    record('random', run(`random ${i}`, random).outcome);
  }
  for (let i = 0; i < 300; i++) {
    const cut = int(good.length);
    const r = run(`truncated at ${cut}`, good.subarray(0, cut));
    assert.equal(r.outcome, 'rejected', `truncated at ${cut} was accepted`);
    record('truncated', r.outcome);
  }
  for (let i = 0; i < 400; i++) {
    const bytes = good.slice();
    const n = 1 + int(4);
    for (let k = 0; k < n; k++) bytes[int(bytes.length)] = int(256);
    record('flipped', run(`flip ${i}`, bytes).outcome);
  }
  // flips inside the header hit counts, lengths, types and offsets
  const dataStart = parseGgufHeader(good, NAME).dataStart;
  for (let i = 0; i < 400; i++) {
    const bytes = good.slice();
    bytes[int(dataStart)] = int(256);
    record('header flip', run(`header flip ${i}`, bytes).outcome);
  }
  assert.equal(tf.memory().numTensors, before, 'tensors leaked by rejected files');
  for (const cls of ['random', 'truncated', 'header flip']) assert.ok(counts[cls]!.rejected > 0, cls);
});

test('crafted files: each fault is a clear error naming the file and the tensor or key', () => {
  const r = mulberry32(11);
  const expect = (bytes: Uint8Array, re: RegExp) => {
    const o = run(re.source, bytes);
    assert.equal(o.outcome, 'rejected', `accepted, expected ${re}`);
    assert.match(o.message, re);
  };
  const mapTensor = (name: string, f: (t: { name: string; ne: number[]; type: number; data: Uint8Array }) => void) =>
    (ts: { name: string; ne: number[]; type: number; data: Uint8Array }[]) => ts.map((t) => { if (t.name === name) { const c = { ...t }; f(c); return c; } return t; });

  // unknown tensor type
  expect(tinyLlamaGguf(r, { tensors: mapTensor('blk.0.attn_k.weight', (t) => { t.type = 99; }) }), /fuzz\.gguf: tensor "blk\.0\.attn_k\.weight" has unknown GGML tensor type 99/);
  // a known type this reader does not convert
  expect(tinyLlamaGguf(r, { tensors: mapTensor('blk.0.attn_k.weight', (t) => { t.type = 10; t.data = new Uint8Array((32 * 16 / 256) * 84); t.ne = [32, 16]; }) }), /fuzz\.gguf: tensor "blk\.0\.attn_k\.weight" has (type Q2_K|32 values per row, not a multiple)/);
  // unsupported architecture
  expect(tinyLlamaGguf(r, { kv: [['general.architecture', GgufValueType.STRING, 'mamba']] }), /fuzz\.gguf: architecture "mamba" is not supported/);
  // inconsistent shapes: 2 heads make the head 16 wide, so the 2 kv heads need a [32, 32] attn_k
  expect(tinyLlamaGguf(r, { kv: [['llama.attention.head_count', GgufValueType.UINT32, 2]] }), /fuzz\.gguf: tensor "blk\.0\.attn_k\.weight" has shape \[16,32\] \(row-major\), the metadata implies \[32,32\]/);
  expect(tinyLlamaGguf(r, { tensors: mapTensor('blk.0.ffn_down.weight', (t) => { t.ne = [32, 64]; }) }), /fuzz\.gguf: tensor "blk\.0\.ffn_down\.weight" has shape \[64,32\]/);
  // a missing tensor and an extra one
  expect(tinyLlamaGguf(r, { tensors: (ts) => ts.filter((t) => t.name !== 'blk.0.attn_v.weight') }), /fuzz\.gguf: tensor "blk\.0\.attn_v\.weight" is missing/);
  expect(tinyLlamaGguf(r, { tensors: (ts) => [...ts, { name: 'blk.0.attn_q.bias', ne: [32], type: 0, data: new Uint8Array(128) }] }), /fuzz\.gguf: 1 tensors are not used by a llama decoder, e.g. "blk\.0\.attn_q\.bias"/);
  // wrong metadata types and values
  expect(tinyLlamaGguf(r, { kv: [['llama.block_count', GgufValueType.STRING, 'one']] }), /fuzz\.gguf: metadata "llama\.block_count" must be an integer, got STRING/);
  expect(tinyLlamaGguf(r, { kv: [['llama.rope.scaling.type', GgufValueType.STRING, 'yarn']] }), /fuzz\.gguf: llama\.rope\.scaling\.type "yarn" is not supported/);
  expect(tinyLlamaGguf(r, { kv: [['general.alignment', GgufValueType.UINT32, 24]] }), /fuzz\.gguf: general\.alignment 24 is not a power of two/);
  expect(tinyLlamaGguf(r, { kv: [['tokenizer.ggml.model', GgufValueType.STRING, 'llama']] }), /fuzz\.gguf: tokenizer\.ggml\.model "llama" is not supported/);
  expect(tinyLlamaGguf(r, { kv: [['tokenizer.ggml.merges', GgufValueType.ARRAY, ['a c'], GgufValueType.STRING]] }), /fuzz\.gguf: tokenizer\.ggml\.merges entry 0 "a c"/);
  expect(tinyLlamaGguf(r, { kv: [['tokenizer.ggml.bos_token_id', GgufValueType.UINT32, 77]] }), /fuzz\.gguf: tokenizer\.ggml\.bos_token_id 77 is outside the vocabulary/);

  // offsets past the end: the last tensor's data cut off, and an offset far beyond the file
  const bytes = good.slice(0, good.length - 64);
  expect(bytes, /fuzz\.gguf: tensor "output_norm\.weight" .* runs past the end of the file/);
  const view = new DataView(good.buffer.slice(0));
  const h = parseGgufHeader(good, NAME);
  // find output_norm's offset field: the u64 right before the data section padding; rewrite it via the index
  const off = findTensorOffsetField(good, 'output_norm.weight');
  view.setBigUint64(off, 1n << 50n, true);
  expect(new Uint8Array(view.buffer), /fuzz\.gguf: tensor "output_norm\.weight" offset 1125899906842624 is past the end/);
  view.setBigUint64(off, BigInt(h.tensors.get('output_norm.weight')!.offset + 4), true);
  expect(new Uint8Array(view.buffer), /fuzz\.gguf: tensor "output_norm\.weight" offset \d+ is not a multiple of the alignment 32/);
  view.setBigUint64(off, BigInt(h.tensors.get('blk.0.ffn_down.weight')!.offset), true);
  expect(new Uint8Array(view.buffer), /fuzz\.gguf: tensors "blk\.0\.ffn_down\.weight" and "output_norm\.weight" overlap/);

  // absurd counts and lengths are refused before anything is allocated
  const hdr = (tensors: bigint, kvs: bigint, rest: number[] = []) => {
    const b = new Uint8Array(24 + rest.length);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0x46554747, true); v.setUint32(4, 3, true); v.setBigUint64(8, tensors, true); v.setBigUint64(16, kvs, true);
    b.set(rest, 24);
    return b;
  };
  expect(hdr(1n << 60n, 0n), /fuzz\.gguf: tensor_count is 1152921504606846976, more than/);
  expect(hdr(0n, 1n << 60n), /fuzz\.gguf: metadata_kv_count is \d+, more than/);
  expect(hdr(0n, 1n, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), /fuzz\.gguf: length of metadata key #0 is \d+, more than/);
  const arr = writeGguf([['x', GgufValueType.ARRAY, [1, 2], GgufValueType.UINT32]], []);
  const arrView = new DataView(arr.buffer);
  arrView.setBigUint64(24 + 8 + 1 + 4 + 4, 1n << 40n, true); // the array's count
  expect(arr, /fuzz\.gguf: length of metadata "x" is 1099511627776, more than/);
  const nested = writeGguf([['x', GgufValueType.ARRAY, [[GgufValueType.ARRAY, [[GgufValueType.ARRAY, [[GgufValueType.ARRAY, [[GgufValueType.ARRAY, [[GgufValueType.UINT8, [1]]]]]]]]]]], GgufValueType.ARRAY]], []);
  expect(nested, /fuzz\.gguf: .*nests arrays more than 4 deep/);
  const bool = writeGguf([['x', GgufValueType.BOOL, true]], []);
  bool[24 + 8 + 1 + 4] = 2; // after the header, the key "x" and its type
  expect(bool, /fuzz\.gguf: metadata "x" is a bool with byte value 2/);
  expect(writeGguf([['x', GgufValueType.STRING, 'ok'], ['x', GgufValueType.STRING, 'again']], []), /fuzz\.gguf: metadata key "x" appears twice/);
  const badUtf8 = writeGguf([['x', GgufValueType.STRING, 'ab']], []);
  badUtf8[24 + 8 + 1 + 4 + 8 + 1] = 0xff; // the value's second byte
  expect(badUtf8, /fuzz\.gguf: metadata "x" is not valid UTF-8/);
  const v1 = good.slice(); v1[4] = 1;
  expect(v1, /fuzz\.gguf: GGUF version 1 .* is not supported/);
  const be = good.slice(); be.set([0, 0, 0, 3], 4);
  expect(be, /fuzz\.gguf: big-endian GGUF/);
  expect(new TextEncoder().encode('GGML not a gguf file'), /fuzz\.gguf: not a GGUF file \(magic "GGML"/);
});

/** Byte position of the u64 offset field of tensor `name` in the tensor index. */
function findTensorOffsetField(bytes: Uint8Array, name: string): number {
  const needle = new TextEncoder().encode(name);
  outer: for (let p = 0; p < bytes.length - needle.length; p++) {
    for (let j = 0; j < needle.length; j++) if (bytes[p + j] !== needle[j]) continue outer;
    // name bytes are preceded by their u64 length; after them: u32 n_dims, n_dims u64, u32 type, u64 offset
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    if (Number(v.getBigUint64(p - 8, true)) !== needle.length) continue;
    const nDims = v.getUint32(p + needle.length, true);
    return p + needle.length + 4 + 8 * nDims + 4;
  }
  throw new Error(`no tensor ${name}`);
}
