// The GGUF reader and dequantisers against gguf-py (llama.cpp's own Python package: GGUFReader and
// gguf.quants.dequantize), on the real SmolLM2 file and on random blocks of every type we convert;
// and the GGUF tokenizer's budgeted encoding against its full encoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufFile, GgufValueType } from '../src/model/gguf.ts';
import { GGML_TYPES, dequantize } from '../src/model/gguf-quant.ts';
import { GgufTokenizer } from '../src/tokenizer/gguf-tokenizer.ts';
import { defaultDataStore } from '../src/data/files.ts';
import { mulberry32 } from '../src/util/random.ts';
import { pythonText, VENV_PYTHON } from './helpers.ts';

const FILE = 'models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf';
const haveGguf = existsSync(VENV_PYTHON) && spawnSync(VENV_PYTHON, ['-c', 'import gguf'], { encoding: 'utf8' }).status === 0;
const noGguf = haveGguf ? false : 'no gguf-py in the project venv';

async function smolPath(): Promise<string | null> {
  try { return (await defaultDataStore().locate(FILE, false)).file; } catch { return null; }
}

/** Bit patterns equal (so NaN payloads and -0 count), reporting the first difference. */
function assertSameBits(ours: Float32Array, ref: Float32Array, what: string): void {
  assert.equal(ours.length, ref.length, `${what}: length`);
  const a = new Uint32Array(ours.buffer, ours.byteOffset, ours.length);
  const b = new Uint32Array(ref.buffer, ref.byteOffset, ref.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) assert.fail(`${what}: value ${i} is ${ours[i]}, gguf-py gives ${ref[i]}`);
  }
}

const readF32 = (file: string) => { const b = readFileSync(file); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)); };

test('SmolLM2 GGUF: header, metadata and tensor index equal gguf-py\'s GGUFReader', { skip: noGguf }, async (t) => {
  const file = await smolPath();
  if (!file) { t.skip('model file not available'); return; }
  const ref = JSON.parse(pythonText(`
import sys, json, gguf
r = gguf.GGUFReader(sys.argv[1])
meta = {}
for k, f in r.fields.items():
    if k.startswith('GGUF.'): continue
    v = f.contents()
    if isinstance(v, list) and len(v) > 50: v = {"n": len(v), "head": v[:5], "tail": v[-5:]}
    meta[k] = [int(f.types[0]), v]
ts = [[t.name, t.tensor_type.name, [int(x) for x in t.shape], int(t.data_offset), int(t.n_bytes)] for t in r.tensors]
print(json.dumps({"meta": meta, "tensors": ts, "alignment": r.alignment, "data_offset": r.data_offset}))`, { args: [file] }));
  const g = GgufFile.open(file);
  t.after(() => g.close());
  const h = g.header;
  assert.equal(h.version, 3);
  assert.equal(h.alignment, ref.alignment);
  assert.equal(h.dataStart, ref.data_offset);
  assert.deepEqual([...h.metadata.keys()].sort(), Object.keys(ref.meta).sort());
  for (const [k, [type, v]] of Object.entries(ref.meta as Record<string, [number, unknown]>)) {
    const ours = h.metadata.get(k)!;
    assert.equal(ours.type, type, k);
    if (ours.type === GgufValueType.ARRAY) {
      const arr = Array.from(ours.value as ArrayLike<unknown>, (x) => (typeof x === 'bigint' ? Number(x) : x));
      if (v && typeof v === 'object' && 'n' in v) {
        const big = v as { n: number; head: unknown[]; tail: unknown[] };
        assert.equal(arr.length, big.n, k);
        assert.deepEqual(arr.slice(0, 5), big.head, k);
        assert.deepEqual(arr.slice(-5), big.tail, k);
      } else assert.deepEqual(arr, v, k);
    } else if (ours.type === GgufValueType.FLOAT32) {
      assert.equal(ours.value, Math.fround(v as number), k);
    } else assert.deepEqual(typeof ours.value === 'bigint' ? Number(ours.value) : ours.value, v, k);
  }
  const tensors = [...h.tensors.values()];
  assert.equal(tensors.length, ref.tensors.length);
  tensors.forEach((ti, i) => {
    const [name, type, ne, off, nBytes] = ref.tensors[i] as [string, string, number[], number, number];
    assert.deepEqual([ti.name, ti.type.name, ti.ne, h.dataStart + ti.offset, ti.byteLength], [name, type, ne, off, nBytes]);
  });
});

test('SmolLM2 GGUF: F32, Q4_1 and Q8_0 tensors dequantise bit for bit as gguf.quants.dequantize', { skip: noGguf }, async (t) => {
  const file = await smolPath();
  if (!file) { t.skip('model file not available'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'pa-gguf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const names = ['blk.0.attn_norm.weight', 'blk.0.attn_q.weight', 'blk.7.ffn_down.weight', 'blk.29.attn_v.weight', 'output_norm.weight', 'token_embd.weight'];
  pythonText(`
import sys, numpy as np, gguf
from gguf import quants
r = gguf.GGUFReader(sys.argv[1])
want = sys.argv[3].split(',')
for i, t in enumerate(r.tensors):
    if t.name not in want: continue
    x = quants.dequantize(t.data, t.tensor_type).astype('<f4')
    x.tofile(f"{sys.argv[2]}/{t.name}.f32")`, { args: [file, dir, names.join(',')] });
  const g = GgufFile.open(file);
  t.after(() => g.close());
  const types = new Set<string>();
  for (const name of names) {
    types.add(g.info(name).type.name);
    assertSameBits(g.tensor(name), readF32(join(dir, `${name}.f32`)), name);
  }
  assert.deepEqual([...types].sort(), ['F32', 'Q4_1', 'Q8_0']);
});

test('random blocks of every converted type dequantise bit for bit as gguf.quants.dequantize', { skip: noGguf }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pa-gguf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rand = mulberry32(99);
  // random bytes, with every float16 scale field set to a random finite value (a NaN scale is garbage in either reader)
  const halfFields: Record<string, (block: number) => number[]> = {
    F16: () => [0], BF16: () => [], Q4_0: () => [0], Q4_1: () => [0, 2], Q5_0: () => [0], Q5_1: () => [0, 2], Q8_0: () => [0],
    Q4_K: () => [0, 2], Q5_K: () => [0, 2], Q6_K: () => [208],
  };
  const names = Object.keys(halfFields);
  const cases = names.map((name) => {
    const type = [...GGML_TYPES.entries()].find(([, v]) => v.name === name)!;
    const blocks = 64;
    const bytes = Uint8Array.from({ length: blocks * type[1].typeSize }, () => Math.floor(rand() * 256));
    for (let b = 0; b < blocks; b++) {
      for (const at of halfFields[name]!(b)) {
        const o = b * type[1].typeSize + at;
        bytes[o] = Math.floor(rand() * 256);
        bytes[o + 1] = (rand() < 0.5 ? 0x80 : 0) | (0x08 + Math.floor(rand() * 0x30)); // exponent well inside the finite range
      }
    }
    writeFileSync(join(dir, `${name}.bin`), bytes);
    return { name, id: type[0], info: type[1], bytes, count: blocks * type[1].blockSize };
  });
  pythonText(`
import sys, numpy as np, gguf
from gguf import quants
for name in sys.argv[2].split(','):
    qt = gguf.GGMLQuantizationType[name]
    bs, ts = gguf.GGML_QUANT_SIZES[qt]
    raw = np.fromfile(f"{sys.argv[1]}/{name}.bin", dtype=np.uint8).reshape(-1, ts)
    quants.dequantize(raw, qt).astype('<f4').tofile(f"{sys.argv[1]}/{name}.f32")`, { args: [dir, names.join(',')] });
  for (const c of cases) assertSameBits(dequantize(c.info, c.bytes, c.count), readF32(join(dir, `${c.name}.f32`)), c.name);
});

test('GGUF tokenizer: a budgeted encoding is a prefix of the full one, and stops reading long texts early', async (t) => {
  const file = await smolPath();
  if (!file) { t.skip('model file not available'); return; }
  const g = GgufFile.open(file);
  const tok = new GgufTokenizer(g.header);
  g.close();
  const rand = mulberry32(5);
  const words = ['the', 'cat', ' ', '  ', '\n', '\n\n', '2024', '3.14', 'naïve', '日本', '🙂', '<|im_end|>', "don't", '---', '\t', 'Hello', ',', '.'];
  for (let i = 0; i < 40; i++) {
    let s = '';
    const n = 50 + Math.floor(rand() * 400);
    for (let k = 0; k < n; k++) s += words[Math.floor(rand() * words.length)]! + (rand() < 0.6 ? ' ' : '');
    const full = tok.encode(s);
    for (const max of [1, 3, 17, 64]) {
      const part = tok.encode(s, { maxTokens: max });
      assert.deepEqual(part.slice(0, max), full.slice(0, max), `text ${i}, maxTokens ${max}`);
    }
  }
  // 4 MB of text: with a budget only a prefix is tokenized (fast); the ids are the full encoding's first ones
  const long = 'The quick brown fox jumps over the lazy dog. '.repeat(100_000);
  const t0 = performance.now();
  const few = tok.encode(long, { maxTokens: 128 });
  const ms = performance.now() - t0;
  assert.ok(few.length >= 128, `${few.length} tokens`);
  assert.deepEqual(few.slice(0, 128), tok.encode(long.slice(0, 20_000)).slice(0, 128));
  assert.ok(ms < 2000, `budgeted encoding of 4 MB took ${ms.toFixed(0)} ms`);
});
